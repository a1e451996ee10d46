/**
 * The till session in Node (fake-indexeddb, a fake server): scans and what they add or say, the
 * cart and its lock, the cashier, and pairing a device in live mode.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { recordChargeStarted } from '$lib/offline/device-charges';
import { FakeLocks } from '../offline/helpers';
import { TillHarness, WECHAT_PAID } from './till-harness';

const till = new TillHarness();
beforeEach(() => till.setUp());
afterEach(() => till.tearDown());

describe('scans', () => {
	test('a product barcode adds the product; again adds to its line', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560015');
		await session.handleScan('6901234560015');
		await session.handleScan('6901234560022');
		expect(session.sale.cart.lines.map((l) => [l.name, l.quantity])).toEqual([
			['农夫山泉 550ml', 2],
			['可口可乐 330ml', 1]
		]);
		expect(session.sale.totals.total).toBe(750);
	});

	test('a product list that cannot be read: the scan is not lost without a word', async () => {
		const session = await till.startSession();
		const errors: unknown[] = [];
		const original = console.error;
		console.error = (...a: unknown[]) => errors.push(a);
		const get = till.db.catalog.where.bind(till.db.catalog);
		till.db.catalog.where = (() => {
			throw new Error('DatabaseClosedError');
		}) as unknown as typeof till.db.catalog.where;
		try {
			await session.handleScan('6901234560015'); // resolves: no unhandled rejection
		} finally {
			till.db.catalog.where = get;
			console.error = original;
		}
		expect(session.notices.current).toMatchObject({
			tone: 'error',
			key: 'scan.lookupFailed',
			vars: { code: '6901234560015' }
		});
		expect(session.sale.cart.lines).toEqual([]);
		expect(errors).toHaveLength(1);
		await session.handleScan('6901234560015');
		expect(session.sale.cart.lines).toHaveLength(1);
	});

	test('an unknown barcode says so and offers an open-price item', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234569995');
		expect(session.notices.current).toMatchObject({
			key: 'scan.unknownBarcode',
			vars: { code: '6901234569995' },
			openPriceBarcode: '6901234569995'
		});
		expect(session.sale.addOpenPrice('散装糖果', 1280, '6901234569995')).toBe(true);
		expect(session.sale.cart.lines[0]).toMatchObject({
			productId: null,
			name: '散装糖果',
			unitPrice: 1280,
			barcode: '6901234569995'
		});
	});

	test('search finds by pinyin initials, name and barcode', async () => {
		const session = await till.startSession();
		await session.catalog.search('nfsq');
		expect(session.catalog.searchResults.map((p) => p.id)).toEqual(['p-water']);
		await session.catalog.search('可乐');
		expect(session.catalog.searchResults.map((p) => p.id)).toEqual(['p-cola']);
		await session.catalog.search('6901234560022');
		expect(session.catalog.searchResults.map((p) => p.id)).toEqual(['p-cola']);
	});

	test('a payment code with an empty cart is refused and stored nowhere', async () => {
		const session = await till.startSession();
		await session.handleScan(WECHAT_PAID);
		expect(session.notices.current?.key).toBe('scan.paymentCodeEmptyCart');
		expect(till.server.posts).toEqual([]);
		expect(await till.db.charges.count()).toBe(0);
		expect(JSON.stringify([...till.storage.data.values()])).not.toContain(WECHAT_PAID);
	});

	test('a payment code while offline is refused and stored nowhere', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560015');
		till.online = false;
		session.connection.setOnline(false);
		await session.handleScan(WECHAT_PAID);
		expect(session.notices.current?.key).toBe('tender.paymentCodeOffline');
		expect(till.server.posts).toEqual([]);
		expect(await till.db.charges.count()).toBe(0);
		expect(JSON.stringify([...till.storage.data.values()])).not.toContain(WECHAT_PAID);
	});
});

describe('pairing (live mode)', () => {
	test('no token: the pairing screen; a wrong token is refused, the right one is kept', async () => {
		const session = till.liveSession();
		await session.start();
		expect(session.device.needsPairing).toBe(true);
		expect(await session.pair('  ')).toBe(false);
		expect(session.device.pairError).toBe('pair.empty');
		expect(await session.pair('till_wrong')).toBe(false);
		expect(session.device.pairError).toBe('pair.invalid');
		expect(till.storage.getItem('till.token')).toBeNull();
		expect(await session.pair(' till_good ')).toBe(true);
		expect(session.device.needsPairing).toBe(false);
		expect(till.storage.getItem('till.token')).toBe('till_good');
		expect(session.device.tillName).toBe('1号收银台');
		expect(session.device.tillCode).toBe('T1');
		await expect.poll(() => session.catalog.count).toBe(3);
	});
});

describe('paired again', () => {
	test('after the token was revoked, sales queued on the device are sent once paired again', async () => {
		vi.stubGlobal('navigator', { locks: new FakeLocks() }); // the browser's Web Locks
		try {
			const first = till.liveSession();
			await first.start();
			expect(await first.pair('till_good')).toBe(true);
			await first.pullCatalog();
			await first.handleScan('6901234560015');
			expect(await first.checkout.payCash(200)).toBe(true);
			await first.destroy();
			// The token is revoked; the page is opened again with the sale still queued.
			till.storage.setItem('till.token', 'till_revoked');
			const again = till.liveSession({ background: true });
			await again.start();
			expect(again.device.needsPairing).toBe(true);
			expect(till.server.sales).toHaveLength(0);
			expect(await again.pair('till_good')).toBe(true);
			await expect.poll(() => till.server.sales.length).toBe(1);
			await expect.poll(async () => till.db.outbox.count()).toBe(0);
		} finally {
			vi.unstubAllGlobals();
		}
	});

	test("another store's till: refused while the old store's sales are queued; then its catalog replaces the old", async () => {
		const first = till.liveSession();
		await first.start();
		expect(await first.pair('till_good')).toBe(true);
		await first.pullCatalog();
		expect(await till.db.catalog.count()).toBe(3);
		await first.handleScan('6901234560015');
		expect(await first.checkout.payCash(200)).toBe(true); // queued: background sync is off here
		await first.destroy();
		till.storage.removeItem('till.token');

		const other = till.liveSession();
		await other.start();
		expect(await other.pair('till_other')).toBe(false);
		expect(other.device.pairError).toBe('pair.otherStoreQueued');
		expect(till.storage.getItem('till.token')).toBeNull();
		expect(await till.db.catalog.count()).toBe(3);
		// Once the old store's sales are sent, the device may change stores: the old catalog goes.
		// A charge of the old store still open on the device holds the device too.
		await till.db.outbox.clear();
		await recordChargeStarted(till.db, { orderNo: 'T1-OPEN-1', saleDraftId: 'x', amount: 100 });
		expect(await other.pair('till_other')).toBe(false);
		expect(other.device.pairError).toBe('pair.otherStoreQueued');
		await till.db.charges.clear();
		await till.db.meta.put({ key: 'catalogResyncAt', value: 2 }); // as the old store's till.server left it
		const pulls = till.server.catalogSince.length;
		expect(await other.pair('till_other')).toBe(true);
		await other.pullCatalog();
		// The new store's catalog is asked for whole, not from the old store's version.
		expect(till.server.catalogSince.slice(pulls)).not.toContain('2');
		expect(till.server.catalogSince.slice(pulls)).toContain('0');
		// nor is the old server's resync mark kept
		expect(await till.db.meta.get('catalogResyncAt')).toBeUndefined();
	});
});

describe('before the device recorded its store (an older version of the till)', () => {
	test('the store of the identity the page kept stands in for it', async () => {
		const first = till.liveSession();
		await first.start();
		expect(await first.pair('till_good')).toBe(true);
		await first.pullCatalog();
		await first.handleScan('6901234560015');
		expect(await first.checkout.payCash(200)).toBe(true); // queued
		await first.destroy();
		await till.db.meta.delete('storeId'); // as an older till left it
		till.storage.removeItem('till.token');
		const other = till.liveSession();
		await other.start();
		expect(await other.pair('till_other')).toBe(false);
		expect(other.device.pairError).toBe('pair.otherStoreQueued');
	});
});

describe('the cashier', () => {
	test('a long name is cut without splitting a character, so the server can store it', async () => {
		const session = await till.startSession();
		expect(session.cashier.set('a'.repeat(63) + '😀')).toBe(true);
		expect(session.cashier.name).toBe('a'.repeat(63));
		expect(session.cashier.set('b'.repeat(62) + '😀')).toBe(true);
		expect(session.cashier.name).toBe('b'.repeat(62) + '😀');
	});
});

describe('the cart', () => {
	test('discounts, quantities and the lock once money is taken', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		const id = session.sale.cart.lines[0]!.lineId;
		expect(session.sale.setQuantity(id, 4)).toBe(true);
		expect(session.sale.setLineDiscount(id, { kind: 'percent', bp: 1000 })).toBe(true);
		expect(session.sale.totals.total).toBe(1260);
		expect(session.sale.setSaleDiscount({ kind: 'amount', fen: 60 })).toBe(true);
		expect(session.sale.totals.total).toBe(1200);
		expect(session.sale.setQuantity(id, 10000)).toBe(false);
		expect(session.notices.current?.key).toBe('cart.error.invalid_quantity');
		await session.checkout.payCash(500);
		expect(session.sale.changeQuantity(id, 1)).toBe(false);
		expect(session.notices.current?.key).toBe('till.cartLocked');
	});
});
