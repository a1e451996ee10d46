/**
 * The built till as real processes (`node server.js`): CSRF against notifications, bearer
 * tokens, the HTTP till API, sales sync, configuration errors, a process killed mid-charge,
 * and two instances on one PostgreSQL waking each other's long polls.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { openDatabase, type DatabaseTarget } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { makeNotification } from '../../src/lib/server/sandbox/notification';
import { createTill, demoToken } from '../../src/lib/server/tills';
import type { Sale } from '../../src/lib/domain/sale';
import { dropTestSchemas, engines } from '../helpers/engines';
import {
	CLIENT_ID,
	CLIENT_SECRET,
	notificationFields,
	orderNo,
	until,
	wechatCode
} from '../helpers/harness';
import { startTill, type TillProcess } from '../helpers/server';

afterAll(dropTestSchemas);

const sqlite = engines.find((e) => e.name === 'sqlite')!;
const postgres = engines.find((e) => e.name === 'postgres')!;

function api(base: string, token: string | null) {
	return async (path: string, init: RequestInit = {}) => {
		const headers = new Headers(init.headers);
		if (token) headers.set('authorization', `Bearer ${token}`);
		if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
		const r = await fetch(`${base}${path}`, { ...init, headers });
		const text = await r.text();
		let body: unknown = text;
		try {
			body = JSON.parse(text);
		} catch {
			/* text */
		}
		return { status: r.status, body: body as Record<string, unknown> };
	};
}

function notificationFor(order: string, secret: string, over: Record<string, string> = {}) {
	return makeNotification(
		notificationFields(order, { charge_id: 'ch_1', timestamp: String(Date.now()), ...over }),
		secret
	);
}

function sale(over: Partial<Sale> = {}): Sale {
	return {
		id: crypto.randomUUID(),
		number: `T1-${Date.now()}`,
		cashier: '王芳',
		createdAt: new Date().toISOString(),
		lines: [
			{
				lineId: 'l1',
				productId: null,
				name: '矿泉水',
				barcode: null,
				unitPrice: 200,
				quantity: 3,
				discount: 0,
				total: 600
			}
		],
		subtotal: 600,
		discount: 0,
		total: 600,
		tenders: [{ kind: 'cash', amount: 600, tendered: 1000, change: 400 }],
		...over
	};
}

describe('the built till in sandbox mode (SQLite)', () => {
	let till: TillProcess;
	let call: ReturnType<typeof api>;
	beforeAll(async () => {
		const t = sqlite.fresh() as Extract<DatabaseTarget, { kind: 'sqlite' }>;
		till = await startTill({
			DATABASE_URL: t.file,
			SANDBOX_CONFIRM_DELAY_MS: '400',
			SANDBOX_NOTIFY_RETRY_MS: '100'
		});
		call = api(till.url, demoToken(DEFAULT_SANDBOX_CLIENT_SECRET));
	});
	afterAll(async () => till?.stop());

	test('the log says sandbox mode', () => {
		expect(till.output()).toMatch(/SANDBOX MODE/);
	});

	test('401 without a token or with a wrong one, and nothing is done', async () => {
		for (const path of [
			'/api/charges',
			'/api/sales',
			'/api/catalog',
			'/api/me',
			'/api/charges/X1'
		]) {
			expect((await api(till.url, null)(path)).status).toBe(401);
			expect((await api(till.url, 'till_wrong')(path)).status).toBe(401);
		}
		const r = await api(till.url, 'till_wrong')('/api/charges', {
			method: 'POST',
			body: JSON.stringify({
				order_no: 'A1',
				amount: '1.00',
				subject: 's',
				auth_code: wechatCode('00')
			})
		});
		expect(r.status).toBe(401);
		expect((await call('/api/charges/A1')).status).toBe(404);
	});

	test('a foreign-origin form POST to an app route is refused (CSRF), a JSON API call is not a form', async () => {
		const r = await fetch(`${till.url}/api/charges`, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				origin: 'https://evil.example'
			},
			body: 'order_no=1'
		});
		expect(r.status).toBe(403);
		const r2 = await fetch(`${till.url}/`, {
			method: 'POST',
			headers: { 'content-type': 'text/plain' },
			body: 'x'
		});
		expect(r2.status).toBe(403);
	});

	test('a signed notification without Origin passes CSRF and is answered 200 success', async () => {
		const body = new URLSearchParams(
			notificationFor('ORPHAN-1', DEFAULT_SANDBOX_CLIENT_SECRET)
		).toString();
		const r = await fetch(`${till.url}/api/teegon/notify`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body
		});
		expect(r.status).toBe(200);
		expect(await r.text()).toBe('success');
	});

	test('a notification with a bad signature is 403; a non-form body is 415', async () => {
		const body = new URLSearchParams({
			...notificationFor('ORPHAN-2', DEFAULT_SANDBOX_CLIENT_SECRET),
			amount: '99.00'
		}).toString();
		const r = await fetch(`${till.url}/api/teegon/notify`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body
		});
		expect(r.status).toBe(403);
		const r2 = await fetch(`${till.url}/api/teegon/notify`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: '{}'
		});
		expect(r2.status).toBe(415);
	});

	test('charge over HTTP: pending, then the long poll answers within a fraction of a second of the payment', async () => {
		const order = orderNo('H');
		const r = await call('/api/charges', {
			method: 'POST',
			body: JSON.stringify({
				order_no: order,
				amount: '23.45',
				subject: '测试',
				auth_code: wechatCode('01')
			})
		});
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({
			order_no: order,
			state: 'pending',
			amount: '23.45',
			late: false
		});
		const t0 = Date.now();
		const polled = await call(`/api/charges/${order}?wait=10&since=pending`);
		expect(polled.body.state).toBe('paid');
		expect(Date.now() - t0).toBeLessThan(2500);
	});

	test('bad input gets a 400 naming the field; bad JSON a 400; wrong type a 415; bad wait a 400', async () => {
		const r = await call('/api/charges', {
			method: 'POST',
			body: JSON.stringify({
				order_no: 'A2',
				amount: '1.001',
				subject: 's',
				auth_code: wechatCode('00')
			})
		});
		expect(r).toMatchObject({ status: 400, body: { error: { field: 'amount', code: 'invalid' } } });
		expect((await call('/api/charges', { method: 'POST', body: '{oops' })).status).toBe(400);
		expect(
			(
				await call('/api/charges', {
					method: 'POST',
					body: 'x',
					headers: { 'content-type': 'text/csv' }
				})
			).status
		).toBe(415);
		expect((await call('/api/charges/A2?wait=31')).body).toMatchObject({
			error: { field: 'wait' }
		});
		// Over BODY_SIZE_LIMIT (512 KiB by default): 413 saying so, not "invalid JSON".
		const big = JSON.stringify({ sales: [{ id: 'x', pad: 'x'.repeat(600 * 1024) }] });
		expect(await call('/api/sales', { method: 'POST', body: big })).toMatchObject({
			status: 413,
			body: { error: { code: 'payload_too_large', field: 'body' } }
		});
	});

	test('sales sync: applied once, the same answer for a repeat, a bad sale rejected with its field', async () => {
		const s = sale();
		const first = await call('/api/sales', {
			method: 'POST',
			body: JSON.stringify({ sales: [s] })
		});
		expect(first.body).toEqual({ results: [{ id: s.id, status: 'applied' }] });
		const again = await call('/api/sales', {
			method: 'POST',
			body: JSON.stringify({ sales: [s, { ...sale(), total: 1 }] })
		});
		expect((again.body.results as unknown[])[0]).toEqual({ id: s.id, status: 'duplicate' });
		expect((again.body.results as unknown[])[1]).toMatchObject({
			status: 'rejected',
			error: { field: 'total' }
		});
	});

	test('the sales summary adds up what was applied, once', async () => {
		const before = (await call('/api/sales/summary')).body as {
			count: number;
			total: number;
			byTender: Record<string, number>;
		};
		const s1 = sale();
		const s2 = sale({
			lines: [
				{
					lineId: 'l1',
					productId: null,
					name: '面',
					barcode: null,
					unitPrice: 450,
					quantity: 2,
					discount: 100,
					total: 800
				}
			],
			subtotal: 800,
			discount: 0,
			total: 800,
			tenders: [{ kind: 'cash', amount: 800, tendered: 800, change: 0 }]
		});
		await call('/api/sales', { method: 'POST', body: JSON.stringify({ sales: [s1, s2] }) });
		await call('/api/sales', { method: 'POST', body: JSON.stringify({ sales: [s2, s1] }) });
		const after = (await call('/api/sales/summary')).body as typeof before;
		expect(after.count - before.count).toBe(2);
		expect(after.total - before.total).toBe(1400);
		expect((after.byTender.cash ?? 0) - (before.byTender.cash ?? 0)).toBe(1400);
	});

	test('a payment-code tender that is not a paid charge of this store is flagged', async () => {
		const s = sale({
			tenders: [
				{
					kind: 'payment_code',
					amount: 600,
					orderNo: 'NOT-A-CHARGE',
					chargeId: null,
					wallet: 'wechat'
				}
			]
		});
		const r = await call('/api/sales', { method: 'POST', body: JSON.stringify({ sales: [s] }) });
		expect((r.body.results as { flagged?: string[] }[])[0]!.flagged).toEqual([
			'charge_missing:NOT-A-CHARGE'
		]);
	});

	test('the catalog: the demo store has a dozen products with valid EAN-13 barcodes; incremental by version', async () => {
		const all = await call('/api/catalog?since=0');
		const products = all.body.products as { barcodes: string[] }[];
		expect(products.length).toBeGreaterThanOrEqual(12);
		for (const p of products) {
			const code = p.barcodes[0]!;
			const digits = [...code].map(Number);
			const sum = digits.slice(0, 12).reduce((a, d, i) => a + d * (i % 2 ? 3 : 1), 0);
			expect(code).toMatch(/^\d{13}$/);
			expect((10 - (sum % 10)) % 10).toBe(digits[12]);
		}
		const none = await call(`/api/catalog?since=${all.body.version as number}`);
		expect(none.body.products).toEqual([]);
	});
});

test('configuration errors stop the server at start and name the variable', async () => {
	const t = sqlite.fresh() as Extract<DatabaseTarget, { kind: 'sqlite' }>;
	const a = await startTill(
		{ DATABASE_URL: t.file, TEEGON_CLIENT_ID: 'only-id' },
		{ expectExit: true }
	);
	expect(a.proc.exitCode).not.toBe(0);
	expect(a.output()).toContain('TEEGON_CLIENT_SECRET');
	const b = await startTill({ DATABASE_URL: 'mysql://x' }, { expectExit: true });
	expect(b.output()).toContain('DATABASE_URL');
	const c = await startTill(
		{
			DATABASE_URL: t.file,
			TEEGON_CLIENT_ID: 'id',
			TEEGON_CLIENT_SECRET: 's',
			ORIGIN: '',
			PUBLIC_BASE_URL: ''
		},
		{ expectExit: true }
	);
	expect(c.output()).toContain('PUBLIC_BASE_URL');
	const d = await startTill({ DATABASE_URL: t.file, REQUEST_TIMEOUT: '3s' }, { expectExit: true });
	expect(d.proc.exitCode).toBe(78);
	expect(d.output()).toContain('REQUEST_TIMEOUT: must be a whole number of seconds, got "3s"');
});

describe.each([sqlite, postgres])('live mode against an external sandbox ($name)', (engine) => {
	let sandbox: Sandbox;
	let target: DatabaseTarget;
	let token: string;
	beforeAll(async () => {
		sandbox = await startSandbox({
			port: 0,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			confirmDelayMs: 1500,
			slowReplyMs: 1500,
			notifyRetryMs: 100,
			notifyMaxAttempts: 200
		});
		target = engine.fresh();
		const db = await openDatabase(target);
		token = (await createTill(db.db, { store: 'Live Store', name: 'Till 1' })).token;
		await db.close();
	});
	afterAll(async () => sandbox?.close());

	const liveEnv = (port: number) => ({
		DATABASE_URL: engine.url(target),
		TEEGON_CLIENT_ID: CLIENT_ID,
		TEEGON_CLIENT_SECRET: CLIENT_SECRET,
		TEEGON_BASE_URL: sandbox.url,
		PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
		TEEGON_TIMEOUT_MS: '1000'
	});

	test('a process killed mid-charge settles the charge after it is started again', async () => {
		const { freePort } = await import('../helpers/server');
		const port = await freePort();
		const t1 = await startTill(liveEnv(port), { port });
		expect(t1.output()).toMatch(/live mode/);
		const order = orderNo('K');
		const r = await api(t1.url, token)('/api/charges', {
			method: 'POST',
			body: JSON.stringify({
				order_no: order,
				amount: '9.99',
				subject: '测试',
				auth_code: wechatCode('01')
			})
		});
		expect(r.body.state).toBe('pending');
		await t1.kill();
		await new Promise((res) => setTimeout(res, 1600)); // the customer confirms while the till is down
		const t2 = await startTill(liveEnv(port), { port });
		try {
			const paid = await until(async () => {
				const g = await api(t2.url, token)(`/api/charges/${order}`);
				return g.body.state === 'paid' ? g.body : null;
			}, 8000);
			expect(paid.late).toBe(false);
			expect(sandbox.charges().filter((c) => c.order_no === order)).toHaveLength(1);
		} finally {
			await t2.stop();
		}
	});

	if (engine.name === 'postgres')
		test('two instances: a notification received by one wakes a long poll waiting on the other', async () => {
			const { freePort } = await import('../helpers/server');
			const pa = await freePort();
			const pb = await freePort();
			// Workers that do not ask Teegon within the test: only the notification can tell.
			const slowPoll = { CHARGE_POLL_MS: '30000' };
			const [a, b] = await Promise.all([
				startTill({ ...liveEnv(pa), ...slowPoll }, { port: pa }),
				startTill({ ...liveEnv(pb), ...slowPoll }, { port: pb })
			]);
			try {
				const order = orderNo('M');
				const created = await api(b.url, token)('/api/charges', {
					method: 'POST',
					body: JSON.stringify({
						order_no: order,
						amount: '23.45',
						subject: '测试',
						auth_code: wechatCode('03')
					})
				});
				expect(created.body.state).toBe('pending');
				const poll = api(b.url, token)(`/api/charges/${order}?wait=20&since=pending`);
				await new Promise((res) => setTimeout(res, 300));
				sandbox.settle({ orderNo: order }, 'paid'); // the customer confirms; the query will say so
				const sentAt = Date.now();
				const n = await fetch(`${a.url}/api/teegon/notify`, {
					method: 'POST',
					headers: { 'content-type': 'application/x-www-form-urlencoded' },
					body: new URLSearchParams(
						notificationFor(order, CLIENT_SECRET, {
							charge_id: String(created.body.charge_id),
							status: 'trade_status_sync'
						})
					).toString()
				});
				expect(n.status).toBe(200);
				const woke = await poll;
				const latency = Date.now() - sentAt;
				expect(woke.body.state).toBe('paid');
				expect(latency).toBeLessThan(1000);
			} finally {
				await Promise.all([a.stop(), b.stop()]);
			}
		});
});

test('the server entry keeps adapter-node’s SOCKET_PATH, and stops cleanly on SIGTERM', async () => {
	const { spawn } = await import('node:child_process');
	const { request } = await import('node:http');
	const t = sqlite.fresh() as Extract<DatabaseTarget, { kind: 'sqlite' }>;
	const socketPath = `${t.file}.sock`;
	const proc = spawn(process.execPath, ['server.js'], {
		env: { PATH: process.env.PATH ?? '', SOCKET_PATH: socketPath, DATABASE_URL: t.file },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
	const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
	try {
		await until(async () => /Listening on/.test(out), 20_000);
		expect(out).toContain(`Listening on ${socketPath}`);
		const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
			const req = request({ socketPath, path: '/api/health' }, (res) => {
				let body = '';
				res.on('data', (c: Buffer) => (body += c.toString()));
				res.on('end', () => resolve({ status: res.statusCode!, body }));
			});
			req.on('error', reject);
			req.end();
		});
		expect(health.status).toBe(200);
		expect(JSON.parse(health.body)).toMatchObject({ ok: true, database: 'sqlite' });
	} finally {
		proc.kill('SIGTERM');
	}
	expect(await exited).toBe(0);
});

test('the server entry hands Node the listen options adapter-node does: PORT set but empty is an error', async () => {
	const { spawn } = await import('node:child_process');
	const t = sqlite.fresh() as Extract<DatabaseTarget, { kind: 'sqlite' }>;
	const proc = spawn(process.execPath, ['server.js'], {
		env: { PATH: process.env.PATH ?? '', PORT: '', HOST: '127.0.0.1', DATABASE_URL: t.file },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
	const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
	expect(code, out).not.toBe(0);
	expect(out).toContain('ERR_SOCKET_BAD_PORT');
	expect(out).not.toContain('Listening on');
});
