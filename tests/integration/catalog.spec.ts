/**
 * The catalog on the server: incremental sync by version with more than one writer, and what
 * the CSV import accepts.
 */
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import { catalogChanges, upsertProducts, type CatalogEntry } from '../../src/lib/server/catalog';
import { parseCatalogCsv, toImportRow } from '../../src/lib/server/catalog-csv';
import { applyImport } from '../../src/lib/server/catalog-import';
import { findOrCreateStore } from '../../src/lib/server/tills';
import { dropTestSchemas, engines, PG_URL } from '../helpers/engines';

afterAll(dropTestSchemas);

const pgEngine = engines.find((e) => e.name === 'postgres')!;

/** Waits until `n` sessions of this schema wait on a lock. */
async function waitForLockWaiters(client: pg.Client, n: number): Promise<void> {
	for (let i = 0; i < 200; i++) {
		const r = await client.query<{ c: string }>(
			`SELECT count(*) AS c FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`
		);
		if (Number(r.rows[0]!.c) >= n) return;
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error('no writer waited on the lock');
}

describe('catalog versions on postgres with two writers', () => {
	test('a device that pulled between two imports still gets the second one', async () => {
		const target = pgEngine.fresh();
		const db = await openDatabase(target);
		const blocker = new pg.Client({
			connectionString: PG_URL,
			options: `-c search_path=${(target as { schema: string }).schema}`
		});
		await blocker.connect();
		try {
			const store = await findOrCreateStore(db.db, '朝阳店');
			await upsertProducts(db.db, store.id, [
				{ name: '可口可乐 330ml', price: 350, barcodes: ['6901234560022'] }
			]);
			// The device has the catalog so far.
			let device = await catalogChanges(db.db, store.id, 0);
			const prices = new Map(device.products.map((p) => [p.id, p.price]));

			// Writer A (a price change) is slow: something holds the product's row a moment.
			await blocker.query('BEGIN');
			await blocker.query(`SELECT id FROM products FOR UPDATE`);
			const a = upsertProducts(db.db, store.id, [
				{ name: '可口可乐 330ml', price: 400, barcodes: ['6901234560022'] }
			]);
			await waitForLockWaiters(blocker, 1);
			// Writer B (a new product) comes meanwhile (it may commit, or wait its turn), and the
			// device pulls.
			const b = upsertProducts(db.db, store.id, [
				{ name: '农夫山泉 550ml', price: 200, barcodes: ['6901234560015'] }
			]);
			await Promise.race([b, new Promise((r) => setTimeout(r, 500))]);
			const mid = await catalogChanges(db.db, store.id, device.version);
			for (const p of mid.products) prices.set(p.id, p.price);
			device = mid;
			// A commits; the device pulls again.
			await blocker.query('COMMIT');
			await a;
			await b;
			const after = await catalogChanges(db.db, store.id, device.version);
			for (const p of after.products) prices.set(p.id, p.price);

			const server = (await catalogChanges(db.db, store.id, 0)).products;
			const onServer = new Map(server.map((p: CatalogEntry) => [p.id, p.price]));
			expect(onServer.get(server.find((p) => p.name.startsWith('可口可乐'))!.id)).toBe(400);
			// The device must hold what the server holds: the cola at 4.00, not 3.50.
			expect(prices).toEqual(onServer);
			// And no two changes of one store share a version.
			const rows = await db.db.selectFrom('products').select('version').execute();
			expect(new Set(rows.map((r) => r.version)).size).toBe(rows.length);
		} finally {
			await blocker.query('ROLLBACK').catch(() => undefined);
			await blocker.end();
			await db.close();
		}
	});
});

describe.each(engines)('catalog on $name', (engine) => {
	test('each reply says where the store’s catalog stands: its latest version and live products', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const store = await findOrCreateStore(db.db, 'S');
			const other = await findOrCreateStore(db.db, 'Other');
			await upsertProducts(db.db, store.id, [
				{ name: 'A', price: 100, barcodes: ['1111'] },
				{ name: 'B', price: 200, barcodes: ['2222'] },
				{ name: 'C', price: 300, barcodes: ['3333'] }
			]);
			await upsertProducts(db.db, other.id, [{ name: 'X', price: 1, barcodes: ['9'] }]);
			expect(await catalogChanges(db.db, store.id, 2)).toMatchObject({
				version: 3,
				latest: 3,
				count: 3
			});
			// a device ahead of the server (a restored database) is told how far behind it is
			expect(await catalogChanges(db.db, store.id, 40)).toMatchObject({
				version: 40,
				products: [],
				latest: 3,
				count: 3
			});
			await db.db.updateTable('products').set({ deleted: 1 }).where('name', '=', 'B').execute();
			expect(await catalogChanges(db.db, store.id, 3)).toMatchObject({ latest: 3, count: 2 });
			expect(await catalogChanges(db.db, other.id, 0)).toMatchObject({ latest: 1, count: 1 });
		} finally {
			await db.close();
		}
	});

	test('one CSV row naming barcodes of two products leaves no barcode on two products', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const store = await findOrCreateStore(db.db, 'S');
			await upsertProducts(db.db, store.id, [
				{ name: 'A', price: 100, barcodes: ['1111'] },
				{ name: 'B', price: 200, barcodes: ['2222'] }
			]);
			await upsertProducts(db.db, store.id, [
				{ name: 'A new', price: 150, barcodes: ['1111', '2222'] }
			]).catch(() => undefined); // refusing it is fine
			const { products } = await catalogChanges(db.db, store.id, 0);
			const owners = products.filter((p) => p.barcodes.includes('2222')).map((p) => p.name);
			expect(owners).toHaveLength(1);
		} finally {
			await db.close();
		}
	});

	test('two rows that reach one product by different barcodes are refused, nothing changed', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const store = await findOrCreateStore(db.db, 'S');
			await upsertProducts(db.db, store.id, [
				{ name: 'X', price: 100, barcodes: ['aaaa', 'dddd'] }
			]);
			await expect(
				upsertProducts(db.db, store.id, [
					{ name: 'X renamed', price: 120, barcodes: ['aaaa'] },
					{ name: 'New D', price: 200, barcodes: ['dddd', 'eeee'] }
				])
			).rejects.toThrow(/product 2 \("New D"\).*same product as row 1 \("X"\)/);
			const { products } = await catalogChanges(db.db, store.id, 0);
			expect(products.map((p) => [p.name, p.barcodes])).toEqual([['X', ['aaaa', 'dddd']]]);
		} finally {
			await db.close();
		}
	});

	test('two rows with one barcode are refused, not the second silently replacing the first', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const store = await findOrCreateStore(db.db, 'S');
			await expect(
				upsertProducts(db.db, store.id, [
					{ name: '可乐', price: 350, barcodes: ['6901234560022'] },
					{ name: '雪碧', price: 350, barcodes: ['6901234560022'] }
				])
			).rejects.toThrow(/6901234560022/);
			expect((await catalogChanges(db.db, store.id, 0)).products).toEqual([]);
		} finally {
			await db.close();
		}
	});
});

/** The rows of a CSV text as the import takes them. */
const csvRows = (text: string) => parseCatalogCsv(text).rows.map(toImportRow);

describe('product CSV', () => {
	test('a name a sale could not carry (NUL) is refused at import', () => {
		const [row] = parseCatalogCsv('name,price,barcode\n可\u0000乐,3.50,1234\n').rows;
		expect(row!.result).toEqual({ ok: false, issues: [{ field: 'name', code: 'badText' }] });
	});

	test('a price a sale may not carry is refused at import', () => {
		// The server refuses a sale line above ¥100,000,000 (sales.ts MAX_FEN) after it was paid.
		const [row] = parseCatalogCsv('name,price,barcode\nX,200000000.00,1234\n').rows;
		expect(row!.result).toEqual({ ok: false, issues: [{ field: 'price', code: 'priceTooHigh' }] });
	});
});

describe.each(engines)('importing the same CSV again ($name)', (engine) => {
	test('changes nothing: products without a barcode are matched by name, no new version', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const store = await findOrCreateStore(db.db, 'Reimport Store');
			const csv =
				'name,price,barcode,category\n散装花生,12.80,,干货\n矿泉水,2.00,6901234560022,饮料\n';
			const first = await applyImport(db.db, store.id, csvRows(csv));
			expect(first).toMatchObject({ inserts: 2, updates: 0, unchanged: 0, applied: true });
			const again = await applyImport(db.db, store.id, csvRows(csv));
			expect(again).toMatchObject({ inserts: 0, updates: 0, unchanged: 2, latest: first.latest });
			const all = await catalogChanges(db.db, store.id, 0);
			expect(all.products.map((p) => p.name).sort()).toEqual(['散装花生', '矿泉水']);
			// A changed price of the unbarcoded product updates it in place.
			const changed = await applyImport(
				db.db,
				store.id,
				csvRows('name,price,barcode,category\n散装花生,13.50,,干货\n')
			);
			expect(changed).toMatchObject({ inserts: 0, updates: 1 });
			const after = await catalogChanges(db.db, store.id, first.latest);
			expect(after.products).toEqual([expect.objectContaining({ name: '散装花生', price: 1350 })]);
		} finally {
			await db.close();
		}
	});
});
