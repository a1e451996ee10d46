/**
 * The abuse suite against the built server in live mode (the sandbox as Teegon, a known
 * client_secret), on both engines. Driven by API_ROUTES (src/lib/server/http/access.ts), so
 * a new route is covered as soon as it is listed, and must be given its probes below:
 * - random and hostile requests (any method, body, content type, query) never get a 500;
 * - no credential, another store's till token, a revoked till's token: refused, nothing shown;
 * - forged, replayed, extra- and missing-field notifications, oversized bodies, wrong types;
 * - every answer carries the security headers, and no answer, header or server log line
 *   holds the client_secret or any till token (the build output is scanned in secret-scan.spec.ts).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_ROUTES } from '../../src/lib/server/http/access';
import { openDatabase, type DatabaseTarget, type Db } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { signed } from '../../src/lib/server/teegon/sign';
import { createTill, replaceTillToken } from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';
import {
	CLIENT_ID,
	CLIENT_SECRET,
	notificationOf,
	orderNo,
	saleByCode,
	wechatCode
} from '../helpers/harness';
import { freePort, startTill, type TillProcess } from '../helpers/server';

afterAll(dropTestSchemas);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const TYPES = [
	'application/json',
	'application/x-www-form-urlencoded',
	'text/plain',
	'multipart/form-data; boundary=x',
	'application/json; charset=latin1',
	null
];

interface Answer {
	path: string;
	status: number;
	headers: Headers;
	body: string;
}

/** Every page's path (route groups dropped), from src/routes: new pages are covered too. */
function pageRoutes(dir = 'src/routes'): string[] {
	const out: string[] = [];
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) out.push(...pageRoutes(path));
		else if (name === '+page.svelte')
			out.push(
				`/${relative('src/routes', dir)
					.split('/')
					.filter((seg) => seg && !seg.startsWith('('))
					.join('/')}`
			);
	}
	return out;
}

/** Paths server.js leaves to kit's page policy (the rest get its file and API policy). */
const isPagePath = (path: string) => {
	const p = path.split('?')[0]!;
	return !p.startsWith('/api/') && !p.startsWith('/_app/') && !/\.[A-Za-z0-9]+$/.test(p);
};

/** A route id with its parameters filled in. */
const concrete = (id: string, order: string) => id.replace('[order_no]', order);

/** What the owner of a credential may see on each till route; the rest of the table is refused. */
type Probe = (
	call: (method: string, path: string, token: string, body?: unknown) => Promise<Answer>,
	ctx: { tokenB: string; orderA: string; amountA: number }
) => Promise<void>;

/** Store B's till against store A's things, per till route: never shown, never changed. */
const OTHER_STORE: Record<string, Probe> = {
	'/api/me': async (call, { tokenB }) => {
		const r = await call('GET', '/api/me', tokenB);
		expect(r.body).not.toContain('甲店');
	},
	'/api/catalog': async (call, { tokenB }) => {
		const r = await call('GET', '/api/catalog', tokenB);
		expect(r.status).toBe(200);
		expect(r.body).not.toContain('甲店专供');
	},
	'/api/charges': async (call, { tokenB, orderA }) => {
		const r = await call('POST', '/api/charges', tokenB, {
			order_no: orderA,
			amount: '1.00',
			subject: '冒用',
			auth_code: wechatCode('00')
		});
		expect(r.status).toBeGreaterThanOrEqual(400);
		expect(r.status).toBeLessThan(500);
		expect(r.body).not.toContain('"paid"');
	},
	'/api/charges/[order_no]': async (call, { tokenB, orderA }) => {
		const r = await call('GET', `/api/charges/${orderA}`, tokenB);
		expect(r.status).toBe(404);
		expect(r.body).not.toContain(orderA.slice(1));
	},
	'/api/sales': async (call, { tokenB, orderA }) => {
		// A sale is what happened at the counter, so it is kept, but a tender naming another
		// store's charge is not backed by it: flagged for the owner, never counted as that charge.
		const r = await call('POST', '/api/sales', tokenB, { sales: [saleByCode(orderA, 777)] });
		expect(r.status).toBe(200);
		const result = (JSON.parse(r.body) as { results: { status: string; flagged?: string[] }[] })
			.results[0]!;
		expect(result.flagged).toContain(`charge_missing:${orderA}`);
	},
	'/api/sales/summary': async (call, { tokenB }) => {
		// Store A's sale (123 fen) is not in store B's figures; B's own flagged 777 may be.
		const r = await call('GET', '/api/sales/summary', tokenB);
		expect([0, 777]).toContain((JSON.parse(r.body) as { total: number }).total);
	}
};

describe.each(engines)('the API under abuse ($name)', { timeout: 120_000 }, (engine) => {
	let sandbox: Sandbox;
	let target: DatabaseTarget;
	let db: Db;
	let till: TillProcess;
	let tokenA: string;
	let tokenB: string;
	let revoked: string;
	let orderA: string;
	const amountA = 123;
	const metricsToken = `m-${randomBytes(12).toString('hex')}`;
	/** Every answer of this suite, for the header and secret checks at the end. */
	const answers: Answer[] = [];

	/**
	 * One request, recorded. `from`: the client address on loopback; wrong tokens are sent from
	 * 127.0.0.2 so the server's limit on wrong tokens per address does not slow the rest.
	 */
	function call(
		method: string,
		path: string,
		token: string | null,
		body?: unknown,
		type: string | null = 'application/json',
		from = '127.0.0.1',
		extra: Record<string, string> = {}
	): Promise<Answer> {
		const text =
			body === undefined || method === 'GET'
				? undefined
				: typeof body === 'string'
					? body
					: JSON.stringify(body);
		const url = new URL(till.url);
		return new Promise((resolve, reject) => {
			const req = request(
				{
					host: url.hostname,
					port: url.port,
					localAddress: from,
					method,
					path,
					headers: {
						accept: 'application/json',
						...extra,
						...(token ? { authorization: `Bearer ${token}` } : {}),
						...(text !== undefined
							? {
									...(type ? { 'content-type': type } : {}),
									'content-length': Buffer.byteLength(text)
								}
							: {})
					}
				},
				(res) => {
					let data = '';
					res.setEncoding('utf8');
					res.on('data', (c: string) => (data += c));
					res.on('end', () => {
						const headers = new Headers();
						for (const [k, v] of Object.entries(res.headers))
							if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
						const a = { path, status: res.statusCode ?? 0, headers, body: data };
						answers.push(a);
						resolve(a);
					});
				}
			);
			req.on('error', reject);
			req.end(text);
		});
	}

	beforeAll(async () => {
		sandbox = await startSandbox({
			port: 0,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			confirmDelayMs: 200,
			slowReplyMs: 200,
			notifyRetryMs: 100,
			notifyMaxAttempts: 3
		});
		target = engine.fresh();
		db = await openDatabase(target);
		tokenA = (await createTill(db.db, { store: '甲店', name: '1号' })).token;
		tokenB = (await createTill(db.db, { store: '乙店', name: '1号' })).token;
		const r = await createTill(db.db, { store: '甲店', name: '丢失的平板' });
		await replaceTillToken(db.db, r.till.id, { revoke: true });
		revoked = r.token;
		const port = await freePort();
		till = await startTill(
			{
				DATABASE_URL: engine.url(target),
				TEEGON_CLIENT_ID: CLIENT_ID,
				TEEGON_CLIENT_SECRET: CLIENT_SECRET,
				TEEGON_BASE_URL: sandbox.url,
				PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
				METRICS_TOKEN: metricsToken,
				LOG_LEVEL: 'debug'
			},
			{ port }
		);
		orderA = orderNo('A');
		const paid = await call('POST', '/api/charges', tokenA, {
			order_no: orderA,
			amount: '1.23',
			subject: '甲店专供',
			auth_code: wechatCode('06')
		});
		expect(paid.status).toBe(200);
		const sold = await call('POST', '/api/sales', tokenA, { sales: [saleByCode(orderA, amountA)] });
		expect(sold.body).toContain('"applied"');
	});
	afterAll(async () => {
		await till?.stop();
		await db?.close();
		await sandbox?.close();
	});

	const credentialOf = (needs: string) =>
		needs === 'till' ? tokenA : needs === 'metrics' ? metricsToken : null;

	test('every till route has its other-store probe (a new route needs one here)', () => {
		const tillRoutes = Object.keys(API_ROUTES).filter((id) => API_ROUTES[id] === 'till');
		expect(Object.keys(OTHER_STORE).sort()).toEqual(tillRoutes.sort());
	});

	test.each(Object.entries(API_ROUTES))(
		'%s (%s): refused without its credential, with a revoked or wrong one',
		async (id, needs) => {
			const path = concrete(id, orderA);
			if (needs === 'public' || needs === 'teegon') return void expect(needs).toBeTruthy();
			for (const method of ['GET', 'POST'])
				for (const token of [null, revoked, `${tokenA}x`, needs === 'metrics' ? tokenA : 'x']) {
					const r = await call(method, path, token, {}, 'application/json', '127.0.0.2');
					if (r.status === 404 || r.status === 405) continue; // no such method here
					// 429: refused too (too many wrong tokens from this address).
					expect([401, 429], `${method} ${path} with ${token ?? 'none'}: ${r.status}`).toContain(
						r.status
					);
					expect(r.body).not.toContain(orderA.slice(1));
				}
			if (needs === 'till') await OTHER_STORE[id]!(call, { tokenB, orderA, amountA });
			if (needs === 'metrics') expect((await call('GET', path, metricsToken)).status).toBe(200);
		}
	);

	test.each(Object.entries(API_ROUTES))(
		'%s (%s): random and hostile requests never get a 500',
		async (id, needs) => {
			const json = fc.oneof(
				fc.jsonValue({ maxDepth: 3 }),
				fc.record(
					{ order_no: fc.string(), amount: fc.string(), sales: fc.anything() },
					{ requiredKeys: [] }
				)
			);
			const body = fc.oneof(
				json.map((v) => JSON.stringify(v) ?? 'null'),
				fc.string({ unit: 'binary', maxLength: 200 }),
				fc.constantFrom('', '{', '{"a":1,"a":2}', '[]'.repeat(5000), 'a=1&a=2&sign=', '\u0000')
			);
			const query = fc.oneof(
				fc.constant(''),
				fc.string({ unit: 'binary', maxLength: 40 }).map((q) => `?${encodeURIComponent(q)}`),
				fc.constantFrom('?wait=31', '?wait=-1', '?since=x', '?till=mine&till=all', '?wait=1e3')
			);
			await fc.assert(
				fc.asyncProperty(
					fc.constantFrom(...METHODS),
					body,
					fc.constantFrom(...TYPES),
					query,
					fc.constantFrom(orderA, 'x'.repeat(65), '..%2f', '%00', encodeURIComponent('甲')),
					async (method, text, type, q, order) => {
						const r = await call(
							method,
							`${concrete(id, order)}${q}`,
							credentialOf(needs),
							text,
							type
						);
						expect(r.status, `${method} ${id}${q} ${type}: ${text.slice(0, 80)}`).toBeLessThan(500);
					}
				),
				{ numRuns: 40 }
			);
		}
	);

	test('CSRF: a cross-site form post to any page or API route but Teegon’s is refused', async () => {
		const targets = [
			...pageRoutes().map((p) => [p, 'page'] as const),
			...Object.entries(API_ROUTES).filter(([, needs]) => needs !== 'teegon')
		];
		for (const [id, needs] of targets)
			for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
				for (const type of [
					'application/x-www-form-urlencoded',
					'multipart/form-data; boundary=x',
					'text/plain'
				])
					for (const origin of ['https://evil.example', 'null']) {
						const r = await call(
							method,
							concrete(id, orderA),
							credentialOf(needs),
							'a=1',
							type,
							'127.0.0.1',
							{ origin }
						);
						expect(r.status, `${method} ${id} ${type} from ${origin}`).toBe(403);
					}
	});

	const notify = (body: string, type = 'application/x-www-form-urlencoded') =>
		call('POST', '/api/teegon/notify', null, body, type);
	const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
	const stateOf = async (order: string) =>
		await db.db
			.selectFrom('charges')
			.select(['state', 'amount'])
			.where('order_no', '=', order)
			.executeTakeFirstOrThrow();

	test('notifications: forged, replayed, extra or missing fields, oversized, wrong type', async () => {
		// A charge waiting for the customer: what a forged notification would want to pay.
		const waiting = orderNo('W');
		const made = await call('POST', '/api/charges', tokenA, {
			order_no: waiting,
			amount: '9.99',
			subject: '等待',
			auth_code: wechatCode('03')
		});
		const charge = JSON.parse(made.body) as {
			order_no: string;
			amount: string;
			charge_id: string | null;
		};
		const genuine = notificationOf(charge);
		const cases: [string, string, string | undefined, number[]][] = [
			['unsigned', form({ ...genuine, sign: '' }), undefined, [403]],
			['signed with another secret', form({ ...genuine, sign: 'A'.repeat(32) }), undefined, [403]],
			['a field changed after signing', form({ ...genuine, amount: '0.01' }), undefined, [403]],
			['an extra field after signing', form({ ...genuine, refund: 'true' }), undefined, [403]],
			[
				'no order_no, signed',
				form(notificationOf(charge, { order_no: '' })),
				undefined,
				[200, 400, 403]
			],
			['oversized', `${form(genuine)}&pad=${'x'.repeat(70 * 1024)}`, undefined, [413]],
			['as JSON', JSON.stringify(genuine), 'application/json', [415]],
			['as text', form(genuine), 'text/plain', [415]],
			['a field twice', `${form(genuine)}&status=SUCCESS`, undefined, [400, 403]],
			['not a form', '%%%&&=', undefined, [400, 403]]
		];
		for (const [name, body, type, expected] of cases) {
			const r = await notify(body, type);
			expect(expected, `${name}: ${r.status} ${r.body.slice(0, 100)}`).toContain(r.status);
			expect((await stateOf(waiting)).state, name).toBe('pending');
		}
		// A field missing from the genuine notification, signed over what is left: never applied.
		for (const drop of ['amount', 'charge_id', 'is_success', 'status', 'order_no']) {
			const { [drop]: _gone, ...rest } = genuine;
			const r = await notify(form(signed(rest, CLIENT_SECRET)));
			expect(r.status, drop).toBeLessThan(500);
			expect((await stateOf(waiting)).state, drop).toBe('pending');
		}
		// The genuine one settles it (after the query confirms); replayed, nothing changes twice.
		sandbox.settle({ orderNo: waiting }, 'paid', { notify: false });
		const first = await notify(form(genuine));
		expect(first.status).toBe(200);
		for (let i = 0; i < 3; i++) expect((await notify(form(genuine))).body).toBe('success');
		const settled = await stateOf(waiting);
		expect(settled.state).toBe('paid');
		expect(Number(settled.amount)).toBe(999);
	});

	test('pages and static files: the page CSP admits no inline script; recorded for the checks below', async () => {
		const home = await call('GET', '/', null);
		const script = /\/_app\/immutable\/[^"']+\.js/.exec(home.body)?.[0];
		expect(script).toBeTruthy();
		const paths = [...pageRoutes(), script!, '/favicon.svg', '/sw.js', '/manifest.webmanifest'];
		for (const path of paths) {
			const r = await call('GET', path, null);
			expect(r.status, path).toBeLessThan(400);
			const csp = r.headers.get('content-security-policy') ?? '';
			const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
			expect(scriptSrc, path).not.toContain("'unsafe-inline'");
			if (r.headers.get('content-type')?.startsWith('text/html')) {
				expect(r.body, path).not.toContain('demo_'); // live mode: no demo token on a page
				expect(scriptSrc, path).toMatch(/'sha256-|'self'/);
			}
		}
	});

	test('every answer above carried the security headers, and no secret', () => {
		expect(answers.length).toBeGreaterThan(400);
		const secrets = [CLIENT_SECRET, tokenA, tokenB, revoked, metricsToken];
		for (const a of answers) {
			const where = `${a.path} ${a.status} ${a.body.slice(0, 80)}`;
			expect(a.headers.get('x-content-type-options'), where).toBe('nosniff');
			expect(a.headers.get('x-frame-options'), where).toBe('DENY');
			// A page path's own refusal (the CSRF 403, text) carries no CSP: server.js leaves
			// pages to kit's policy (see there why); X-Frame-Options DENY still holds it.
			if (!isPagePath(a.path) || a.headers.get('content-type')?.startsWith('text/html'))
				expect(a.headers.get('content-security-policy') ?? '', where).toContain(
					"frame-ancestors 'none'"
				);
			const all = `${[...a.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${a.body}`;
			for (const s of secrets) expect(all.includes(s), where).toBe(false);
		}
		const log = till.output();
		expect(log.length).toBeGreaterThan(1000);
		for (const s of secrets) expect(log.includes(s), 'a secret in the server log').toBe(false);
		expect(log).not.toMatch(/\n\s+at .*\(.*\)|TypeError|Cannot read properties/);
	});
});
