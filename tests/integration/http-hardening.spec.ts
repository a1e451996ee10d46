/**
 * What the production entry (server.js) puts around every answer, against the built till:
 * security headers on pages, API answers and static files alike; HSTS only over HTTPS; a
 * request body that dribbles is cut off; wrong till tokens are slowed down by address, on
 * both engines, while a known till goes on.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import { createTill } from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';
import { startTill, type TillProcess } from '../helpers/server';
import { until } from '../helpers/harness';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { demoToken } from '../../src/lib/server/tills';

afterAll(dropTestSchemas);
const sqlite = engines.find((e) => e.name === 'sqlite')!;

describe('security headers (sandbox mode, SQLite)', () => {
	let till: TillProcess;
	beforeAll(async () => {
		till = await startTill({ DATABASE_URL: sqlite.url(sqlite.fresh()), REQUEST_TIMEOUT: '2' });
	});
	afterAll(async () => till?.stop());

	const common = {
		'x-content-type-options': 'nosniff',
		'referrer-policy': 'same-origin',
		'x-frame-options': 'DENY'
	};

	async function headersOf(path: string, init?: RequestInit) {
		const r = await fetch(`${till.url}${path}`, init);
		await r.arrayBuffer();
		return { status: r.status, headers: r.headers };
	}

	test('on pages, API answers, static files and the service worker', async () => {
		const page = await fetch(`${till.url}/`);
		const html = await page.text();
		const script = /\/_app\/immutable\/[^"']+\.js/.exec(html)?.[0];
		expect(script).toBeTruthy();
		for (const path of ['/', '/api/health', '/api/me', '/favicon.svg', '/sw.js', script!]) {
			const { status, headers } = await headersOf(path);
			expect(status, path).toBeLessThan(500);
			for (const [name, value] of Object.entries(common))
				expect(headers.get(name), `${path} ${name}`).toBe(value);
			expect(headers.get('permissions-policy'), path).toMatch(
				/camera=\(self\).*hid=\(self\).*serial=\(self\).*usb=\(self\)/
			);
			expect(headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
			expect(headers.get('strict-transport-security'), path).toBeNull();
		}
	});

	test("the page's CSP allows no inline script: kit's own is admitted by its hash", async () => {
		const { headers } = await headersOf('/');
		const csp = headers.get('content-security-policy')!;
		const scriptSrc = /script-src ([^;]+)/.exec(csp)![1]!;
		expect(scriptSrc).not.toContain('unsafe-inline');
		expect(scriptSrc).toMatch(/'sha256-[A-Za-z0-9+/=]+'/);
		expect(csp).toContain("object-src 'none'");
	});

	test("a page's 304 carries no policy of its own: the browser keeps the page's CSP", async () => {
		const first = await fetch(`${till.url}/`);
		await first.text();
		const again = await fetch(`${till.url}/`, {
			headers: { 'if-none-match': first.headers.get('etag')! }
		});
		expect(again.status).toBe(304);
		expect(again.headers.get('content-security-policy')).toBeNull();
		expect(again.headers.get('x-content-type-options')).toBe('nosniff');
	});

	test('a request id on the response and on every log line written for it', async () => {
		const token = demoToken(DEFAULT_SANDBOX_CLIENT_SECRET);
		const r = await fetch(`${till.url}/api/charges`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${token}`,
				'content-type': 'application/json',
				'x-request-id': 'till-7:probe-1'
			},
			body: JSON.stringify({
				order_no: `RID${Date.now()}`,
				amount: '1.00',
				subject: '测试',
				auth_code: '134567890123456700'
			})
		});
		expect(r.status).toBe(200);
		expect(r.headers.get('x-request-id')).toBe('till-7:probe-1');
		const odd = await fetch(`${till.url}/api/health`, { headers: { 'x-request-id': 'a b;{}' } });
		expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
		await until(async () => till.output().includes('"req":"till-7:probe-1"'), 3000);
		const lines = till
			.output()
			.split('\n')
			.filter((l) => l.includes('"req":"till-7:probe-1"'))
			.map((l) => JSON.parse(l) as Record<string, unknown>);
		expect(lines.some((l) => l.teegon === 'charge' && l.outcome === 'paid')).toBe(true);
		// The payment code is masked in the log; the token never appears.
		expect(till.output()).not.toContain('134567890123456700');
		expect(till.output()).not.toContain(token);
	});

	test('API answers are never cached, refusals included', async () => {
		for (const path of ['/api/health', '/api/me']) {
			const { headers } = await headersOf(path);
			expect(headers.get('cache-control'), path).toBe('no-store');
		}
	});

	test('a body that has not all arrived within REQUEST_TIMEOUT is answered 408 and cut off', async () => {
		const url = new URL(till.url);
		const started = Date.now();
		const answer = await new Promise<string>((resolve, reject) => {
			const socket = connect(Number(url.port), url.hostname, () => {
				socket.write(
					// The notification route needs no token: it reads the body before anything else.
					'POST /api/teegon/notify HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\namount=1'
				);
			});
			let text = '';
			socket.on('data', (d) => (text += d.toString()));
			socket.on('close', () => resolve(text));
			socket.on('error', reject);
		});
		expect(answer).toMatch(/^HTTP\/1\.1 408/);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
		expect(Date.now() - started).toBeLessThan(6000);
	});
});

describe('HSTS behind HTTPS', () => {
	test('sent when ORIGIN is https, or when the proxy says so (PROTOCOL_HEADER)', async () => {
		const byOrigin = await startTill({
			DATABASE_URL: sqlite.url(sqlite.fresh()),
			ORIGIN: 'https://till.example.com'
		});
		try {
			const r = await fetch(`${byOrigin.url}/favicon.svg`);
			expect(r.headers.get('strict-transport-security')).toBe('max-age=31536000');
		} finally {
			await byOrigin.stop();
		}
		const byProxy = await startTill({
			DATABASE_URL: sqlite.url(sqlite.fresh()),
			ORIGIN: '',
			PROTOCOL_HEADER: 'x-forwarded-proto',
			HOST_HEADER: 'x-forwarded-host'
		});
		try {
			const https = await fetch(`${byProxy.url}/api/health`, {
				headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'till.lan' }
			});
			expect(https.headers.get('strict-transport-security')).toBe('max-age=31536000');
			const plain = await fetch(`${byProxy.url}/api/health`, {
				headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'till.lan' }
			});
			expect(plain.headers.get('strict-transport-security')).toBeNull();
		} finally {
			await byProxy.stop();
		}
	});
});

describe.each(engines)('wrong till tokens ($name)', (engine) => {
	test('slowed down by address after 30 a minute; a till known a moment ago goes on', async () => {
		const target = engine.fresh();
		const db = await openDatabase(target);
		const { token } = await createTill(db.db, { store: 'Rate Store', name: 'Till 1' });
		await db.close();
		const till = await startTill({ DATABASE_URL: engine.url(target) });
		try {
			const me = (t: string) =>
				fetch(`${till.url}/api/me`, { headers: { authorization: `Bearer ${t}` } });
			expect((await me(token)).status).toBe(200);
			const statuses: number[] = [];
			for (let i = 0; i < 35; i++) statuses.push((await me(`till_guess${i}`)).status);
			expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
			expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
			const limited = await me('till_guess_more');
			expect(limited.status).toBe(429);
			expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
			// The real till of the same shop (the same address) is not locked out.
			expect((await me(token)).status).toBe(200);
		} finally {
			await till.stop();
		}
	});
});
