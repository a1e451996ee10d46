import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
/** The device database: sales and the outbox, charges in flight, counters, the catalog copy. */
import {
	applyCatalogChanges,
	catalogVersion,
	favourites,
	findByBarcode,
	searchProducts,
	type DeviceProductInput
} from '$lib/offline/catalog';
import { takeSeq } from '$lib/offline/counters';
import { getMeta } from '$lib/offline/db';
import { chargesToResume, recordChargeStarted, setChargeState } from '$lib/offline/device-charges';
import { queuedCount, recordSale, rejectedCount } from '$lib/offline/outbox';
import { requestPersistence } from '$lib/offline/persistence';
import { nextDailySeq } from '$lib/till/order-no';
import { freshDb, makeSale } from './helpers';

let db: ReturnType<typeof freshDb>;
beforeEach(() => {
	db = freshDb();
});
afterEach(async () => {
	await db.drop();
});

describe('recordSale', () => {
	it('writes the sale and its outbox row', async () => {
		const sale = makeSale(2_000);
		expect(await recordSale(db, sale, () => 1_000)).toBe('recorded');
		const row = await db.sales.get(sale.id);
		expect(row).toMatchObject({
			id: sale.id,
			number: sale.number,
			createdAt: sale.createdAt,
			syncState: 'queued',
			syncedAt: null,
			syncError: null
		});
		expect(row?.sale).toEqual(sale);
		const outbox = await db.outbox.toArray();
		expect(outbox).toEqual([
			{
				seq: expect.any(Number),
				saleId: sale.id,
				attempts: 0,
				nextAttemptAt: 1_000,
				lastError: null
			}
		]);
	});

	it('leaves neither row when the transaction fails part way', async () => {
		const sale = makeSale();
		const failOutbox = (): void => {
			throw new Error('disk full');
		};
		db.outbox.hook('creating', failOutbox);
		await expect(recordSale(db, sale)).rejects.toThrow('disk full');
		db.outbox.hook('creating').unsubscribe(failOutbox);
		expect(await db.sales.count()).toBe(0);
		expect(await db.outbox.count()).toBe(0);
	});

	it('leaves no sale row when the outbox write hits a constraint', async () => {
		const sale = makeSale();
		// A stray outbox row for the same sale id makes the unique saleId index refuse the add.
		await db.outbox.add({ saleId: sale.id, attempts: 0, nextAttemptAt: 0, lastError: null });
		await expect(recordSale(db, sale)).rejects.toThrow();
		expect(await db.sales.get(sale.id)).toBeUndefined();
		expect(await db.outbox.count()).toBe(1);
	});

	it('is idempotent on sale.id and keeps the first version', async () => {
		const sale = makeSale(500);
		expect(await recordSale(db, sale)).toBe('recorded');
		expect(await recordSale(db, { ...sale, total: 999 })).toBe('already-recorded');
		expect(await db.sales.count()).toBe(1);
		expect(await db.outbox.count()).toBe(1);
		expect((await db.sales.get(sale.id))?.sale.total).toBe(500);
	});

	it('stores a copy that later edits of the caller object do not change', async () => {
		const sale = makeSale(700);
		await recordSale(db, sale);
		sale.total = 1;
		expect((await db.sales.get(sale.id))?.sale.total).toBe(700);
	});

	it('marks the charges its payment-code tenders used as recorded, in the same write', async () => {
		await recordChargeStarted(db, { orderNo: 'o-1', saleDraftId: 'draft', amount: 300 });
		await recordChargeStarted(db, { orderNo: 'o-2', saleDraftId: 'other', amount: 100 });
		await setChargeState(db, 'o-1', 'paid');
		expect((await chargesToResume(db)).map((c) => c.orderNo)).toEqual(['o-1', 'o-2']);
		const sale = makeSale(300);
		sale.tenders = [
			{ kind: 'payment_code', amount: 300, orderNo: 'o-1', chargeId: 'ch', wallet: 'wechat' }
		];
		await recordSale(db, sale);
		expect((await db.charges.get('o-1'))?.state).toBe('recorded');
		expect((await chargesToResume(db)).map((c) => c.orderNo)).toEqual(['o-2']);
	});
});

describe('rejected sales', () => {
	it('are counted, and are no longer queued', async () => {
		const sale = makeSale();
		await recordSale(db, sale);
		await db.outbox.clear();
		await db.sales.update(sale.id, {
			syncState: 'rejected',
			syncError: { code: 'x', message: 'no' }
		});
		expect(await rejectedCount(db)).toBe(1);
		expect(await queuedCount(db)).toBe(0);
	});
});

describe('requestPersistence', () => {
	it('asks the browser and keeps the answer', async () => {
		expect(await requestPersistence(db, { persist: () => Promise.resolve(true) })).toBe('granted');
		expect(await getMeta(db, 'persistState')).toBe('granted');
		expect(await requestPersistence(db, { persist: () => Promise.resolve(false) })).toBe('denied');
		expect(await requestPersistence(db, { persist: () => Promise.reject(new Error('x')) })).toBe(
			'denied'
		);
		expect(await requestPersistence(db, {})).toBe('unsupported');
		expect(await requestPersistence(db, undefined)).toBe('unsupported');
		expect(await getMeta(db, 'persistState')).toBe('unsupported');
	});
});

describe('daily counters', () => {
	it('never give two takers the same number, and start again the next day', async () => {
		const day = new Date(2026, 10, 26, 9);
		const next = (at: Date) => (last: Parameters<typeof nextDailySeq>[0]) => nextDailySeq(last, at);
		const taken = await Promise.all(
			Array.from({ length: 5 }, () => takeSeq(db, 'saleSeq', next(day)))
		);
		expect(taken.sort()).toEqual([1, 2, 3, 4, 5]);
		expect(await takeSeq(db, 'orderSeq', next(day))).toBe(1);
		expect(await takeSeq(db, 'saleSeq', next(new Date(2026, 10, 27, 0, 30)))).toBe(1);
	});
});

describe('catalog', () => {
	const cola: DeviceProductInput = {
		id: 'p-cola',
		name: '可口可乐 330ml',
		price: 300,
		barcodes: ['6901234567892', '6901234567908'],
		code: 'DR-001',
		category: 'drinks',
		favourite: true,
		pinyin: 'ke kou ke le'
	};
	const sprite: DeviceProductInput = {
		id: 'p-sprite',
		name: '雪碧',
		price: 300,
		barcodes: ['6907777777777'],
		code: 'DR-002',
		category: 'drinks',
		favourite: false,
		pinyin: 'xue bi'
	};
	const bread: DeviceProductInput = {
		id: 'p-bread',
		name: 'Bread roll',
		price: 450,
		barcodes: [],
		favourite: true
	};

	it('applies change sets incrementally and ignores stale ones', async () => {
		expect(await catalogVersion(db)).toBe(0);
		expect(
			await applyCatalogChanges(db, { version: 3, products: [cola, sprite], deleted: [] })
		).toBe(true);
		expect(await db.catalog.count()).toBe(2);
		expect((await db.catalog.get('p-cola'))?.updatedVersion).toBe(3);

		await applyCatalogChanges(db, {
			version: 5,
			products: [{ ...cola, price: 350 }, bread],
			deleted: ['p-sprite']
		});
		expect(await catalogVersion(db)).toBe(5);
		expect((await db.catalog.toArray()).map((p) => p.id).sort()).toEqual(['p-bread', 'p-cola']);
		expect(await db.catalog.get('p-cola')).toMatchObject({ price: 350, updatedVersion: 5 });
		expect(await db.catalog.get('p-bread')).toMatchObject({ code: null, category: null });

		// A slow reply for an older version must not roll the catalog back.
		expect(
			await applyCatalogChanges(db, { version: 4, products: [sprite], deleted: ['p-cola'] })
		).toBe(false);
		expect(await catalogVersion(db)).toBe(5);
		expect(await db.catalog.get('p-cola')).toBeDefined();
		expect(await db.catalog.get('p-sprite')).toBeUndefined();
	});

	it('finds by any barcode, searches and lists favourites', async () => {
		await applyCatalogChanges(db, { version: 1, products: [cola, sprite, bread], deleted: [] });
		expect((await findByBarcode(db, '6901234567908'))?.id).toBe('p-cola');
		expect((await findByBarcode(db, ' 6907777777777 '))?.id).toBe('p-sprite');
		expect(await findByBarcode(db, '000')).toBeUndefined();

		const ids = async (q: string): Promise<string[]> =>
			(await searchProducts(db, q)).map((p) => p.id);
		expect(await ids('可乐')).toEqual(['p-cola']);
		expect(await ids('BREAD')).toEqual(['p-bread']);
		expect(await ids('dr-002')).toEqual(['p-sprite']);
		expect((await ids('dr-')).sort()).toEqual(['p-cola', 'p-sprite']);
		expect(await ids('6907777777777')).toEqual(['p-sprite']);
		expect(await ids('kkkl')).toEqual(['p-cola']);
		expect(await ids('xb')).toEqual(['p-sprite']);
		expect(await ids('xuebi')).toEqual(['p-sprite']);
		expect(await ids('   ')).toEqual([]);
		expect(await searchProducts(db, 'dr', 1)).toHaveLength(1);

		const favs = (await favourites(db)).map((p) => p.name);
		expect([...favs].sort()).toEqual(['Bread roll', '可口可乐 330ml']);
		expect(favs).toEqual([...favs].sort((a, b) => a.localeCompare(b, 'zh-CN')));
	});
});
