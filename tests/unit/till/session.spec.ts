/**
 * The till session (src/lib/till/session.svelte.ts) in Node: fake-indexeddb for the device
 * database and a fake till server behind `fetch`. What it checks is what the cashier relies on:
 * scans, refusals that store nothing, the sale recorded before "done", and a charge whose POST
 * got no answer being asked about with the same order_no.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { I18n } from '$lib/i18n';
import { openTillDb, recordChargeStarted, type TillDb } from '$lib/offline/db';
import { FakeLocks } from '../offline/helpers';
import { chargeView } from '../../helpers/factories';
import {
	TillSession,
	type KeyValueStorage,
	type TillSessionOptions
} from '$lib/till/session.svelte';
import type { ChargeView, FetchLike } from '$lib/till/till-api';

const WATER = {
	id: 'p-water',
	name: '农夫山泉 550ml',
	price: 200,
	barcodes: ['6901234560015'],
	category: '饮料',
	pinyin: 'nfsq',
	favourite: true,
	version: 1
};
const COLA = {
	id: 'p-cola',
	name: '可口可乐 330ml',
	price: 350,
	barcodes: ['6901234560022'],
	category: '饮料',
	pinyin: 'kkkl',
	favourite: true,
	version: 2
};
/** Imported from a CSV whose name cell held a line break and a tab. */
const SNACK = {
	id: 'p-snack',
	name: '薯片\n原味\t70g',
	price: 600,
	barcodes: ['6901234560039'],
	category: '零食',
	pinyin: 'sp',
	favourite: false,
	version: 2
};
const WECHAT_PAID = '134567890123456700';

class MemoryStorage implements KeyValueStorage {
	readonly data = new Map<string, string>();
	getItem(key: string): string | null {
		return this.data.get(key) ?? null;
	}
	setItem(key: string, value: string): void {
		this.data.set(key, value);
	}
	removeItem(key: string): void {
		this.data.delete(key);
	}
}

type ChargeReply = { status: number; body?: unknown } | 'network';

/** The till API as far as the session uses it. */
class FakeServer {
	readonly charges = new Map<string, ChargeView>();
	readonly posts: Record<string, unknown>[] = [];
	readonly gets: string[] = [];
	readonly catalogSince: (string | null)[] = [];
	/** Replies to POST /api/charges, in order; then: paid. */
	postReplies: ChargeReply[] = [];
	/** Replies to GET /api/charges/{no}, in order; then: the stored charge. */
	getReplies: ChargeReply[] = [];
	sales: unknown[] = [];

	fetch = async (input: string, init?: RequestInit): Promise<Response> => {
		const url = new URL(input, 'http://till.test');
		const method = init?.method ?? 'GET';
		const json = (status: number, body: unknown) =>
			new Response(JSON.stringify(body), {
				status,
				headers: { 'content-type': 'application/json' }
			});
		const auth = new Headers(init?.headers).get('authorization');
		if (!['Bearer demo_token', 'Bearer till_good', 'Bearer till_other'].includes(auth ?? '')) {
			return json(401, { error: { code: 'unauthorized', message: 'no' } });
		}
		if (url.pathname === '/api/me') {
			return json(200, {
				till: { id: '8f2b9c1e-till', name: '1号收银台 Till 1' },
				store:
					auth === 'Bearer till_other'
						? { id: 's2', name: '另一家店' }
						: { id: 's1', name: '演示商店' },
				mode: 'sandbox'
			});
		}
		if (url.pathname === '/api/catalog') {
			this.catalogSince.push(url.searchParams.get('since'));
			return json(200, { version: 2, products: [WATER, COLA, SNACK], deleted: [] });
		}
		if (url.pathname === '/api/sales' && method === 'POST') {
			const body = JSON.parse(String(init?.body)) as { sales: { id: string }[] };
			this.sales.push(...body.sales);
			return json(200, { results: body.sales.map((s) => ({ id: s.id, status: 'applied' })) });
		}
		if (url.pathname === '/api/charges' && method === 'POST') {
			const body = JSON.parse(String(init?.body)) as Record<string, string>;
			this.posts.push(body);
			const reply = this.postReplies.shift();
			if (reply === 'network') throw new TypeError('fetch failed');
			const orderNo = body.order_no!;
			const stored = this.charges.get(orderNo) ?? this.#charge(orderNo, body.amount!, 'paid');
			this.charges.set(orderNo, stored);
			if (reply) return json(reply.status, reply.body ?? stored);
			return json(200, stored);
		}
		const m = /^\/api\/charges\/([^/]+)$/.exec(url.pathname);
		if (m && method === 'GET') {
			this.gets.push(`${m[1]}?${url.searchParams.toString()}`);
			const reply = this.getReplies.shift();
			if (reply === 'network') throw new TypeError('fetch failed');
			if (reply) return json(reply.status, reply.body);
			const stored = this.charges.get(m[1]!);
			return stored ? json(200, stored) : json(404, { error: { code: 'not_found', message: '' } });
		}
		return json(404, { error: { code: 'not_found', message: url.pathname } });
	};

	#charge(orderNo: string, amount: string, state: ChargeView['state']): ChargeView {
		return chargeView({
			order_no: orderNo,
			state,
			amount,
			failure: null,
			failure_code: null,
			created_at: new Date().toISOString(),
			deadline_at: new Date(Date.now() + 60_000).toISOString()
		});
	}

	setState(orderNo: string, state: ChargeView['state']): void {
		const c = this.charges.get(orderNo)!;
		this.charges.set(orderNo, {
			...c,
			state,
			charge_id: state === 'paid' ? 'ch_late' : c.charge_id
		});
	}
}

let db: TillDb;
let server: FakeServer;
let storage: MemoryStorage;
let online: boolean;
const sessions: TillSession[] = [];

/** A session on this test's database, storage and fake server (stopped after the test). */
function newSession(over: Partial<TillSessionOptions> = {}): TillSession {
	const session = new TillSession({
		mode: 'sandbox',
		demoToken: 'demo_token',
		i18n: new I18n({ storage: null }),
		fetch: server.fetch,
		db,
		storage,
		background: false,
		isOnline: () => online,
		payment: { sleep: async () => undefined, pollWaitSeconds: 0 },
		...over
	});
	sessions.push(session);
	return session;
}

/** Live mode: no demo token, so the till must be paired. */
const liveSession = (over: Partial<TillSessionOptions> = {}): TillSession =>
	newSession({ mode: 'live', demoToken: null, ...over });

/**
 * The server stores each charge POST, but its answer never reaches the page (until aborted).
 * Returns the fake server's own fetch, to put back.
 */
function leaveChargePostsUnanswered(): FetchLike {
	const realFetch = server.fetch;
	server.fetch = async (input, init) => {
		if (!String(input).endsWith('/api/charges')) return realFetch(input, init);
		await realFetch(input, init);
		return new Promise<Response>((_, reject) =>
			init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))
		);
	};
	return realFetch;
}

async function startSession(): Promise<TillSession> {
	const session = newSession();
	await session.start();
	await session.pullCatalog();
	return session;
}

beforeEach(() => {
	db = openTillDb(`till-session-${crypto.randomUUID()}`);
	server = new FakeServer();
	storage = new MemoryStorage();
	storage.setItem('till.cashier', '小王');
	online = true;
});

afterEach(async () => {
	for (const s of sessions.splice(0)) await s.destroy();
	db.close();
	await db.delete({ disableAutoOpen: true });
});

describe('scans', () => {
	test('a product barcode adds the product; again adds to its line', async () => {
		const session = await startSession();
		await session.handleScan('6901234560015');
		await session.handleScan('6901234560015');
		await session.handleScan('6901234560022');
		expect(session.cart.lines.map((l) => [l.name, l.quantity])).toEqual([
			['农夫山泉 550ml', 2],
			['可口可乐 330ml', 1]
		]);
		expect(session.totals.total).toBe(750);
	});

	test('a product list that cannot be read: the scan is not lost without a word', async () => {
		const session = await startSession();
		const errors: unknown[] = [];
		const original = console.error;
		console.error = (...a: unknown[]) => errors.push(a);
		const get = db.catalog.where.bind(db.catalog);
		db.catalog.where = (() => {
			throw new Error('DatabaseClosedError');
		}) as unknown as typeof db.catalog.where;
		try {
			await session.handleScan('6901234560015'); // resolves: no unhandled rejection
		} finally {
			db.catalog.where = get;
			console.error = original;
		}
		expect(session.notice).toMatchObject({
			tone: 'error',
			key: 'scan.lookupFailed',
			vars: { code: '6901234560015' }
		});
		expect(session.cart.lines).toEqual([]);
		expect(errors).toHaveLength(1);
		await session.handleScan('6901234560015');
		expect(session.cart.lines).toHaveLength(1);
	});

	test('an unknown barcode says so and offers an open-price item', async () => {
		const session = await startSession();
		await session.handleScan('6901234569995');
		expect(session.notice).toMatchObject({
			key: 'scan.unknownBarcode',
			vars: { code: '6901234569995' },
			openPriceBarcode: '6901234569995'
		});
		expect(session.addOpenPrice('散装糖果', 1280, '6901234569995')).toBe(true);
		expect(session.cart.lines[0]).toMatchObject({
			productId: null,
			name: '散装糖果',
			unitPrice: 1280,
			barcode: '6901234569995'
		});
	});

	test('search finds by pinyin initials, name and barcode', async () => {
		const session = await startSession();
		await session.search('nfsq');
		expect(session.searchResults.map((p) => p.id)).toEqual(['p-water']);
		await session.search('可乐');
		expect(session.searchResults.map((p) => p.id)).toEqual(['p-cola']);
		await session.search('6901234560022');
		expect(session.searchResults.map((p) => p.id)).toEqual(['p-cola']);
	});

	test('a payment code with an empty cart is refused and stored nowhere', async () => {
		const session = await startSession();
		await session.handleScan(WECHAT_PAID);
		expect(session.notice?.key).toBe('scan.paymentCodeEmptyCart');
		expect(server.posts).toEqual([]);
		expect(await db.charges.count()).toBe(0);
		expect(JSON.stringify([...storage.data.values()])).not.toContain(WECHAT_PAID);
	});

	test('a payment code while offline is refused and stored nowhere', async () => {
		const session = await startSession();
		await session.handleScan('6901234560015');
		online = false;
		session.setOnline(false);
		await session.handleScan(WECHAT_PAID);
		expect(session.notice?.key).toBe('tender.paymentCodeOffline');
		expect(server.posts).toEqual([]);
		expect(await db.charges.count()).toBe(0);
		expect(JSON.stringify([...storage.data.values()])).not.toContain(WECHAT_PAID);
	});
});

describe('paying', () => {
	test('cash with change: the sale is recorded with its outbox row before "done"', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		await session.handleScan('6901234560015');
		expect(await session.payCash(1000)).toBe(true);
		const sale = session.lastSale!;
		expect(sale).toMatchObject({
			cashier: '小王',
			subtotal: 550,
			total: 550,
			tenders: [{ kind: 'cash', amount: 550, tendered: 1000, change: 450 }]
		});
		expect(sale.number).toMatch(/^T1-\d{8}-0001$/);
		expect(await db.sales.get(sale.id)).toMatchObject({ syncState: 'queued' });
		expect(await db.outbox.count()).toBe(1);
		// a fresh sale starts
		expect(session.cart.lines).toEqual([]);
		expect(session.saleId).not.toBe(sale.id);
	});

	test('cash more than ¥10,000 over what is due (a barcode in the cash field) is refused, nothing recorded', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		expect(await session.payCash(690_123_456_789_200)).toBe(false);
		expect(session.notice).toMatchObject({ tone: 'error', key: 'tender.tooMuch' });
		expect(session.tenders).toEqual([]);
		expect(await db.sales.count()).toBe(0);
		// ¥10,000 of change is still a sale
		expect(await session.payCash(350 + 1_000_000)).toBe(true);
		expect(session.lastSale!.tenders).toEqual([
			{ kind: 'cash', amount: 350, tendered: 1_000_350, change: 1_000_000 }
		]);
		// nor more cash than a sale may hold (MAX_FEN), though the change is under ¥10,000
		expect(session.addOpenPrice('整车货', 9_999_999_900)).toBe(true);
		expect(await session.payCash(10_000_500_000)).toBe(false);
		expect(session.tenders).toEqual([]);
	});

	test('a payment code charges the total; the sale carries the charge id and wallet', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		await session.handleScan(WECHAT_PAID);
		expect(server.posts).toHaveLength(1);
		expect(server.posts[0]).toMatchObject({ amount: '3.50', auth_code: WECHAT_PAID });
		const orderNo = server.posts[0]!.order_no as string;
		expect(orderNo).toMatch(/^T18F2B\d{14}0001[0-9A-Z]{4}$/);
		const sale = session.lastSale!;
		expect(sale.tenders).toEqual([
			{
				kind: 'payment_code',
				amount: 350,
				orderNo,
				chargeId: `ch_${orderNo.slice(-6)}`,
				wallet: 'wechat'
			}
		]);
		expect((await db.charges.get(orderNo))?.state).toBe('recorded');
	});

	test('the charge subject carries no control characters, whatever the product names hold', async () => {
		const session = await startSession();
		await session.handleScan('6901234560039');
		await session.handleScan(WECHAT_PAID);
		expect(server.posts[0]!.subject).toMatch(/薯片 原味 70g$/);
		expect(session.lastSale?.tenders[0]).toMatchObject({ kind: 'payment_code', amount: 600 });
	});

	test('split: part cash, the rest by payment code', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		await session.handleScan('6901234560015');
		expect(await session.payCash(200)).toBe(true);
		expect(session.due).toBe(350);
		expect(session.lastSale).toBeNull();
		await session.handleScan(WECHAT_PAID);
		expect(server.posts[0]).toMatchObject({ amount: '3.50' });
		expect(session.lastSale?.tenders.map((t) => [t.kind, t.amount])).toEqual([
			['cash', 200],
			['payment_code', 350]
		]);
	});

	test('split: a smaller payment-code amount first, then cash for the rest', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		session.paymentCodeAmount = 100;
		await session.handleScan(WECHAT_PAID);
		expect(server.posts[0]).toMatchObject({ amount: '1.00' });
		expect(session.due).toBe(250);
		session.dismissPayment();
		await session.payCash(500);
		expect(session.lastSale?.tenders).toMatchObject([
			{ kind: 'payment_code', amount: 100 },
			{ kind: 'cash', amount: 250, tendered: 500, change: 250 }
		]);
	});

	test('no answer to the POST: unknown, the same order_no again, and another code is refused meanwhile', async () => {
		server.postReplies = ['network', { status: 502, body: {} }];
		// Hold the third POST until the cashier has tried a second payment code.
		let release!: () => void;
		const gate = new Promise<void>((r) => (release = r));
		const realFetch = server.fetch;
		let posts = 0;
		server.fetch = async (input, init) => {
			if (String(input).endsWith('/api/charges') && ++posts === 3) await gate;
			return realFetch(input, init);
		};
		const session = await startSession();
		await session.handleScan('6901234560022');
		const paying = session.handleScan(WECHAT_PAID);
		await expect.poll(() => posts).toBe(3);
		expect(session.payment).toMatchObject({ phase: 'unknown', postUnanswered: true });
		await session.handleScan('134567890123456799');
		expect(session.notice?.key).toBe('payment.unknown');
		release();
		await paying;
		expect(session.lastSale?.tenders[0]).toMatchObject({ kind: 'payment_code', amount: 350 });
		expect(server.posts).toHaveLength(3);
		expect(new Set(server.posts.map((p) => p.order_no)).size).toBe(1);
		expect(server.posts.every((p) => p.auth_code === WECHAT_PAID)).toBe(true);
		expect(await db.charges.count()).toBe(1);
	});

	test('refused: the cart stays, and the cashier can take cash instead', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		server.postReplies = [
			{
				status: 200,
				body: {
					order_no: 'x',
					state: 'failed',
					amount: '3.50',
					charge_id: null,
					channel: null,
					wallet: 'wechat',
					paid_at: null,
					failure: '余额不足 (insufficient balance)',
					late: false,
					flags: [],
					created_at: new Date().toISOString(),
					deadline_at: new Date().toISOString()
				}
			}
		];
		await session.handleScan('134567890123456704');
		expect(session.payment).toMatchObject({
			phase: 'failed',
			failure: { kind: 'refused', reason: '余额不足 (insufficient balance)' }
		});
		expect(session.cart.lines).toHaveLength(1);
		expect(session.tenders).toEqual([]);
		session.dismissPayment();
		await session.payCash(350);
		expect(session.lastSale?.tenders).toMatchObject([{ kind: 'cash', amount: 350 }]);
	});

	test('a reload mid-payment restores the cart and resumes the charge until paid', async () => {
		// The POST reaches the server, which stores the charge, but the page goes away before
		// the answer comes back.
		const realFetch = leaveChargePostsUnanswered();
		const first = await startSession();
		await first.handleScan('6901234560022');
		void first.handleScan(WECHAT_PAID);
		await expect.poll(() => server.posts.length).toBe(1);
		const orderNo = server.posts[0]!.order_no as string;
		await first.destroy();
		expect((await db.charges.get(orderNo))?.state).toBe('pending');
		server.fetch = realFetch;

		// The server did store it and Teegon paid it meanwhile.
		server.setState(orderNo, 'paid');
		const second = await startSession();
		expect(second.cart.lines.map((l) => l.name)).toEqual(['可口可乐 330ml']);
		await expect
			.poll(() => second.lastSale?.tenders[0])
			.toMatchObject({
				kind: 'payment_code',
				orderNo,
				chargeId: 'ch_late'
			});
		expect((await db.charges.get(orderNo))?.state).toBe('recorded');
		expect(server.gets[0]).toBe(`${orderNo}?`);
	});
});

describe("the server's limit of tenders", () => {
	test('the 20th payment must pay the rest: a smaller one is refused, the rest is taken', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022'); // ¥3.50
		for (let i = 0; i < 19; i++) expect(await session.payCash(1)).toBe(true);
		expect(await session.payCash(1)).toBe(false);
		expect(session.notice?.key).toBe('till.tooManyTenders');
		expect(session.tenders).toHaveLength(19);
		expect(await session.payCash(1000)).toBe(true);
		expect(session.lastSale?.tenders).toHaveLength(20);
	});
});

describe('charges left open on the device', () => {
	const view = (orderNo: string, state: ChargeView['state']): ChargeView =>
		chargeView({
			order_no: orderNo,
			state,
			amount: '3.50',
			charge_id: null,
			created_at: new Date().toISOString(),
			deadline_at: new Date(Date.now() + 60_000).toISOString()
		});

	test('a record left pending (its last write failed) is asked about, not a block for good', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		// The server knows the charge failed; the device's write of that was lost.
		await recordChargeStarted(db, {
			orderNo: 'T1-OLD-1',
			saleDraftId: session.saleId,
			amount: 350
		});
		server.charges.set('T1-OLD-1', view('T1-OLD-1', 'failed'));
		await session.handleScan(WECHAT_PAID);
		expect(server.posts).toHaveLength(0); // not beside a charge that might be paid
		expect((await db.charges.get('T1-OLD-1'))?.state).toBe('failed'); // found out
		await session.handleScan(WECHAT_PAID);
		expect(server.posts).toHaveLength(1);
		expect(session.lastSale?.tenders).toMatchObject([{ kind: 'payment_code', amount: 350 }]);
	});

	test('a code scanned the moment the till is ready waits for the charge being resumed', async () => {
		// A charge of a sale no longer on the till, still unknown at the server.
		await recordChargeStarted(db, { orderNo: 'T1-LOST-1', saleDraftId: 'gone', amount: 350 });
		server.charges.set('T1-LOST-1', view('T1-LOST-1', 'unknown'));
		// A long poll is held by the server: here for a few ms, not answered in a tight loop.
		const held: FetchLike = async (input, init) => {
			if (/\/api\/charges\/[^/]+/.test(String(input))) await new Promise((r) => setTimeout(r, 5));
			return server.fetch(input, init);
		};
		const session = newSession({ fetch: held });
		await session.start();
		expect(session.payment?.orderNo).toBe('T1-LOST-1'); // on screen as soon as ready
		await session.pullCatalog();
		await session.handleScan('6901234560022');
		await session.handleScan(WECHAT_PAID);
		expect(server.posts).toHaveLength(0);
		expect(session.notice?.key).toBe('payment.unknown');
	});
});

describe('two tabs on one device', () => {
	test("both restored from one draft: each tab's sale is recorded, neither is lost", async () => {
		const a = await startSession();
		await a.handleScan('6901234560015'); // water ¥2.00, saved as the draft
		const b = await startSession(); // opened later: the same draft, the same sale id
		expect(b.saleId).toBe(a.saleId);
		await b.handleScan('6901234560022'); // + cola ¥3.50
		expect(await b.payCash(550)).toBe(true);
		expect(await a.payCash(200)).toBe(true);
		const stored = (await db.sales.toArray()).map((r) => r.sale.total).sort((x, y) => x - y);
		expect(stored).toEqual([200, 550]);
		expect(a.lastSale?.total).toBe(200);
		expect(await db.outbox.count()).toBe(2);
	});

	test('a sale recorded just before the tab died is not recorded again from its draft', async () => {
		// The draft as saved with its payment, just before the sale was recorded.
		let paidDraft: string | null = null;
		const setItem = storage.setItem.bind(storage);
		storage.setItem = (key, value) => {
			if (key === 'till.draft' && value.includes('"tenders":[{')) paidDraft = value;
			setItem(key, value);
		};
		const first = await startSession();
		await first.handleScan('6901234560015');
		expect(await first.payCash(200)).toBe(true);
		// The tab died after the sale was stored, before the draft was cleared.
		storage.setItem('till.draft', paidDraft!);
		const again = await startSession();
		expect(again.tenders).toHaveLength(1);
		expect(await again.complete()).toBe(true);
		expect(await db.sales.count()).toBe(1);
		expect(again.lastSale?.number).toBe(first.lastSale?.number);
	});

	test('but money taken again for a restored draft is a sale of its own', async () => {
		const first = await startSession();
		await first.handleScan('6901234560015');
		const unpaidDraft = storage.getItem('till.draft');
		expect(await first.payCash(200)).toBe(true);
		// A draft from before the payment comes back (its save after the payment was lost), and the
		// cashier takes ¥2 for it again: that is ¥2 more in the drawer, recorded.
		storage.setItem('till.draft', unpaidDraft!);
		const again = await startSession();
		expect(await again.payCash(200)).toBe(true);
		expect(await db.sales.count()).toBe(2);
	});
});

describe('one sale, one charge at a time', () => {
	test('the same payment code read twice at once: one order, one charge, the sale paid', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		// The page does not wait for one scan before handling the next.
		await Promise.all([session.handleScan(WECHAT_PAID), session.handleScan(WECHAT_PAID)]);
		expect(new Set(server.posts.map((p) => p.order_no)).size).toBe(1);
		expect(session.lastSale?.tenders).toMatchObject([{ kind: 'payment_code', amount: 350 }]);
	});

	test('cash while a payment code is being started is refused; the code pays the sale', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		const paying = session.handleScan(WECHAT_PAID);
		expect(session.paymentActive).toBe(true);
		expect(session.cartLocked).toBe(true);
		expect(await session.payCash(350)).toBe(false);
		await paying;
		expect(session.lastSale?.tenders).toMatchObject([{ kind: 'payment_code', amount: 350 }]);
		expect(server.posts).toHaveLength(1);
	});

	test('a payment code scanned while the till is still starting is refused and stored nowhere', async () => {
		let answerMe!: () => void;
		const me = new Promise<void>((r) => (answerMe = r));
		const realFetch = server.fetch;
		server.fetch = async (input, init) => {
			if (String(input).endsWith('/api/me')) await me;
			return realFetch(input, init);
		};
		const session = newSession();
		const starting = session.start();
		await new Promise((r) => setTimeout(r, 5));
		expect(session.ready).toBe(false);
		await session.handleScan(WECHAT_PAID);
		expect(session.notice?.key).toBe('scan.paymentCodeNotReady');
		answerMe();
		await starting;
		expect(server.posts).toEqual([]);
		expect(await db.charges.count()).toBe(0);
	});

	test('after a reload mid-payment, a new code for the restored sale is refused while the first is open', async () => {
		// The first page's POST is stored by the server as unknown; the page goes away unanswered.
		const realFetch = leaveChargePostsUnanswered();
		const first = await startSession();
		await first.handleScan('6901234560022');
		void first.handleScan(WECHAT_PAID);
		await expect.poll(() => server.posts.length).toBe(1);
		const orderNo = server.posts[0]!.order_no as string;
		server.setState(orderNo, 'unknown');
		await first.destroy();
		server.fetch = realFetch;

		const second = newSession();
		await second.start();
		// At once, before or while the first charge is resumed: the customer shows a new code.
		await second.handleScan('134567890123456710');
		expect(['scan.paymentStillOpen', 'payment.unknown']).toContain(second.notice?.key);
		expect(server.posts.map((p) => p.order_no)).toEqual([orderNo]);
		// Once the first is known to be paid, it pays the restored sale.
		server.setState(orderNo, 'paid');
		await expect
			.poll(() => second.lastSale?.tenders)
			.toMatchObject([{ kind: 'payment_code', orderNo }]);
		expect(server.posts).toHaveLength(1);
	});
});

describe('pairing (live mode)', () => {
	test('no token: the pairing screen; a wrong token is refused, the right one is kept', async () => {
		const session = liveSession();
		await session.start();
		expect(session.needsPairing).toBe(true);
		expect(await session.pair('  ')).toBe(false);
		expect(session.pairError).toBe('pair.empty');
		expect(await session.pair('till_wrong')).toBe(false);
		expect(session.pairError).toBe('pair.invalid');
		expect(storage.getItem('till.token')).toBeNull();
		expect(await session.pair(' till_good ')).toBe(true);
		expect(session.needsPairing).toBe(false);
		expect(storage.getItem('till.token')).toBe('till_good');
		expect(session.tillName).toBe('1号收银台 Till 1');
		expect(session.tillCode).toBe('T1');
		await expect.poll(() => session.catalogCount).toBe(3);
	});
});

describe('paired again', () => {
	test('after the token was revoked, sales queued on the device are sent once paired again', async () => {
		vi.stubGlobal('navigator', { locks: new FakeLocks() }); // the browser's Web Locks
		try {
			const first = liveSession();
			await first.start();
			expect(await first.pair('till_good')).toBe(true);
			await first.pullCatalog();
			await first.handleScan('6901234560015');
			expect(await first.payCash(200)).toBe(true);
			await first.destroy();
			// The token is revoked; the page is opened again with the sale still queued.
			storage.setItem('till.token', 'till_revoked');
			const again = liveSession({ background: true });
			await again.start();
			expect(again.needsPairing).toBe(true);
			expect(server.sales).toHaveLength(0);
			expect(await again.pair('till_good')).toBe(true);
			await expect.poll(() => server.sales.length).toBe(1);
			await expect.poll(async () => db.outbox.count()).toBe(0);
		} finally {
			vi.unstubAllGlobals();
		}
	});

	test("another store's till: refused while the old store's sales are queued; then its catalog replaces the old", async () => {
		const first = liveSession();
		await first.start();
		expect(await first.pair('till_good')).toBe(true);
		await first.pullCatalog();
		expect(await db.catalog.count()).toBe(3);
		await first.handleScan('6901234560015');
		expect(await first.payCash(200)).toBe(true); // queued: background sync is off here
		await first.destroy();
		storage.removeItem('till.token');

		const other = liveSession();
		await other.start();
		expect(await other.pair('till_other')).toBe(false);
		expect(other.pairError).toBe('pair.otherStoreQueued');
		expect(storage.getItem('till.token')).toBeNull();
		expect(await db.catalog.count()).toBe(3);
		// Once the old store's sales are sent, the device may change stores: the old catalog goes.
		// A charge of the old store still open on the device holds the device too.
		await db.outbox.clear();
		await recordChargeStarted(db, { orderNo: 'T1-OPEN-1', saleDraftId: 'x', amount: 100 });
		expect(await other.pair('till_other')).toBe(false);
		expect(other.pairError).toBe('pair.otherStoreQueued');
		await db.charges.clear();
		await db.meta.put({ key: 'catalogResyncAt', value: 2 }); // as the old store's server left it
		const pulls = server.catalogSince.length;
		expect(await other.pair('till_other')).toBe(true);
		await other.pullCatalog();
		// The new store's catalog is asked for whole, not from the old store's version.
		expect(server.catalogSince.slice(pulls)).not.toContain('2');
		expect(server.catalogSince.slice(pulls)).toContain('0');
		// nor is the old server's resync mark kept
		expect(await db.meta.get('catalogResyncAt')).toBeUndefined();
	});
});

describe('before the device recorded its store (an older version of the till)', () => {
	test('the store of the identity the page kept stands in for it', async () => {
		const first = liveSession();
		await first.start();
		expect(await first.pair('till_good')).toBe(true);
		await first.pullCatalog();
		await first.handleScan('6901234560015');
		expect(await first.payCash(200)).toBe(true); // queued
		await first.destroy();
		await db.meta.delete('storeId'); // as an older till left it
		storage.removeItem('till.token');
		const other = liveSession();
		await other.start();
		expect(await other.pair('till_other')).toBe(false);
		expect(other.pairError).toBe('pair.otherStoreQueued');
	});
});

describe('the cashier', () => {
	test('a long name is cut without splitting a character, so the server can store it', async () => {
		const session = await startSession();
		expect(session.setCashier('a'.repeat(63) + '😀')).toBe(true);
		expect(session.cashier).toBe('a'.repeat(63));
		expect(session.setCashier('b'.repeat(62) + '😀')).toBe(true);
		expect(session.cashier).toBe('b'.repeat(62) + '😀');
	});
});

describe('the cart', () => {
	test('discounts, quantities and the lock once money is taken', async () => {
		const session = await startSession();
		await session.handleScan('6901234560022');
		const id = session.cart.lines[0]!.lineId;
		expect(session.setQuantity(id, 4)).toBe(true);
		expect(session.setLineDiscount(id, { kind: 'percent', bp: 1000 })).toBe(true);
		expect(session.totals.total).toBe(1260);
		expect(session.setSaleDiscount({ kind: 'amount', fen: 60 })).toBe(true);
		expect(session.totals.total).toBe(1200);
		expect(session.setQuantity(id, 10000)).toBe(false);
		expect(session.notice?.key).toBe('cart.error.invalid_quantity');
		await session.payCash(500);
		expect(session.changeQuantity(id, 1)).toBe(false);
		expect(session.notice?.key).toBe('till.cartLocked');
	});
});
