/**
 * The back office's catalog on both engines: create, edit, deactivate and favourite as the tills
 * see them through the catalog sync; the CSV dry run and import with bad rows; a re-import and
 * the export changing nothing; and one store's products out of another's reach.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { catalogChanges } from '../../src/lib/server/catalog';
import {
	allProducts,
	getProduct,
	listCategories,
	listProducts,
	saveProduct,
	setProductFlag
} from '../../src/lib/server/catalog-admin';
import {
	catalogCsv,
	decodeCsv,
	parseCatalogCsv,
	toImportRow
} from '../../src/lib/server/catalog-csv';
import { applyImport, previewImport } from '../../src/lib/server/catalog-import';
import { parseProductForm, type ProductForm } from '../../src/lib/domain/product-input';
import { findOrCreateStore } from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';

afterAll(dropTestSchemas);

const rows = (text: string) => parseCatalogCsv(text).rows.map(toImportRow);

function form(input: Record<string, string>): ProductForm {
	const r = parseProductForm(input);
	if (!r.ok) throw new Error(JSON.stringify(r.issues));
	return r.value;
}

async function withDb(engine: (typeof engines)[number], fn: (db: Db) => Promise<void>) {
	const db = await openDatabase(engine.fresh());
	try {
		await fn(db);
	} finally {
		await db.close();
	}
}

describe.each(engines)('catalog admin on $name', (engine) => {
	test('create, edit, deactivate: each a new version the tills pull; off sale is deleted for them', async () => {
		await withDb(engine, async (db) => {
			const store = await findOrCreateStore(db.db, '朝阳店');
			const made = await saveProduct(
				db.db,
				store.id,
				form({ name: '农夫山泉 550ml', price: '2', barcode: '6901234560015', category: '饮料' }),
				{ by: 'u1' }
			);
			if (!made.ok) throw new Error('not saved');
			expect(made.product).toMatchObject({ pinyin: 'nfsq', price: 200, active: true });
			const device = await catalogChanges(db.db, store.id, 0);
			expect(device.products.map((p) => p.name)).toEqual(['农夫山泉 550ml']);

			// Edit: a new price and name; the computed initials follow the name.
			const edited = await saveProduct(
				db.db,
				store.id,
				form({ name: '怡宝 555ml', price: '2.50', barcode: '6901234560015', pinyin: 'nfsq' }),
				{ id: made.product.id, version: made.product.version, by: 'u1' }
			);
			expect(edited).toMatchObject({ ok: true, product: { pinyin: 'yb', price: 250 } });
			const pulled = await catalogChanges(db.db, store.id, device.version);
			expect(pulled.products).toEqual([
				expect.objectContaining({ name: '怡宝 555ml', price: 250 })
			]);

			// A form made from the old version is refused, not saved over the edit.
			const stale = await saveProduct(
				db.db,
				store.id,
				form({ name: 'X', price: '1', barcode: '' }),
				{
					id: made.product.id,
					version: made.product.version,
					by: 'u2'
				}
			);
			expect(stale).toEqual({ ok: false, issues: [{ field: 'version', code: 'stale' }] });

			// Typed initials stay when the name changes.
			const typed = await saveProduct(
				db.db,
				store.id,
				form({ name: '怡宝 大瓶', price: '2.50', barcode: '6901234560015', pinyin: 'cr' }),
				{ id: made.product.id, by: 'u1' }
			);
			expect(typed).toMatchObject({ ok: true, product: { pinyin: 'cr' } });

			const off = await setProductFlag(db.db, store.id, made.product.id, 'active', false, {
				by: 'u1'
			});
			expect(off).toMatchObject({ active: false });
			const gone = await catalogChanges(db.db, store.id, pulled.version);
			expect(gone).toMatchObject({ products: [], deleted: [made.product.id], count: 0 });
			// Still there for the owner, and its barcode still its own.
			expect(await listProducts(db.db, store.id, { status: 'inactive' })).toMatchObject({
				total: 1
			});
			const clash = await saveProduct(
				db.db,
				store.id,
				form({ name: '新水', price: '1', barcode: '6901234560015' }),
				{ by: 'u1' }
			);
			expect(clash).toMatchObject({ ok: false, issues: [{ code: 'barcodeTaken' }] });
			await setProductFlag(db.db, store.id, made.product.id, 'active', true, { by: 'u1' });
			expect((await catalogChanges(db.db, store.id, gone.version)).products).toHaveLength(1);
		});
	});

	test('search by name, initials or barcode, and by category', async () => {
		await withDb(engine, async (db) => {
			const store = await findOrCreateStore(db.db, 'S');
			await applyImport(
				db.db,
				store.id,
				rows(
					'name,price,barcode,category\n农夫山泉,2,6901234560015,饮料\n可口可乐,3.5,6901234560022,饮料\n100%_纯,1,333,\n'
				)
			);
			const names = async (q: Parameters<typeof listProducts>[2]) =>
				(await listProducts(db.db, store.id, q)).products.map((p) => p.name);
			expect(await names({ q: 'nfsq' })).toEqual(['农夫山泉']);
			expect(await names({ q: '0022' })).toEqual(['可口可乐']);
			expect(await names({ q: '可乐' })).toEqual(['可口可乐']);
			expect(await names({ q: '%_' })).toEqual(['100%_纯']); // no pattern characters
			expect(await names({ category: '' })).toEqual(['100%_纯']);
			expect(await listCategories(db.db, store.id)).toEqual([{ name: '饮料', count: 2 }]);
		});
	});

	test('a file with bad rows imports nothing and says why per row; then the good file does', async () => {
		await withDb(engine, async (db) => {
			const store = await findOrCreateStore(db.db, 'S');
			const bad = rows('名称,价格,条码\n可乐,3.50,6901234560022\n,2,1\n雪碧,abc,6901234560022\n');
			const dry = await previewImport(db.db, store.id, bad);
			expect(dry.rows.map((r) => [r.row, r.action, r.issues.map((i) => i.code)])).toEqual([
				[2, 'insert', []],
				[3, 'error', ['required']],
				[4, 'error', ['priceFormat']]
			]);
			const refused = await applyImport(db.db, store.id, bad);
			expect(refused).toMatchObject({ applied: false, errors: 2 });
			expect(await allProducts(db.db, store.id)).toEqual([]);

			const good = rows('名称,价格,条码\n可乐,3.50,6901234560022\n雪碧,3.00,6901234560039\n');
			const preview = await previewImport(db.db, store.id, good);
			expect(preview).toMatchObject({ inserts: 2, errors: 0 });
			const done = await applyImport(db.db, store.id, good, {
				by: 'u1',
				expectVersion: preview.version
			});
			expect(done).toMatchObject({ applied: true, inserts: 2 });
			// The preview of a catalog that moved on since is not applied blindly.
			const late = await applyImport(db.db, store.id, good, { expectVersion: preview.version });
			expect(late).toMatchObject({ applied: false, stale: true });
		});
	});

	test('the export imported again changes nothing; a row in it changed changes that product only', async () => {
		await withDb(engine, async (db) => {
			const store = await findOrCreateStore(db.db, 'S');
			await applyImport(
				db.db,
				store.id,
				rows(
					'name,price,barcode,category,pinyin,favourite\n"康师傅\n红烧牛肉面",4.5,6901234560039|6901234560046,方便食品,,1\n=SUM(A1),1,,,,0\n散装花生,12.80,,干货,hs,0\n'
				)
			);
			const first = await allProducts(db.db, store.id);
			await setProductFlag(db.db, store.id, first[0]!.id, 'active', false, { by: 'u1' });
			const csv = catalogCsv(await allProducts(db.db, store.id));
			const again = await applyImport(
				db.db,
				store.id,
				rows(decodeCsv(new TextEncoder().encode(csv)).text)
			);
			expect(again).toMatchObject({ applied: true, inserts: 0, updates: 0, unchanged: 3 });
			const edited = csv.replace('12.80', '13.50');
			const once = await applyImport(db.db, store.id, rows(edited.replace(/^\uFEFF/, '')));
			expect(once).toMatchObject({ updates: 1, unchanged: 2 });
			expect(once.rows.find((r) => r.action === 'update')).toMatchObject({
				name: '散装花生',
				changed: ['price']
			});
		});
	});

	test('another store’s product is not found by id, not changed, not listed', async () => {
		await withDb(engine, async (db) => {
			const mine = await findOrCreateStore(db.db, 'Mine');
			const theirs = await findOrCreateStore(db.db, 'Theirs');
			const made = await saveProduct(
				db.db,
				theirs.id,
				form({ name: '他们的', price: '1', barcode: '9' }),
				{
					by: null
				}
			);
			if (!made.ok) throw new Error('not saved');
			const id = made.product.id;
			expect(await getProduct(db.db, mine.id, id)).toBeNull();
			expect(
				await saveProduct(db.db, mine.id, form({ name: 'hijack', price: '0', barcode: '' }), {
					id,
					by: 'u1'
				})
			).toEqual({ ok: false, notFound: true });
			expect(await setProductFlag(db.db, mine.id, id, 'active', false, { by: 'u1' })).toBeNull();
			expect((await listProducts(db.db, mine.id, { status: 'all' })).total).toBe(0);
			// The same barcode in another store is that store's business.
			expect(
				await saveProduct(db.db, mine.id, form({ name: '我们的', price: '1', barcode: '9' }), {
					by: 'u1'
				})
			).toMatchObject({ ok: true });
			expect(await getProduct(db.db, theirs.id, id)).toMatchObject({
				name: '他们的',
				active: true
			});
		});
	});
});
