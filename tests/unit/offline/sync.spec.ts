import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTillDb, type TillDb } from '$lib/offline/db';
import { recordSale } from '$lib/offline/outbox';
import { TillApiClient, type FetchLike } from '$lib/offline/api-client';
import { backoffDelay } from '$lib/offline/backoff';
import { SaleSync, type SaleSyncOptions, type SendSales } from '$lib/offline/sale-sync';
import type { SyncStatus } from '$lib/offline/sync-report';
import type { Sale, SyncSalesReply, SyncSalesRequest } from '$lib/domain/sale';
import { FakeSalesServer, freshDb, makeSale, recordSales } from './helpers';

const ok = (value: SyncSalesReply) => ({ kind: 'ok' as const, value });

/** The till's own client in front of a fake fetch, as the sender. */
const httpSender = (token: string, fetch: FetchLike): SendSales => {
	const client = new TillApiClient({ getToken: () => token, fetch });
	return (batch) => client.postSales(batch);
};

let db: ReturnType<typeof freshDb>;
let server: FakeSalesServer;
const engines: SaleSync[] = [];

/** An engine with no browser surroundings: no Web Locks, no channel, no window. */
function engine(
	send: SendSales,
	options: Partial<SaleSyncOptions> = {},
	on: TillDb = db
): SaleSync {
	const sync = new SaleSync(on, {
		send,
		locks: null,
		createChannel: null,
		events: null,
		...options
	});
	engines.push(sync);
	return sync;
}

/** POST /api/sales in front of the fake server, answering `status` while it is not 200. */
function fakeHttp(statusOf: () => number): { fetch: FetchLike; calls: () => number } {
	let calls = 0;
	const fetch: FetchLike = (_url, init) => {
		calls++;
		const status = statusOf();
		if (status !== 200) return Promise.resolve(new Response('{"error":"down"}', { status }));
		const body = JSON.parse(String(init?.body)) as SyncSalesRequest;
		return Promise.resolve(Response.json(server.handle(body.sales)));
	};
	return { fetch, calls: () => calls };
}

async function deviceTotals(): Promise<{ count: number; sum: number }> {
	const rows = await db.sales.toArray();
	return { count: rows.length, sum: rows.reduce((s, r) => s + r.sale.total, 0) };
}

function expectEachReceivedOnce(ids: string[]): void {
	for (const id of ids) expect(server.received.get(id)).toBe(1);
}

beforeEach(() => {
	db = freshDb();
	server = new FakeSalesServer();
});
afterEach(async () => {
	await Promise.all(engines.splice(0).map((e) => e.stop()));
	await db.drop();
});

describe('SaleSync answers', () => {
	it('marks applied and duplicate sales synced and keeps rejected ones with their error', async () => {
		const fresh = makeSale(1_000);
		const seen = makeSale(2_000);
		const invalid = makeSale(-5);
		server.handle([seen]);
		const now = (): number => Date.UTC(2026, 10, 26, 4);
		for (const sale of [fresh, seen, invalid]) await recordSale(db, sale, now);

		const sync = engine(server.sender(), { now });
		const result = await sync.syncNow();

		expect(result).toMatchObject({ sent: 3, synced: 2, rejected: 1, failed: 0, error: null });
		expect(await db.outbox.count()).toBe(0);
		expect(await db.sales.count()).toBe(3);
		for (const sale of [fresh, seen]) {
			expect(await db.sales.get(sale.id)).toMatchObject({
				syncState: 'synced',
				syncedAt: '2026-11-26T04:00:00.000Z',
				syncError: null
			});
		}
		expect(await db.sales.get(invalid.id)).toMatchObject({
			syncState: 'rejected',
			syncedAt: null,
			syncError: { code: 'negative_total', field: 'total' },
			sale: invalid
		});
		expect(sync.status).toMatchObject({
			queued: 0,
			rejected: 1,
			lastSyncAt: '2026-11-26T04:00:00.000Z',
			lastError: null,
			syncing: false
		});
	});

	it('keeps a sale the reply says nothing about in the outbox', async () => {
		const [a, b] = await recordSales(db, 2);
		const send: SendSales = async (batch) => {
			const reply = server.handle(batch);
			return ok({ results: reply.results.filter((r) => r.id !== b?.id) });
		};
		const result = await engine(send).syncNow();
		expect(result).toMatchObject({ sent: 2, synced: 1, failed: 1 });
		expect((await db.sales.get(a?.id ?? ''))?.syncState).toBe('synced');
		expect(await db.outbox.toArray()).toEqual([
			expect.objectContaining({ saleId: b?.id, attempts: 1, lastError: expect.any(String) })
		]);
	});
});

describe('SaleSync failures', () => {
	it('after a 500 keeps every sale and sends them again: nothing lost, nothing doubled', async () => {
		const sales = await recordSales(db, 3);
		let clock = Date.now();
		let status = 500;
		const http = fakeHttp(() => status);
		const sync = engine(httpSender('tok', http.fetch), { now: () => clock });

		const failed = await sync.syncNow();
		expect(failed).toMatchObject({ sent: 3, synced: 0, failed: 3 });
		expect(failed.error).toMatchObject({ kind: 'unanswered', status: 500 });
		expect(await db.outbox.count()).toBe(3);
		expect(
			(await db.outbox.toArray()).every((e) => e.attempts === 1 && e.nextAttemptAt > clock)
		).toBe(true);
		expect(sync.status).toMatchObject({ queued: 3, lastError: expect.stringContaining('500') });
		expect(server.count).toBe(0);

		status = 200;
		clock += 120_000;
		const ok = await sync.syncNow();
		expect(ok).toMatchObject({ synced: 3, failed: 0 });
		expect(await db.outbox.count()).toBe(0);
		expect(server.count).toBe(3);
		expectEachReceivedOnce(sales.map((s) => s.id));
		expect(sync.status.lastError).toBeNull();
	});

	it('resends when the reply was lost after the server applied; the server keeps one copy', async () => {
		const sales = await recordSales(db, 4);
		let loseReply = true;
		const send: SendSales = async (batch) => {
			const reply = server.handle(batch);
			if (loseReply) {
				loseReply = false;
				throw new TypeError('network connection was lost');
			}
			return ok(reply);
		};
		const sync = engine(send);

		const first = await sync.syncNow();
		expect(first).toMatchObject({
			synced: 0,
			failed: 4,
			error: { kind: 'unanswered', status: null }
		});
		expect(server.count).toBe(4);
		expect(await db.outbox.count()).toBe(4);

		const second = await sync.syncNow({ force: true });
		expect(second).toMatchObject({ sent: 4, synced: 4 });
		expect(await db.outbox.count()).toBe(0);
		expect(server.count).toBe(4);
		for (const sale of sales) expect(server.received.get(sale.id)).toBe(2);
		expect(server.sum).toBe((await deviceTotals()).sum);
	});

	it('survives the tab dying between the server applying and the device noting it', async () => {
		const sales = await recordSales(db, 5);
		const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
		const send: SendSales = async (batch) => {
			const reply = server.handle(batch);
			db.close(); // the tab goes away: nothing after this reaches the disk
			return ok(reply);
		};
		await expect(engine(send).syncNow()).rejects.toThrow();
		expect(server.count).toBe(5);
		consoleError.mockRestore();

		// After the reload: a new connection and a new engine.
		const reloaded = openTillDb(db.name);
		try {
			expect(await reloaded.outbox.count()).toBe(5);
			const result = await engine(server.sender(), {}, reloaded).syncNow();
			expect(result).toMatchObject({ sent: 5, synced: 5 });
			expect(await reloaded.outbox.count()).toBe(0);
			expect(server.count).toBe(5);
			expect((await reloaded.sales.toArray()).every((r) => r.syncState === 'synced')).toBe(true);
			for (const sale of sales) expect(server.received.get(sale.id)).toBe(2);
		} finally {
			reloaded.close();
		}
	});

	it('stops on 401 until resumed, keeping the sales', async () => {
		await recordSales(db, 2);
		let status = 401;
		const http = fakeHttp(() => status);
		const sync = engine(httpSender('old', http.fetch));

		const refused = await sync.syncNow();
		expect(refused).toMatchObject({ skipped: 'auth', error: { kind: 'rejected', status: 401 } });
		expect(sync.status).toMatchObject({ authRequired: true, queued: 2 });
		expect(await sync.syncNow({ force: true })).toMatchObject({ skipped: 'auth', sent: 0 });
		expect(http.calls()).toBe(1);

		status = 200;
		sync.resume();
		await vi.waitFor(() => expect(sync.status).toMatchObject({ queued: 0, syncing: false }));
		expect(sync.status.authRequired).toBe(false);
		expect(server.count).toBe(2);
	});
});

describe('backoff', () => {
	it('grows with each failure and is capped', () => {
		const low = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 1_000].map((n) => backoffDelay(n, {}, () => 0));
		const high = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 1_000].map((n) => backoffDelay(n, {}, () => 1));
		expect(low.slice(0, 4)).toEqual([500, 1_000, 2_000, 4_000]);
		expect(high.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 8_000]);
		for (let i = 1; i < low.length; i++) {
			expect(low[i]).toBeGreaterThanOrEqual(low[i - 1] ?? 0);
			expect(high[i]).toBeGreaterThanOrEqual(high[i - 1] ?? 0);
		}
		expect(Math.max(...high)).toBe(60_000);
		expect(high.at(-1)).toBe(60_000);
		expect(low.at(-1)).toBe(30_000);
		for (let i = 0; i < 50; i++) {
			const d = backoffDelay(i, { baseMs: 100, capMs: 5_000 });
			expect(d).toBeGreaterThanOrEqual(0);
			expect(d).toBeLessThanOrEqual(5_000);
		}
	});

	it('holds a failing sale back until its backoff is over, unless forced', async () => {
		await recordSales(db, 1);
		let clock = 0;
		const send = vi.fn<SendSales>(() => Promise.reject(new Error('offline')));
		const sync = engine(send, { now: () => clock, random: () => 1 });
		const gaps: number[] = [];
		for (let i = 0; i < 10; i++) {
			await sync.syncNow({ force: true });
			const entry = await db.outbox.toCollection().first();
			gaps.push((entry?.nextAttemptAt ?? 0) - clock);
			clock += 1;
		}
		expect(send).toHaveBeenCalledTimes(10);
		expect(gaps.slice(0, 3)).toEqual([1_000, 2_000, 4_000]);
		expect(gaps.at(-1)).toBe(60_000);
		expect((await db.outbox.toCollection().first())?.attempts).toBe(10);

		// The timer and nudges respect the backoff...
		const held = await sync.syncNow();
		expect(held.sent).toBe(0);
		expect(send).toHaveBeenCalledTimes(10);
		// ...and send once it is over.
		clock += 60_000;
		await sync.syncNow();
		expect(send).toHaveBeenCalledTimes(11);
	});
	it('sends sales still in backoff once a newer sale got through', async () => {
		let clock = Date.now();
		const now = (): number => clock;
		let down = true;
		const send = vi.fn<SendSales>(async (batch) => {
			if (down) throw new Error('offline');
			return ok(server.handle(batch));
		});
		const sync = engine(send, { now });
		const older = makeSale(100);
		await recordSale(db, older, now);
		await sync.syncNow();
		expect((await db.outbox.toCollection().first())?.nextAttemptAt).toBeGreaterThan(clock);

		down = false;
		clock += 10;
		const newer = makeSale(200);
		await recordSale(db, newer, now);
		const result = await sync.syncNow();
		expect(result).toMatchObject({ sent: 2, synced: 2 });
		expect(server.requests).toEqual([[newer.id], [older.id]]);
		expect(await db.outbox.count()).toBe(0);
	});
});

describe('volume', () => {
	it('syncs 1,000 queued sales in batches of 200, in recording order', async () => {
		const sales: Sale[] = [];
		// Recorded in bulk transactions to keep the test fast; the rows are what recordSale writes.
		for (let i = 0; i < 1_000; i++) sales.push(makeSale(100 + (i % 97)));
		await db.transaction('rw', [db.sales, db.outbox, db.charges], async () => {
			for (const sale of sales) await recordSale(db, sale);
		});
		const sync = engine(server.sender());
		const result = await sync.syncNow();

		expect(result).toMatchObject({ sent: 1_000, synced: 1_000, failed: 0 });
		expect(server.requests.map((r) => r.length)).toEqual([200, 200, 200, 200, 200]);
		expect(server.requests.flat()).toEqual(sales.map((s) => s.id));
		const device = await deviceTotals();
		expect(server.count).toBe(device.count);
		expect(server.sum).toBe(device.sum);
		expect(await db.outbox.count()).toBe(0);
		expect(await db.sales.where('syncState').equals('synced').count()).toBe(1_000);
	});
});

describe('request size', () => {
	it('big sales go in smaller batches, each within the byte budget, all of them in order', async () => {
		// 250 sales of a dozen long lines each: 200 of them would be ≈0.6 MB, over the server's
		// default body limit (512 KiB), and a batch over it is refused whole, every time.
		const sales: Sale[] = [];
		for (let i = 0; i < 250; i++) {
			const base = makeSale(1_200);
			const line = {
				...base.lines[0]!,
				name: '进口特级初榨橄榄油礼盒装'.repeat(8),
				unitPrice: 100,
				quantity: 1,
				discount: 0,
				total: 100
			};
			sales.push({
				...base,
				lines: Array.from({ length: 12 }, (_, n) => ({ ...line, lineId: `L${n + 1}` })),
				subtotal: 1_200,
				discount: 0,
				total: 1_200
			});
		}
		await db.transaction('rw', [db.sales, db.outbox, db.charges], async () => {
			for (const sale of sales) await recordSale(db, sale);
		});
		const sizes: number[] = [];
		const send: SendSales = async (batch) => {
			sizes.push(new TextEncoder().encode(JSON.stringify({ sales: batch })).length);
			return ok(server.handle(batch));
		};
		const budget = 256 * 1024;
		const result = await engine(send).syncNow();
		expect(result).toMatchObject({ sent: 250, synced: 250, failed: 0 });
		expect(sizes.length).toBeGreaterThan(2);
		for (const size of sizes) expect(size).toBeLessThanOrEqual(budget + 64);
		expect(server.requests.flat()).toEqual(sales.map((s) => s.id));
		expect(await db.outbox.count()).toBe(0);
	});

	it('one sale bigger than the budget still goes, on its own', async () => {
		const sales = await recordSales(db, 3);
		const result = await engine(server.sender(), { batchBytes: 10 }).syncNow();
		expect(result).toMatchObject({ sent: 3, synced: 3 });
		expect(server.requests.map((r) => r.length)).toEqual([1, 1, 1]);
		expect(server.requests.flat()).toEqual(sales.map((s) => s.id));
	});
});

describe('one sync at a time', () => {
	it('two engines on the same database (two tabs without Web Locks) send each sale once', async () => {
		const sales = await recordSales(db, 250);
		const other = openTillDb(db.name);
		try {
			const a = engine(server.sender(), { batchSize: 50 });
			const b = engine(server.sender(), { batchSize: 50 }, other);
			const more: Promise<unknown>[] = [];
			const runs = [a.syncNow(), b.syncNow(), a.syncNow({ force: true }), b.syncNow()];
			// Sales keep coming while the sync runs.
			for (let i = 0; i < 20; i++) {
				const sale = makeSale(10);
				sales.push(sale);
				more.push(recordSale(i % 2 ? db : other, sale).then(() => (i % 2 ? a : b).nudge()));
			}
			await Promise.all([...runs, ...more]);
			await a.syncNow();
			await b.syncNow();

			expect(server.count).toBe(270);
			expectEachReceivedOnce(sales.map((s) => s.id));
			expect(await db.outbox.count()).toBe(0);
		} finally {
			other.close();
		}
	});

	it('coalesces calls made while a sync runs', async () => {
		await recordSales(db, 3);
		const send = vi.fn(server.sender());
		const sync = engine(send);
		const [r1, r2, r3] = await Promise.all([sync.syncNow(), sync.syncNow(), sync.syncNow()]);
		expect(r1).toBe(r2);
		expect(r2).toBe(r3);
		expect(r1?.synced).toBe(3);
		expect(send).toHaveBeenCalledTimes(1);
	});
});

describe('triggers and status', () => {
	it('syncs at start, on online, after a nudge and on the timer after a failure', async () => {
		let down = true;
		const send: SendSales = async (batch) => {
			if (down) throw new Error('offline');
			return ok(server.handle(batch));
		};
		const events = new EventTarget();
		const sync = engine(send, { events, backoff: { baseMs: 10, capMs: 20 } });
		const seen: SyncStatus[] = [];
		const unsubscribe = sync.subscribe((s) => seen.push(s));

		await recordSales(db, 2);
		sync.start();
		await vi.waitFor(() => expect(sync.status.lastError).toContain('offline'));
		expect(sync.status).toMatchObject({ role: 'leader', queued: 2 });
		expect(server.count).toBe(0);

		down = false;
		events.dispatchEvent(new Event('online'));
		await vi.waitFor(() => expect(server.count).toBe(2));

		await recordSales(db, 1);
		sync.nudge();
		await vi.waitFor(() => expect(server.count).toBe(3));

		down = true;
		await recordSales(db, 1);
		sync.nudge();
		await vi.waitFor(() => expect(sync.status.lastError).toContain('offline'));
		down = false;
		// Nobody nudges: the timer retries once the backoff is over.
		await vi.waitFor(() => expect(server.count).toBe(4), { timeout: 3_000 });
		await vi.waitFor(() => expect(sync.status).toMatchObject({ queued: 0, lastError: null }));

		unsubscribe();
		expect(seen[0]?.role).toBe('idle');
		expect(seen.some((s) => s.syncing)).toBe(true);
		expect(seen.at(-1)?.syncing).toBe(false);
		await sync.stop();
		expect(sync.status.role).toBe('idle');
	});
});
