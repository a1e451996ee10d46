import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
/** The one HTTP client of the till (sales and catalog here; charges in the session suites). */
import { TillApiClient, type FetchLike } from '$lib/offline/api-client';
import { applyCatalogChanges, catalogVersion } from '$lib/offline/catalog';
import { pullCatalog } from '$lib/offline/catalog-pull';
import type { Sale } from '$lib/domain/sale';
import { freshDb, makeSale } from './helpers';

interface Call {
	url: string;
	init: RequestInit | undefined;
}

function fakeFetch(answer: (call: Call) => Response | Promise<Response>): {
	fetch: FetchLike;
	calls: Call[];
} {
	const calls: Call[] = [];
	return {
		calls,
		fetch: async (url, init) => {
			const call = { url, init };
			calls.push(call);
			return answer(call);
		}
	};
}

function client(fetch: FetchLike, token: string | null = 'tok', baseUrl = ''): TillApiClient {
	return new TillApiClient({ baseUrl, getToken: () => token, fetch });
}

/** POST /api/sales through the client. */
const httpSender =
	(baseUrl: string, token: () => string | null, fetch: FetchLike) => (batch: Sale[]) =>
		client(fetch, token(), baseUrl).postSales(batch);

/** A catalog pull through the client. */
const pull = (
	db: Parameters<typeof pullCatalog>[0],
	fetch: FetchLike,
	token: string | null = null,
	baseUrl = ''
) => pullCatalog(db, client(fetch, token, baseUrl));

describe('postSales', () => {
	it('posts the batch as JSON with the bearer token and returns the results', async () => {
		const sale = makeSale();
		const { fetch, calls } = fakeFetch(() =>
			Response.json({ results: [{ id: sale.id, status: 'applied' }, { junk: true }] })
		);
		const send = httpSender('https://shop.example/', () => 'tok-1', fetch);
		expect(await send([sale])).toEqual({
			kind: 'ok',
			value: { results: [{ id: sale.id, status: 'applied' }] }
		});

		const call = calls[0];
		expect(call?.url).toBe('https://shop.example/api/sales');
		expect(call?.init?.method).toBe('POST');
		const headers = new Headers(call?.init?.headers);
		expect(headers.get('authorization')).toBe('Bearer tok-1');
		expect(headers.get('content-type')).toBe('application/json');
		expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
		expect(JSON.parse(String(call?.init?.body))).toEqual({ sales: [sale] });
		expect(call?.init?.signal).toBeInstanceOf(AbortSignal);
	});

	it('tells what may have been applied (no answer, 5xx, unreadable) from what was refused (4xx)', async () => {
		const batch = [makeSale()];
		const answer = (response: () => Response | Promise<Response>) =>
			httpSender('', () => 'tok', fakeFetch(response).fetch)(batch);

		expect(await answer(() => new Response('busy', { status: 503 }))).toMatchObject({
			kind: 'unanswered',
			status: 503
		});
		expect(
			await answer(() =>
				Response.json(
					{ error: { code: 'invalid', message: 'sales: bad', field: 'sales' } },
					{ status: 400 }
				)
			)
		).toEqual({
			kind: 'rejected',
			status: 400,
			error: { code: 'invalid', message: 'sales: bad', field: 'sales' }
		});
		expect(await answer(() => Promise.reject(new TypeError('fetch failed')))).toEqual({
			kind: 'unanswered',
			status: null,
			reason: 'fetch failed'
		});
		expect(await answer(() => new Response('<html>', { status: 200 }))).toMatchObject({
			kind: 'unanswered',
			status: 200
		});
		expect(await answer(() => Response.json({ ok: true }))).toMatchObject({ kind: 'unanswered' });
		expect(await answer(() => new Response('no', { status: 401 }))).toMatchObject({
			kind: 'rejected',
			status: 401,
			error: { code: 'http_401' }
		});
	});

	it('sends no authorization header without a token', async () => {
		const { fetch, calls } = fakeFetch(() => Response.json({ results: [] }));
		await httpSender('', () => null, fetch)([]);
		expect(calls[0]?.url).toBe('/api/sales');
		expect(new Headers(calls[0]?.init?.headers).has('authorization')).toBe(false);
	});
});

describe('pullCatalog', () => {
	let db: ReturnType<typeof freshDb>;
	beforeEach(() => {
		db = freshDb();
	});
	afterEach(async () => {
		await db.drop();
	});

	it('asks for changes since the version it has and applies them', async () => {
		const replies = [
			{
				version: 3,
				products: [
					{
						id: 'p1',
						name: '雪碧',
						price: 300,
						barcodes: ['111'],
						favourite: false,
						pinyin: 'xue bi'
					},
					{ id: 'p2', name: 'Tea', price: 500, barcodes: ['222'], favourite: true }
				],
				deleted: []
			},
			{ version: 4, products: [], deleted: ['p1'] }
		];
		const { fetch, calls } = fakeFetch(() => Response.json(replies.shift()));
		expect(await pull(db, fetch, 'tok', 'https://shop.example')).toEqual({
			kind: 'pulled',
			version: 3,
			applied: true,
			changed: 2,
			deleted: 0,
			resynced: false
		});
		expect(await pull(db, fetch, 'tok', 'https://shop.example')).toMatchObject({
			version: 4,
			deleted: 1
		});
		expect(calls.map((c) => c.url)).toEqual([
			'https://shop.example/api/catalog?since=0',
			'https://shop.example/api/catalog?since=3'
		]);
		expect(new Headers(calls[0]?.init?.headers).get('authorization')).toBe('Bearer tok');
		expect((await db.catalog.toArray()).map((p) => p.id)).toEqual(['p2']);
		expect(await catalogVersion(db)).toBe(4);
	});

	const product = (id: string, version: number) => ({
		id,
		name: `P ${id}`,
		price: 100,
		barcodes: [`b${id}`],
		favourite: false,
		version
	});

	it('a server behind the device (restored from a backup): the whole catalog is pulled again', async () => {
		// The device holds version 10: p1..p3.
		const { fetch: first } = fakeFetch(() =>
			Response.json({
				version: 10,
				products: [product('p1', 8), product('p2', 9), product('p3', 10)],
				deleted: [],
				latest: 10,
				count: 3
			})
		);
		await pull(db, first);
		// The server was restored to version 4 (p1, p2) and has since added p9 as version 5:
		// below the device's 10, so an incremental pull would never bring it.
		const full = {
			version: 5,
			products: [product('p1', 3), product('p2', 4), product('p9', 5)],
			deleted: ['pX'],
			latest: 5,
			count: 3
		};
		const { fetch, calls } = fakeFetch((c) =>
			Response.json(
				c.url.endsWith('since=10')
					? { version: 10, products: [], deleted: [], latest: 5, count: 3 }
					: full
			)
		);
		expect(await pull(db, fetch)).toMatchObject({ version: 5, resynced: true, changed: 3 });
		expect(calls.map((c) => c.url)).toEqual(['/api/catalog?since=10', '/api/catalog?since=0']);
		expect((await db.catalog.toArray()).map((p) => p.id).sort()).toEqual(['p1', 'p2', 'p9']);
		expect(await catalogVersion(db)).toBe(5);
	});

	it('a product count that differs from the server’s: pulled again once, not at every pull', async () => {
		const replies = (since: string) =>
			since === '0'
				? {
						version: 2,
						products: [product('p1', 1), product('p2', 2)],
						deleted: [],
						latest: 2,
						count: 3
					}
				: { version: 2, products: [], deleted: [], latest: 2, count: 3 };
		const { fetch, calls } = fakeFetch((c) => Response.json(replies(c.url.split('since=')[1]!)));
		// since=0, then the count (2 here, 3 there) asks for everything once more
		expect(await pull(db, fetch)).toMatchObject({ resynced: true });
		expect(calls).toHaveLength(2);
		// still 2 against 3 at the same server version: not again
		expect(await pull(db, fetch)).toMatchObject({ resynced: false });
		expect(calls).toHaveLength(3);
	});

	it('a full pull that another pull overtook is not applied over it', async () => {
		const { fetch: first } = fakeFetch(() =>
			Response.json({
				version: 10,
				products: [product('p1', 10)],
				deleted: [],
				latest: 10,
				count: 1
			})
		);
		await pull(db, first);
		// The server says it is behind (latest 5); while the full pull is on its way, another
		// pull brings version 12 and deletes p1.
		const { fetch } = fakeFetch(async (c) => {
			if (c.url.endsWith('since=10'))
				return Response.json({ version: 10, products: [], deleted: [], latest: 5, count: 1 });
			await applyCatalogChanges(db, { version: 12, products: [], deleted: ['p1'] });
			return Response.json({
				version: 5,
				products: [product('p1', 5)],
				deleted: [],
				latest: 5,
				count: 1
			});
		});
		expect(await pull(db, fetch)).toMatchObject({ resynced: false });
		expect(await catalogVersion(db)).toBe(12);
		expect(await db.catalog.count()).toBe(0); // p1 stays deleted
	});

	it('a server that sends no latest/count (an older one): incremental only', async () => {
		const { fetch, calls } = fakeFetch(() =>
			Response.json({ version: 1, products: [product('p1', 1)], deleted: [] })
		);
		await pull(db, fetch);
		await pull(db, fetch);
		expect(calls.map((c) => c.url)).toEqual(['/api/catalog?since=0', '/api/catalog?since=1']);
	});

	it('changes nothing when the reply is not a change set', async () => {
		const { fetch } = fakeFetch(() => Response.json({ version: 'x', products: [] }));
		expect(await pull(db, fetch)).toMatchObject({
			kind: 'failed',
			failure: { kind: 'unanswered', reason: 'unreadable reply' }
		});
		expect(await catalogVersion(db)).toBe(0);
		expect(await db.catalog.count()).toBe(0);
	});
});
