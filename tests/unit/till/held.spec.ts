/**
 * Parked sales (挂单) in the till session: park, serve the next customer, take it back; what
 * may not be parked; the limit; a reload; a damaged entry; another store's parked sales.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MAX_HELD } from '$lib/till/held.svelte';
import { TillHarness } from './till-harness';

const till = new TillHarness();
beforeEach(() => till.setUp());
afterEach(() => till.tearDown());

const WATER = '6901234560015';
const COLA = '6901234560022';

describe('parked sales', () => {
	test('park, ring up and pay the next customer, then resume the first under its own id', async () => {
		const session = await till.startSession();
		await session.handleScan(WATER);
		await session.handleScan(WATER);
		const firstId = session.sale.id;
		expect(session.parkSale()).toBe(true);
		expect(session.sale.empty).toBe(true);
		expect(session.sale.id).not.toBe(firstId);
		expect(session.heldSales).toHaveLength(1);

		await session.handleScan(COLA);
		expect(await session.checkout.payCash(500)).toBe(true);
		session.checkout.newSale();

		expect(session.resumeSale(firstId)).toBe(true);
		expect(session.sale.id).toBe(firstId);
		expect(session.sale.cart.lines.map((l) => [l.name, l.quantity])).toEqual([
			['农夫山泉 550ml', 2]
		]);
		expect(session.heldSales).toHaveLength(0);
		expect(await session.checkout.payCash(400)).toBe(true);
		const sales = await till.db.sales.toArray();
		expect(sales.map((s) => s.sale.total).sort()).toEqual([350, 400]);
		expect(new Set(sales.map((s) => s.id)).size).toBe(2);
	});

	test('an empty cart, or one with money taken, is not parked', async () => {
		const session = await till.startSession();
		expect(session.parkSale()).toBe(false);
		expect(session.notices.current?.key).toBe('held.nothingToPark');
		await session.handleScan(WATER);
		await session.handleScan(COLA);
		// Part of it in cash: a tender exists, so the sale is locked and may not be parked.
		expect(await session.checkout.payCash(100)).toBe(true);
		expect(session.sale.tenders).toHaveLength(1);
		expect(session.parkSale()).toBe(false);
		expect(session.notices.current?.key).toBe('held.cannotPark');
		expect(session.heldSales).toHaveLength(0);
	});

	test('resuming over a sale in progress is refused, and the parked one stays parked', async () => {
		const session = await till.startSession();
		await session.handleScan(WATER);
		const parked = session.sale.id;
		session.parkSale();
		await session.handleScan(COLA);
		expect(session.resumeSale(parked)).toBe(false);
		expect(session.notices.current?.key).toBe('held.finishFirst');
		expect(session.heldSales.map((h) => h.saleId)).toEqual([parked]);
		expect(session.sale.cart.lines.map((l) => l.name)).toEqual(['可口可乐 330ml']);
	});

	test(`at most ${MAX_HELD} parked per store`, async () => {
		const session = await till.startSession();
		for (let i = 0; i < MAX_HELD; i++) {
			await session.handleScan(WATER);
			expect(session.parkSale()).toBe(true);
		}
		await session.handleScan(COLA);
		expect(session.parkSale()).toBe(false);
		expect(session.notices.current?.key).toBe('held.full');
		expect(session.sale.cart.lines).toHaveLength(1);
		expect(session.heldSales).toHaveLength(MAX_HELD);
	});

	test('parked sales survive a reload; a damaged entry is dropped, the others kept', async () => {
		const first = await till.startSession();
		await first.handleScan(WATER);
		const kept = first.sale.id;
		first.parkSale();
		const stored = JSON.parse(till.storage.getItem('till.held')!) as unknown[];
		till.storage.setItem(
			'till.held',
			JSON.stringify([...stored, { saleId: 'x', heldAt: 'now', cart: { lines: 'no' } }])
		);
		const second = await till.startSession();
		expect(second.heldSales.map((h) => h.saleId)).toEqual([kept]);
		expect(second.resumeSale(kept)).toBe(true);
		expect(second.sale.cart.lines).toHaveLength(1);
	});

	test('a deleted parked sale is gone; another store’s parked sales are not offered', async () => {
		const session = await till.startSession();
		await session.handleScan(WATER);
		const id = session.sale.id;
		session.parkSale();
		const list = JSON.parse(till.storage.getItem('till.held')!) as { storeId: string }[];
		till.storage.setItem(
			'till.held',
			JSON.stringify([...list, { ...list[0], saleId: 'other-store', storeId: 's-elsewhere' }])
		);
		const reloaded = await till.startSession();
		expect(reloaded.heldSales.map((h) => h.saleId)).toEqual([id]);
		reloaded.dropHeld(id);
		expect(reloaded.heldSales).toEqual([]);
		expect(reloaded.resumeSale(id)).toBe(false);
	});
});
