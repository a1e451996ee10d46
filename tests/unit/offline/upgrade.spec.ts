import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { openTillDb, SCHEMA_VERSION } from '$lib/offline/db';
import { recordChargeStarted } from '$lib/offline/device-charges';
import { makeSale } from './helpers';

/**
 * Version 1 as it shipped, written out here on purpose: if someone edits version 1 in db.ts
 * instead of adding a version, this test still creates what real devices have on disk.
 */
const V1 = {
	catalog: 'id, *barcodes, code, category, updatedVersion',
	sales: 'id, number, createdAt, syncState',
	outbox: '++seq, &saleId, nextAttemptAt',
	meta: 'key'
};

describe('schema upgrade', () => {
	it('keeps v1 data and upgrades it to the current version', async () => {
		expect(SCHEMA_VERSION).toBe(2);
		const name = `till-upgrade-${crypto.randomUUID()}`;
		const synced = makeSale(1_000);
		const queued = makeSale(2_000);
		const rejected = makeSale(-1);

		const v1 = new Dexie(name);
		v1.version(1).stores(V1);
		await v1.open();
		await v1.table('meta').bulkPut([
			{ key: 'catalogVersion', value: 7 },
			{ key: 'lastSyncAt', value: '2026-11-26T03:00:00.000Z' },
			{ key: 'deviceId', value: 'dev-1' }
		]);
		await v1.table('catalog').add({
			id: 'p-cola',
			name: '可口可乐',
			price: 300,
			barcodes: ['6901234567892'],
			code: null,
			category: null,
			favourite: true,
			updatedVersion: 7
		});
		const v1Row = (sale: typeof synced, syncState: string): Record<string, unknown> => ({
			id: sale.id,
			number: sale.number,
			createdAt: sale.createdAt,
			syncState,
			sale
		});
		await v1
			.table('sales')
			.bulkAdd([
				v1Row(synced, 'synced'),
				v1Row(queued, 'queued'),
				{ ...v1Row(rejected, 'rejected'), syncError: { code: 'negative_total', message: 'no' } }
			]);
		await v1
			.table('outbox')
			.add({ saleId: queued.id, attempts: 2, nextAttemptAt: 5, lastError: 'offline' });
		expect(v1.verno).toBe(1);
		v1.close();

		const db = openTillDb(name);
		try {
			await db.open();
			expect(db.verno).toBe(SCHEMA_VERSION);

			expect(await db.sales.count()).toBe(3);
			expect(await db.sales.get(synced.id)).toMatchObject({
				syncState: 'synced',
				syncedAt: '2026-11-26T03:00:00.000Z',
				syncError: null,
				flagged: [],
				sale: synced
			});
			expect(await db.sales.get(queued.id)).toMatchObject({ syncState: 'queued', syncedAt: null });
			expect(await db.sales.get(rejected.id)).toMatchObject({
				syncState: 'rejected',
				syncError: { code: 'negative_total', message: 'no' }
			});
			// The new index works on migrated rows.
			expect((await db.sales.where('syncedAt').above('2026').toArray()).map((r) => r.id)).toEqual([
				synced.id
			]);

			expect(await db.outbox.toArray()).toEqual([
				{ seq: 1, saleId: queued.id, attempts: 2, nextAttemptAt: 5, lastError: 'offline' }
			]);
			expect((await db.catalog.where('barcodes').equals('6901234567892').first())?.id).toBe(
				'p-cola'
			);
			expect(await db.meta.get('catalogVersion')).toEqual({ key: 'catalogVersion', value: 7 });
			expect(await db.meta.get('deviceId')).toEqual({ key: 'deviceId', value: 'dev-1' });

			// The table added in v2 is there and usable.
			await recordChargeStarted(db, { orderNo: 'o-1', saleDraftId: 'd-1', amount: 300 });
			expect(await db.charges.count()).toBe(1);
		} finally {
			db.close();
			await Dexie.delete(name);
		}
	});
});
