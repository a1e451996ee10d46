/**
 * The charge fast path's own decisions, in a real Node http server over a real SQLite file
 * (the till tokens), with the charge service replaced by a recorder: which requests it takes
 * and which it hands on, and that nothing it meets (a service that throws, a client that goes
 * away mid-body, a database that cannot check the token) stops the process or goes unanswered.
 * That it answers exactly as SvelteKit does is direct.spec.ts, on the built till.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { TillApp } from '../../src/lib/server/app';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { createChargeFastPath } from '../../src/lib/server/http/direct';
import { createTill } from '../../src/lib/server/tills';
import { engines } from '../helpers/engines';

let db: Db;
let token: string;
let server: Server;
let base: string;
let handedOn: string[] = [];
let created: unknown[] = [];
let createImpl: (body: unknown) => Promise<{ status: number; body: unknown }>;
let unhandled: unknown[] = [];
let kitCanParse = (_req: IncomingMessage) => true;
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
	db = await openDatabase(engines.find((e) => e.name === 'sqlite')!.fresh());
	token = (await createTill(db.db, { store: 'S', name: 'T' })).token;
	const app = {
		db,
		charges: { create: (_till: unknown, body: unknown) => createImpl(body) }
	} as unknown as TillApp;
	const direct = createChargeFastPath(() => app, {
		bodySizeLimit: 512 * 1024,
		kitCanParse: (req) => kitCanParse(req)
	});
	server = createServer((req, res) =>
		direct(req, res, () => {
			handedOn.push(`${req.method} ${req.url}`);
			req.resume();
			res.writeHead(299).end('kit');
		})
	);
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
	process.off('unhandledRejection', onUnhandled);
	server?.close();
	await db?.close();
});
beforeEach(() => {
	handedOn = [];
	created = [];
	unhandled = [];
	kitCanParse = () => true;
	createImpl = async (body) => {
		created.push(body);
		return { status: 200, body: { ok: true } };
	};
});

function send(
	opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
	abortAfter?: string
): Promise<{ status: number; text: string; headers: Record<string, unknown> } | 'aborted'> {
	return new Promise((resolve, reject) => {
		const req = request(
			new URL(opts.path ?? '/api/charges', base),
			{ method: opts.method ?? 'POST', headers: opts.headers },
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (c: string) => (text += c));
				res.on('end', () => resolve({ status: res.statusCode!, text, headers: res.headers }));
			}
		);
		if (abortAfter !== undefined) {
			req.on('error', () => resolve('aborted'));
			req.write(abortAfter);
			setTimeout(() => {
				req.destroy();
				resolve('aborted');
			}, 50);
			return;
		}
		req.on('error', reject);
		req.end(opts.body);
	});
}

const ok = (over: Record<string, string> = {}) => ({
	headers: {
		'content-type': 'application/json',
		accept: 'application/json',
		authorization: `Bearer ${token}`,
		'content-length': '2',
		...over
	},
	body: '{}'
});

test('a JSON POST to /api/charges with a valid token is answered here, with the API headers', async () => {
	const r = await send(ok());
	expect(r).toMatchObject({ status: 200, text: '{"ok":true}' });
	expect(r !== 'aborted' && r.headers).toMatchObject({
		'content-type': 'application/json',
		'content-length': '11',
		'cache-control': 'no-store',
		'x-content-type-options': 'nosniff',
		'referrer-policy': 'same-origin'
	});
	expect(created).toEqual([{}]);
	expect(handedOn).toEqual([]);
});

test('everything else is handed on to kit untouched, its body unread', async () => {
	const cases = [
		{ method: 'GET', ...ok() },
		{ ...ok(), path: '/api/charges/' },
		{ ...ok(), path: '/api/chargesX' },
		{ ...ok(), path: '/api/charges/abc' },
		ok({ 'content-type': 'text/plain' }),
		ok({ 'content-type': 'application/jsonx' }),
		ok({ authorization: 'Bearer not-a-till-token' }),
		ok({ authorization: `Basic ${token}` }),
		{
			headers: {
				'content-type': 'application/json',
				accept: 'application/json',
				authorization: `Bearer ${token}`,
				'transfer-encoding': 'chunked'
			},
			body: '{}'
		},
		{
			...ok(),
			headers: { ...ok().headers, 'content-length': String(16 * 1024 + 1) },
			body: 'x'.repeat(16 * 1024 + 1)
		}
	];
	for (const c of cases) {
		const r = await send(c);
		expect(r, JSON.stringify(c.headers)).toMatchObject({ status: 299, text: 'kit' });
	}
	expect(handedOn).toHaveLength(cases.length);
	expect(created).toEqual([]);
});

test('a service that throws: 500 as kit answers it, logged, and the process goes on', async () => {
	createImpl = async () => {
		throw new Error('disk on fire');
	};
	const errors: unknown[] = [];
	const original = console.error;
	console.error = (e: unknown) => errors.push(e);
	try {
		const r = await send(ok());
		expect(r).toMatchObject({ status: 500, text: '{"message":"Internal Error"}' });
	} finally {
		console.error = original;
	}
	expect(String(errors[0])).toContain('disk on fire');
	createImpl = async () => ({ status: 200, body: { again: true } });
	expect(await send(ok())).toMatchObject({ status: 200, text: '{"again":true}' });
	expect(unhandled).toEqual([]);
});

test('not JSON: 400 invalid_json naming the body; nothing charged', async () => {
	const r = await send({ ...ok(), body: '{x' });
	expect(r).toMatchObject({ status: 400 });
	expect(r !== 'aborted' && JSON.parse(r.text)).toEqual({
		error: { code: 'invalid_json', message: 'body: is not valid JSON', field: 'body' }
	});
	expect(created).toEqual([]);
});

test('a client that goes away before its body is whole: nothing charged, nothing thrown', async () => {
	const r = await send({ headers: { ...ok().headers, 'content-length': '100' } }, '{"order_no":');
	expect(r).toBe('aborted');
	await new Promise((res) => setTimeout(res, 50));
	expect(created).toEqual([]);
	expect(unhandled).toEqual([]);
	expect(await send(ok())).toMatchObject({ status: 200 });
});

test('a token that cannot be checked (the database is gone) is left to kit to answer', async () => {
	const gone = await openDatabase(engines.find((e) => e.name === 'sqlite')!.fresh());
	const t = (await createTill(gone.db, { store: 'S', name: 'T' })).token;
	await gone.close();
	const app = { db: gone, charges: { create: () => Promise.reject(new Error('not here')) } };
	const direct = createChargeFastPath(() => app as unknown as TillApp, {
		bodySizeLimit: 512 * 1024
	});
	const s = createServer((req, res) => direct(req, res, () => res.writeHead(299).end('kit')));
	await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
	try {
		const { port } = s.address() as AddressInfo;
		const r = await new Promise<number>((resolve, reject) => {
			const req = request(
				{
					host: '127.0.0.1',
					port,
					path: '/api/charges',
					method: 'POST',
					headers: { ...ok().headers, authorization: `Bearer ${t}` }
				},
				(res) => {
					res.resume();
					resolve(res.statusCode!);
				}
			);
			req.on('error', reject);
			req.end('{}');
		});
		expect(r).toBe(299);
	} finally {
		s.close();
	}
});

test('an accept under which kit would answer an error as HTML is left to kit', async () => {
	// kit answers an endpoint that throws with its HTML error page unless `accept` negotiates
	// to JSON (a missing accept counts as text/html); this path always answers JSON.
	const noAccept = ok();
	delete (noAccept.headers as Record<string, string>).accept;
	for (const c of [
		noAccept,
		ok({ accept: 'text/html' }),
		ok({ accept: 'text/html,application/json;q=0.9' }),
		ok({ accept: 'application/json, text/html' })
	])
		expect(await send(c), JSON.stringify(c.headers)).toMatchObject({ status: 299, text: 'kit' });
	expect(await send(ok({ accept: '*/*' }))).toMatchObject({ status: 200 });
	expect(created).toHaveLength(1);
});

test('a request kit cannot make a Request of (no or a bad Host) is left to kit, which answers 400', async () => {
	kitCanParse = () => false;
	expect(await send(ok())).toMatchObject({ status: 299, text: 'kit' });
	expect(created).toEqual([]);
});
