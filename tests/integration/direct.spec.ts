/**
 * The charge fast path (src/lib/server/http/direct.ts) in the built till: two real processes,
 * one as shipped and one with CHARGE_FAST_PATH=off (every request through SvelteKit), each
 * against its own sandbox gateway, are sent the same raw requests and must answer the same:
 * status, body and headers. The requests cover what the fast path takes and what it must
 * leave to kit (no token, other media types, chunked or large bodies, other paths).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type DatabaseTarget } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { createTill } from '../../src/lib/server/tills';
import { dropTestSchemas, engines, PG_URL } from '../helpers/engines';
import { CLIENT_ID, CLIENT_SECRET } from '../helpers/harness';
import { freePort, startTill, type TillProcess } from '../helpers/server';

afterAll(dropTestSchemas);

interface Raw {
	status: number;
	headers: Record<string, string | undefined>;
	body: string;
	/** Which path answered: the fast path writes its headers in its own order (direct.ts `send`). */
	via: 'direct' | 'kit';
}

const via = (firstHeader: string | undefined) =>
	firstHeader?.toLowerCase() === 'x-content-type-options' ? 'direct' : 'kit';

/** Bytes exactly as given on a new connection (HTTP/1.0 without Host, say); read to its close. */
function rawSocket(base: string, text: string): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const { hostname, port } = new URL(base);
		const s = connect(Number(port), hostname);
		const chunks: Buffer[] = [];
		s.on('data', (c: Buffer) => chunks.push(c));
		s.on('error', reject);
		s.on('close', () => {
			const all = Buffer.concat(chunks).toString('utf8');
			const [head = '', ...rest] = all.split('\r\n\r\n');
			const [statusLine = '', ...lines] = head.split('\r\n');
			const headers: Record<string, string> = {};
			for (const l of lines)
				headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
			resolve({
				status: Number(statusLine.split(' ')[1]),
				headers,
				body: rest.join('\r\n\r\n'),
				via: via(lines[0]?.slice(0, lines[0].indexOf(':')))
			});
		});
		s.end(text);
	});
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
						body: Buffer.concat(chunks).toString('utf8'),
						via: via(res.rawHeaders[0])
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
	// Every header but the date: which are sent, and their values.
	const { date: _date, ...headers } = r.headers;
	return { status: r.status, body, headers };
}

let codeSeq = 0;
const code = (outcome: string) =>
	`13${String(Date.now()).slice(-8)}${String(codeSeq++).padStart(6, '0')}${outcome}`;

describe.each(engines)(
	'POST /api/charges served in front of kit answers as kit does ($name)',
	(engine) => {
		const sides: {
			name: 'direct' | 'kit';
			till: TillProcess;
			sandbox: Sandbox;
			token: string;
			target: DatabaseTarget;
		}[] = [];

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
						// Unset, as by default (README): kit then makes the URL from the Host header.
						ORIGIN: '',
						...(name === 'kit' ? { CHARGE_FAST_PATH: 'off' } : {})
					},
					{ port }
				);
				sides.push({ name, till, sandbox, token, target });
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

		/**
		 * Sends each request to both tills and expects the same answers, in order, and on the
		 * shipped till the path each case names (`via`): the fast path for what it must take,
		 * kit for what it must leave alone. Without that, a fast path that took nothing would
		 * pass every comparison.
		 */
		async function same(
			cases: {
				label: string;
				via: 'direct' | 'kit';
				opts?: (token: string) => Parameters<typeof raw>[1];
				socket?: (token: string) => string;
			}[]
		): Promise<ReturnType<typeof comparable>[]> {
			const answers: ReturnType<typeof comparable>[][] = [[], []];
			const paths: string[] = [];
			for (const c of cases)
				for (const [i, s] of sides.entries()) {
					const r = c.socket
						? await rawSocket(s.till.url, c.socket(s.token))
						: await raw(s.till.url, c.opts!(s.token));
					answers[i]!.push(comparable(r));
					if (i === 0) paths.push(r.via);
				}
			for (const [i, c] of cases.entries())
				expect(answers[0]![i], `${c.label}: direct vs kit`).toEqual(answers[1]![i]);
			expect(paths, 'which path answered on the shipped till').toEqual(cases.map((c) => c.via));
			return answers[0]!;
		}

		// As the till sends them (till-api.ts): JSON, and JSON asked for.
		const json = (token: string, body: string | Buffer, extra: Record<string, string> = {}) => ({
			headers: {
				'content-type': 'application/json',
				accept: 'application/json',
				authorization: `Bearer ${token}`,
				...extra
			},
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
				{ label: 'new charge', via: 'direct', opts: (t) => json(t, charge) },
				{ label: 'the same again', via: 'direct', opts: (t) => json(t, charge) },
				{
					label: 'same order, other amount',
					via: 'direct',
					opts: (t) =>
						json(
							t,
							JSON.stringify({ order_no: order, amount: '12.35', subject: '矿泉水', auth_code: c1 })
						)
				},
				{
					label: 'the code on another order',
					via: 'direct',
					opts: (t) =>
						json(
							t,
							JSON.stringify({ order_no: `${order}b`, amount: '1.00', subject: 'x', auth_code: c1 })
						)
				},
				{
					label: 'charset parameter, query string',
					via: 'direct',
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
					via: 'direct',
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
					via: 'direct',
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
					via: 'direct',
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
				{ label: 'three decimals', via: 'direct', opts: bad({ amount: '1.234' }) },
				{ label: 'amount as a number', via: 'direct', opts: bad({ amount: 1 }) },
				{ label: 'order_no with a space', via: 'direct', opts: bad({ order_no: 'a b' }) },
				{ label: 'no subject', via: 'direct', opts: bad({ subject: undefined }) },
				{ label: 'short code', via: 'direct', opts: bad({ auth_code: '123' }) },
				{
					label: 'metadata too big',
					via: 'direct',
					opts: bad({ metadata: { note: 'x'.repeat(600) } })
				},
				{ label: 'an array', via: 'direct', opts: (t) => json(t, '[]') },
				{ label: 'null', via: 'direct', opts: (t) => json(t, 'null') },
				{ label: 'not JSON', via: 'direct', opts: (t) => json(t, '{"order_no":') },
				{
					label: 'no token',
					via: 'kit',
					opts: () => ({
						headers: { 'content-type': 'application/json' },
						body: JSON.stringify(ok)
					})
				},
				{ label: 'a wrong token', via: 'kit', opts: () => json('till_wrong', JSON.stringify(ok)) },
				{
					label: 'not Bearer',
					via: 'kit',
					opts: (t) => json(t, JSON.stringify(ok), { authorization: `Basic ${t}` })
				},
				{
					label: 'text/plain (a form type: CSRF)',
					via: 'kit',
					opts: (t) => ({
						...json(t, JSON.stringify(ok)),
						headers: { 'content-type': 'text/plain', authorization: `Bearer ${t}` }
					})
				},
				{
					label: 'no content type',
					via: 'kit',
					opts: (t) => ({ headers: { authorization: `Bearer ${t}` }, body: JSON.stringify(ok) })
				},
				{
					label: 'chunked',
					via: 'kit',
					opts: (t) => ({
						...json(t, JSON.stringify({ ...ok, order_no: `${ok.order_no}k` })),
						chunked: true
					})
				},
				{
					label: 'larger than the fast path takes',
					via: 'kit',
					opts: bad({ subject: 'x'.repeat(20_000) })
				},
				{
					label: 'larger than BODY_SIZE_LIMIT',
					via: 'kit',
					opts: bad({ subject: 'x'.repeat(70_000) })
				},
				{
					label: 'a trailing slash',
					via: 'kit',
					opts: (t) => ({ ...json(t, JSON.stringify(ok)), path: '/api/charges/' })
				},
				{
					label: 'GET the list',
					via: 'kit',
					opts: (t) => ({
						method: 'GET',
						path: '/api/charges?limit=1',
						headers: { authorization: `Bearer ${t}` }
					})
				},
				{
					label: 'bad UTF-8 in the subject',
					via: 'direct',
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
				},
				{
					label: 'no accept (kit would answer an error as HTML)',
					via: 'kit',
					opts: (t) => {
						const o = bad({ order_no: `${ok.order_no}n`, auth_code: code('00') })(t);
						delete (o.headers as Record<string, string>).accept;
						return o;
					}
				},
				{
					label: 'a browser accept',
					via: 'kit',
					opts: (t) =>
						json(t, JSON.stringify({ ...ok, order_no: `${ok.order_no}h`, auth_code: code('00') }), {
							accept: 'text/html,application/xhtml+xml,*/*;q=0.8'
						})
				},
				{
					label: 'accept */*, as curl and fetch send',
					via: 'direct',
					opts: (t) =>
						json(t, JSON.stringify({ ...ok, order_no: `${ok.order_no}s`, auth_code: code('00') }), {
							accept: '*/*'
						})
				},
				{
					label: 'a Host kit cannot make a URL of',
					via: 'kit',
					opts: (t) =>
						json(t, JSON.stringify({ ...ok, order_no: `${ok.order_no}b`, auth_code: code('00') }), {
							host: 'a b'
						})
				},
				{
					label: 'HTTP/1.0 without Host',
					via: 'kit',
					socket: (t) => {
						const body = JSON.stringify({
							...ok,
							order_no: `${ok.order_no}o`,
							auth_code: code('00')
						});
						return (
							`POST /api/charges HTTP/1.0\r\ncontent-type: application/json\r\n` +
							`accept: application/json\r\nauthorization: Bearer ${t}\r\n` +
							`content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
						);
					}
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
			// kit answers 400 Bad Request, and charges nothing, for a request without a usable Host
			// (ORIGIN unset): so must the shipped till.
			expect(answers.slice(20).map((a) => a.status)).toEqual([200, 200, 200, 400, 400]);
			for (const s of sides)
				expect(
					s.sandbox
						.charges()
						.filter((c) => /[bo]$/.test(c.order_no) && c.order_no.startsWith(ok.order_no)),
					s.name
				).toEqual([]);
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

		/** Renames a table the charge service writes first, in both tills' databases. */
		async function renameTable(from: string, to: string): Promise<void> {
			for (const s of sides) {
				if (s.target.kind === 'sqlite') {
					const db = new Database(s.target.file);
					try {
						db.pragma('busy_timeout = 5000');
						db.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
					} finally {
						db.close();
					}
				} else {
					const client = new pg.Client({ connectionString: PG_URL });
					await client.connect();
					try {
						await client.query(`ALTER TABLE ${s.target.schema}.${from} RENAME TO ${to}`);
					} finally {
						await client.end();
					}
				}
			}
		}

		test('a charge service that throws: the same 500 under every accept', async () => {
			const order = `X${Date.now()}`;
			const body = (n: number) =>
				JSON.stringify({
					order_no: `${order}${n}`,
					amount: '1.00',
					subject: 'x',
					auth_code: code('00')
				});
			await renameTable('auth_code_claims', 'auth_code_claims_gone');
			try {
				const answers = await same([
					{
						label: 'no accept: kit answers its HTML error page',
						via: 'kit',
						opts: (t) => {
							const o = json(t, body(1));
							delete (o.headers as Record<string, string>).accept;
							return o;
						}
					},
					{
						label: 'text/html',
						via: 'kit',
						opts: (t) => json(t, body(2), { accept: 'text/html' })
					},
					{ label: 'application/json', via: 'direct', opts: (t) => json(t, body(3)) },
					{ label: '*/*', via: 'direct', opts: (t) => json(t, body(4), { accept: '*/*' }) }
				]);
				expect(answers.map((a) => a.status)).toEqual([500, 500, 500, 500]);
				expect(answers.map((a) => a.headers['content-type'])).toEqual([
					'text/html; charset=utf-8',
					'text/html; charset=utf-8',
					'application/json',
					'application/json'
				]);
				expect(answers[2]!.body).toEqual({ message: 'Internal Error' });
			} finally {
				await renameTable('auth_code_claims_gone', 'auth_code_claims');
			}
		});
	}
);
