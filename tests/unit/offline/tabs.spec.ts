import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTillDb, type TillDb } from '$lib/offline/db';
import { recordSale } from '$lib/offline/outbox';
import { SaleSync, type SendSales } from '$lib/offline/sale-sync';
import { FakeLocks, FakeSalesServer, freshDb, makeSale } from './helpers';

/**
 * Two tabs of the till: two connections to one database and two engines sharing Web Locks (a
 * fake with the exclusive semantics) and the real BroadcastChannel that Node provides.
 */
let db: ReturnType<typeof freshDb>;
let otherTab: TillDb;
let server: FakeSalesServer;
let locks: FakeLocks;
const engines: SaleSync[] = [];

function tab(on: TillDb, send: SendSales): SaleSync {
	const sync = new SaleSync(on, { send, locks, events: null });
	engines.push(sync);
	return sync;
}

beforeEach(() => {
	db = freshDb();
	otherTab = openTillDb(db.name);
	server = new FakeSalesServer();
	locks = new FakeLocks();
});
afterEach(async () => {
	for (const e of engines.splice(0)) await e.stop();
	otherTab.close();
	await db.drop();
});

describe('one leading tab (Web Locks)', () => {
	it('only the leader sends; a follower passes nudges on and takes over when the leader goes', async () => {
		const sendA = vi.fn(server.sender());
		const sendB = vi.fn(server.sender());
		const a = tab(db, sendA);
		const b = tab(otherTab, sendB);

		a.start();
		await vi.waitFor(() => expect(a.status.role).toBe('leader'));
		b.start();
		expect(b.status.role).toBe('follower');

		// Sales rung up in the follower tab are sent by the leader.
		const sales = [makeSale(100), makeSale(200), makeSale(300)];
		for (const sale of sales) {
			await recordSale(otherTab, sale);
			b.nudge();
		}
		await vi.waitFor(() => expect(server.count).toBe(3));
		expect(await b.syncNow()).toMatchObject({ skipped: 'follower', sent: 0 });
		// The follower's status follows the leader's work through the database.
		await vi.waitFor(() =>
			expect(b.status).toMatchObject({ queued: 0, lastSyncAt: expect.any(String) })
		);

		// An engine that was never started does not sync behind the leader's back.
		const c = tab(db, vi.fn(server.sender()));
		await recordSale(db, makeSale(50));
		expect(await c.syncNow()).toMatchObject({ skipped: 'follower', sent: 0 });

		expect(server.count).toBe(3);
		a.nudge();
		await vi.waitFor(() => expect(server.count).toBe(4));
		expect(sendB).not.toHaveBeenCalled();

		// The leader's tab closes: the follower gets the lock and sends from then on.
		await a.stop();
		await vi.waitFor(() => expect(b.status.role).toBe('leader'));
		const callsByA = sendA.mock.calls.length;
		const late = makeSale(400);
		await recordSale(otherTab, late);
		b.nudge();
		await vi.waitFor(() => expect(server.count).toBe(5));
		expect(sendB).toHaveBeenCalled();
		expect(sendA).toHaveBeenCalledTimes(callsByA);

		for (const id of server.received.keys()) expect(server.received.get(id)).toBe(1);
		expect(await db.outbox.count()).toBe(0);
	});

	it('two tabs started together, selling at once, put each sale on the server once', async () => {
		const a = tab(db, server.sender());
		const b = tab(otherTab, server.sender());
		a.start();
		b.start();
		const ids: string[] = [];
		await Promise.all(
			Array.from({ length: 40 }, async (_, i) => {
				const sale = makeSale(10 + i);
				ids.push(sale.id);
				await recordSale(i % 2 ? db : otherTab, sale);
				(i % 2 ? a : b).nudge();
			})
		);
		await vi.waitFor(() => expect(server.count).toBe(40));
		const roles = [a.status.role, b.status.role].sort();
		expect(roles).toEqual(['follower', 'leader']);
		for (const id of ids) expect(server.received.get(id)).toBe(1);
	});
});
