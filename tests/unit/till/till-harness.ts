/**
 * A till session in Node for the till suites: fake-indexeddb for the device database, a
 * localStorage in memory, and a fake till server behind `fetch` that knows the catalog, sales,
 * the identity and charges. One harness per suite; setUp/tearDown around each test.
 */
import 'fake-indexeddb/auto';
import type { ChargeView } from '$lib/domain/charge';
import { I18n } from '$lib/i18n';
import type { FetchLike } from '$lib/offline/api-client';
import { openTillDb, type TillDb } from '$lib/offline/db';
import { TillSession, type TillSessionOptions } from '$lib/till/session.svelte';
import type { KeyValueStorage } from '$lib/till/storage';
import { catalogProduct, chargeView, tillIdentity } from '../../helpers/factories';

export const WATER = catalogProduct();
export const COLA = catalogProduct({
	id: 'p-cola',
	name: '可口可乐 330ml',
	price: 350,
	barcodes: ['6901234560022'],
	pinyin: 'kkkl',
	version: 2
});
/** Imported from a CSV whose name cell held a line break and a tab. */
export const SNACK = catalogProduct({
	id: 'p-snack',
	name: '薯片\n原味\t70g',
	price: 600,
	barcodes: ['6901234560039'],
	category: '零食',
	pinyin: 'sp',
	favourite: false,
	version: 2
});
export const WECHAT_PAID = '134567890123456700';

export class MemoryStorage implements KeyValueStorage {
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
export class FakeServer {
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
			return json(
				200,
				auth === 'Bearer till_other'
					? tillIdentity({ store: { id: 's2', name: '另一家店' } })
					: tillIdentity()
			);
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

export class TillHarness {
	db!: TillDb;
	server!: FakeServer;
	storage!: MemoryStorage;
	online = true;
	readonly #sessions: TillSession[] = [];

	setUp(): void {
		this.db = openTillDb(`till-session-${crypto.randomUUID()}`);
		this.server = new FakeServer();
		this.storage = new MemoryStorage();
		this.storage.setItem('till.cashier', '小王');
		this.online = true;
	}

	async tearDown(): Promise<void> {
		for (const s of this.#sessions.splice(0)) await s.destroy();
		this.db.close();
		await this.db.delete({ disableAutoOpen: true });
	}

	/** A session on this test's database, storage and fake server (stopped after the test). */
	newSession(over: Partial<TillSessionOptions> = {}): TillSession {
		const session = new TillSession({
			mode: 'sandbox',
			demoToken: 'demo_token',
			i18n: new I18n({ storage: null }),
			fetch: (input, init) => this.server.fetch(input, init),
			db: this.db,
			storage: this.storage,
			background: false,
			isOnline: () => this.online,
			payment: { sleep: async () => undefined, pollWaitSeconds: 0 },
			...over
		});
		this.#sessions.push(session);
		return session;
	}

	/** Live mode: no demo token, so the till must be paired. */
	liveSession(over: Partial<TillSessionOptions> = {}): TillSession {
		return this.newSession({ mode: 'live', demoToken: null, ...over });
	}

	/** Started, with the catalog pulled. */
	async startSession(): Promise<TillSession> {
		const session = this.newSession();
		await session.start();
		await session.pullCatalog();
		return session;
	}

	/**
	 * The server stores each charge POST, but its answer never reaches the page (until aborted).
	 * Returns the fake server's own fetch, to put back.
	 */
	leaveChargePostsUnanswered(): FetchLike {
		const realFetch = this.server.fetch;
		this.server.fetch = async (input, init) => {
			if (!String(input).endsWith('/api/charges')) return realFetch(input, init);
			await realFetch(input, init);
			return new Promise<Response>((_, reject) =>
				init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))
			);
		};
		return realFetch;
	}
}
