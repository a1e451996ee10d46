/**
 * The charge fast path (src/lib/server/http/direct.ts) in the built till: two real processes,
 * one as shipped and one with CHARGE_FAST_PATH=off (every request through SvelteKit), each
 * against its own sandbox gateway, are sent the same raw requests and must answer the same:
 * status, body and headers. The requests cover what the fast path takes and what it must
 * leave to kit (no token, other media types, chunked or large bodies, other paths).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type DatabaseTarget } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { createTill } from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';
import { CLIENT_ID, CLIENT_SECRET } from '../helpers/harness';
import { freePort, startTill, type TillProcess } from '../helpers/server';

afterAll(dropTestSchemas);

interface Raw {
	status: number;
	headers: Record<string, string | undefined>;
	body: string;
}

/** One request exactly as given: no header added but Host (and Content-Length unless chunked). */
function raw(
	base: string,
	opts: {
		method?: string;
		path?: string;
		headers?: Record<string, string>;
		body?: Buffer | string;
		chunked?: boolean;
	}
): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
		const headers: Record<string, string | number> = { ...opts.headers };
		if (body && !opts.chunked) headers['content-length'] = body.length;
		const req = request(
			new URL(opts.path ?? '/api/charges', base),
			{ method: opts.method ?? 'POST', headers },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () =>
					resolve({
						status: res.statusCode!,
						headers: res.headers as Record<string, string | undefined>,
						body: Buffer.concat(chunks).toString('utf8')
					})
				);
			}
		);
		req.on('error', reject);
		if (body && opts.chunked) {
			// Two writes without a declared length: Node sends it chunked.
			req.write(body.subarray(0, 5));
			req.end(body.subarray(5));
		} else req.end(body);
	});
}

/** What must be the same whichever path answered: values that differ by run are replaced by their kind. */
function comparable(r: Raw) {
	let body: unknown = r.body;
	try {
		body = JSON.parse(r.body, (key, value: unknown) =>
			['charge_id', 'paid_at', 'created_at', 'deadline_at'].includes(key) && value !== null
				? `<${typeof value}>`
				: value
		);
	} catch {
		/* not JSON: compared as text */
	}
	const h = r.headers;
	return {
		status: r.status,
		body,
		headers: {
			'content-type': h['content-type'],
			'cache-control': h['cache-control'],
			'x-content-type-options': h['x-content-type-options'],
			'referrer-policy': h['referrer-policy'],
			'www-authenticate': h['www-authenticate'],
			location: h.location
		}
	};
}

let codeSeq = 0;
const code = (outcome: string) =>
	`13${String(Date.now()).slice(-8)}${String(codeSeq++).padStart(6, '0')}${outcome}`;

describe.each(engines)(
	'POST /api/charges served in front of kit answers as kit does ($name)',
	(engine) => {
		const sides: { name: 'direct' | 'kit'; till: TillProcess; sandbox: Sandbox; token: string }[] =
			[];

		beforeAll(async () => {
			for (const name of ['direct', 'kit'] as const) {
				const sandbox = await startSandbox({
					port: 0,
					clientId: CLIENT_ID,
					clientSecret: CLIENT_SECRET,
					confirmDelayMs: 200,
					slowReplyMs: 200,
					notifyRetryMs: 100,
					notifyMaxAttempts: 50
				});
				const target: DatabaseTarget = engine.fresh();
				const db = await openDatabase(target);
				const { token } = await createTill(db.db, { store: 'Parity Store', name: `Till ${name}` });
				await db.close();
				const port = await freePort();
				const till = await startTill(
					{
						DATABASE_URL: engine.url(target),
						TEEGON_CLIENT_ID: CLIENT_ID,
						TEEGON_CLIENT_SECRET: CLIENT_SECRET,
						TEEGON_BASE_URL: sandbox.url,
						PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
						BODY_SIZE_LIMIT: '64K',
						...(name === 'kit' ? { CHARGE_FAST_PATH: 'off' } : {})
					},
					{ port }
				);
				sides.push({ name, till, sandbox, token });
			}
		});
		afterAll(async () => {
			for (const s of sides) {
				await s.till.stop();
				await s.sandbox.close();
			}
		});

		test('the shipped entry says it serves charges directly; CHARGE_FAST_PATH=off does not', () => {
			expect(sides[0]!.till.output()).toMatch(
				/Listening on .*\(POST \/api\/charges served directly\)/
			);
			expect(sides[1]!.till.output()).toMatch(/Listening on/);
			expect(sides[1]!.till.output()).not.toMatch(/served directly/);
		});

		/** Sends each request to both tills and expects the same answers, in order. */
		async function same(
			cases: { label: string; opts: (token: string) => Parameters<typeof raw>[1] }[]
		): Promise<ReturnType<typeof comparable>[]> {
			const answers: ReturnType<typeof comparable>[][] = [[], []];
			for (const c of cases)
				for (const [i, s] of sides.entries())
					answers[i]!.push(comparable(await raw(s.till.url, c.opts(s.token))));
			for (const [i, c] of cases.entries())
				expect(answers[0]![i], `${c.label}: direct vs kit`).toEqual(answers[1]![i]);
			return answers[0]!;
		}

		const json = (token: string, body: string | Buffer, extra: Record<string, string> = {}) => ({
			headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...extra },
			body
		});

		test('a charge, its repeat, a changed repeat, a reused code: the same answers', async () => {
			const order = `P${Date.now()}`;
			const c1 = code('06');
			const charge = JSON.stringify({
				order_no: order,
				amount: '12.34',
				subject: '矿泉水',
				auth_code: c1
			});
			const answers = await same([
				{ label: 'new charge', opts: (t) => json(t, charge) },
				{ label: 'the same again', opts: (t) => json(t, charge) },
				{
					label: 'same order, other amount',
					opts: (t) =>
						json(
							t,
							JSON.stringify({ order_no: order, amount: '12.35', subject: '矿泉水', auth_code: c1 })
						)
				},
				{
					label: 'the code on another order',
					opts: (t) =>
						json(
							t,
							JSON.stringify({ order_no: `${order}b`, amount: '1.00', subject: 'x', auth_code: c1 })
						)
				},
				{
					label: 'charset parameter, query string',
					opts: (t) => ({
						...json(
							t,
							JSON.stringify({
								order_no: `${order}c`,
								amount: '0.01',
								subject: 'y',
								auth_code: code('00')
							}),
							{ 'content-type': 'Application/JSON; charset=utf-8' }
						),
						path: '/api/charges?from=test'
					})
				},
				{
					label: 'a byte-order mark before the JSON',
					opts: (t) =>
						json(
							t,
							Buffer.concat([
								Buffer.from([0xef, 0xbb, 0xbf]),
								Buffer.from(
									JSON.stringify({
										order_no: `${order}d`,
										amount: '0.02',
										subject: 'z',
										auth_code: code('00')
									})
								)
							])
						)
				},
				{
					label: 'a refused code (sandbox 04)',
					opts: (t) =>
						json(
							t,
							JSON.stringify({
								order_no: `${order}e`,
								amount: '3.00',
								subject: 'r',
								auth_code: code('04')
							})
						)
				},
				{
					label: 'awaiting the customer (sandbox 01)',
					opts: (t) =>
						json(
							t,
							JSON.stringify({
								order_no: `${order}f`,
								amount: '4.00',
								subject: 'w',
								auth_code: code('01')
							})
						)
				}
			]);
			expect(answers.map((a) => a.status)).toEqual([200, 200, 409, 409, 200, 200, 200, 200]);
			expect(answers[0]!.body).toMatchObject({ order_no: order, state: 'paid', amount: '12.34' });
			expect(answers[6]!.body).toMatchObject({ state: 'failed' });
			expect(answers[7]!.body).toMatchObject({ state: 'pending' });
			for (const s of sides)
				expect(s.sandbox.charges().filter((c) => c.order_no === order)).toHaveLength(1);
		});

		test('bad input: the same 400s naming the field, and the same refusals', async () => {
			const ok = {
				order_no: `V${Date.now()}`,
				amount: '1.00',
				subject: 's',
				auth_code: code('00')
			};
			const bad = (over: Record<string, unknown>) => (t: string) =>
				json(t, JSON.stringify({ ...ok, ...over }));
			const answers = await same([
				{ label: 'three decimals', opts: bad({ amount: '1.234' }) },
				{ label: 'amount as a number', opts: bad({ amount: 1 }) },
				{ label: 'order_no with a space', opts: bad({ order_no: 'a b' }) },
				{ label: 'no subject', opts: bad({ subject: undefined }) },
				{ label: 'short code', opts: bad({ auth_code: '123' }) },
				{ label: 'metadata too big', opts: bad({ metadata: { note: 'x'.repeat(600) } }) },
				{ label: 'an array', opts: (t) => json(t, '[]') },
				{ label: 'null', opts: (t) => json(t, 'null') },
				{ label: 'not JSON', opts: (t) => json(t, '{"order_no":') },
				{
					label: 'no token',
					opts: () => ({
						headers: { 'content-type': 'application/json' },
						body: JSON.stringify(ok)
					})
				},
				{ label: 'a wrong token', opts: () => json('till_wrong', JSON.stringify(ok)) },
				{
					label: 'not Bearer',
					opts: (t) => json(t, JSON.stringify(ok), { authorization: `Basic ${t}` })
				},
				{
					label: 'text/plain (a form type: CSRF)',
					opts: (t) => ({
						...json(t, JSON.stringify(ok)),
						headers: { 'content-type': 'text/plain', authorization: `Bearer ${t}` }
					})
				},
				{
					label: 'no content type',
					opts: (t) => ({ headers: { authorization: `Bearer ${t}` }, body: JSON.stringify(ok) })
				},
				{
					label: 'chunked',
					opts: (t) => ({
						...json(t, JSON.stringify({ ...ok, order_no: `${ok.order_no}k` })),
						chunked: true
					})
				},
				{ label: 'larger than the fast path takes', opts: bad({ subject: 'x'.repeat(20_000) }) },
				{ label: 'larger than BODY_SIZE_LIMIT', opts: bad({ subject: 'x'.repeat(70_000) }) },
				{
					label: 'a trailing slash',
					opts: (t) => ({ ...json(t, JSON.stringify(ok)), path: '/api/charges/' })
				},
				{
					label: 'GET the list',
					opts: (t) => ({
						method: 'GET',
						path: '/api/charges?limit=1',
						headers: { authorization: `Bearer ${t}` }
					})
				},
				{
					label: 'bad UTF-8 in the subject',
					opts: (t) =>
						json(
							t,
							Buffer.from([
								...Buffer.from(
									'{"order_no":"U1","amount":"1.00","auth_code":"1312345678901200","subject":"'
								),
								0xff,
								0xfe,
								...Buffer.from('"}')
							])
						)
				}
			]);
			expect(answers.slice(0, 9).map((a) => a.status)).toEqual(Array(9).fill(400));
			expect(
				answers.slice(0, 6).map((a) => (a.body as { error: { field: string } }).error.field)
			).toEqual(['amount', 'amount', 'order_no', 'subject', 'auth_code', 'metadata']);
			expect(answers.slice(9, 12).map((a) => a.status)).toEqual([401, 401, 401]);
			expect(answers[12]!.status).toBe(403);
			expect(answers[13]!.status).toBe(415);
			expect(answers[14]!.status).toBe(200);
			expect(answers[15]!.status).toBe(400);
			expect(answers[16]!.status).toBe(413);
			expect(answers[19]!.status).toBe(200); // U+FFFD for each bad byte, as Request.json() reads it
		});

		test('20 identical requests at once: one Teegon charge, the same answer to all', async () => {
			const order = `C${Date.now()}`;
			const body = JSON.stringify({
				order_no: order,
				amount: '8.88',
				subject: '并发',
				auth_code: code('06')
			});
			for (const s of sides) {
				const rs = await Promise.all(
					Array.from({ length: 20 }, () => raw(s.till.url, json(s.token, body)))
				);
				expect(rs.map((r) => r.status)).toEqual(Array(20).fill(200));
				const ids = new Set(rs.map((r) => (JSON.parse(r.body) as { charge_id: string }).charge_id));
				expect(ids.size, s.name).toBe(1);
				expect(
					s.sandbox.charges().filter((c) => c.order_no === order),
					s.name
				).toHaveLength(1);
			}
		});
	}
);
