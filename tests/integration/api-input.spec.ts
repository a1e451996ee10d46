/**
 * Hostile input to the till API over HTTP, on both engines: the same text rules for every
 * field, a body that names a key twice, fields no charge or sale has, days no month has.
 * Each is a 400 (or a rejected sale) naming the field, and nothing is stored or charged.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { createTill } from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';
import { CLIENT_ID, CLIENT_SECRET, orderNo, saleByCode, wechatCode } from '../helpers/harness';
import { freePort, startTill, type TillProcess } from '../helpers/server';

afterAll(dropTestSchemas);

describe.each(engines)('hostile input to the till API ($name)', (engine) => {
	let sandbox: Sandbox;
	let till: TillProcess;
	let db: Db;
	let token: string;

	beforeAll(async () => {
		sandbox = await startSandbox({
			port: 0,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			confirmDelayMs: 200,
			slowReplyMs: 200,
			notifyRetryMs: 100,
			notifyMaxAttempts: 5
		});
		const target = engine.fresh();
		db = await openDatabase(target);
		token = (await createTill(db.db, { store: 'Input Store', name: 'Till 1' })).token;
		const port = await freePort();
		till = await startTill(
			{
				DATABASE_URL: engine.url(target),
				TEEGON_CLIENT_ID: CLIENT_ID,
				TEEGON_CLIENT_SECRET: CLIENT_SECRET,
				TEEGON_BASE_URL: sandbox.url,
				PUBLIC_BASE_URL: `http://127.0.0.1:${port}`
			},
			{ port }
		);
	});
	afterAll(async () => {
		await till?.stop();
		await db?.close();
		await sandbox?.close();
	});

	/** POSTs `body` as it is written (no JSON.stringify: some cases are not what it makes). */
	async function post(path: string, body: string) {
		const r = await fetch(`${till.url}${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
			body
		});
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of several shapes, read by each test
		return { status: r.status, body: (await r.json()) as Record<string, any> };
	}

	const chargeText = (over: Record<string, string>) => {
		const fields: Record<string, string> = {
			order_no: JSON.stringify(orderNo('I')),
			amount: '"1.00"',
			subject: '"矿泉水"',
			auth_code: JSON.stringify(wechatCode('00')),
			...over
		};
		return `{${Object.entries(fields)
			.map(([k, v]) => `${JSON.stringify(k.replace(/#\d$/, ''))}:${v}`)
			.join(',')}}`;
	};

	test.each([
		[
			'a key named twice (amount 1.00, then 999.00)',
			{ 'amount#2': '"999.00"' },
			'body',
			/amount.*more than once/
		],
		['a lone surrogate in the subject', { subject: '"\\ud800水"' }, 'subject', /Unicode/],
		[
			'a right-to-left override in the subject',
			{ subject: '"水\\u202e00.1"' },
			'subject',
			/bidirectional/
		],
		['ESC in the subject', { subject: '"\\u001b[2J水"' }, 'subject', /control/],
		['a field charges do not have', { tip: '"5.00"' }, 'tip', /not a field/]
	])('charge: %s → 400 naming %s, nothing stored or charged', async (_label, over, field, rule) => {
		const before = sandbox.chargeCallCount;
		const r = await post('/api/charges', chargeText(over));
		expect(r.status).toBe(400);
		expect(r.body.error.field).toBe(field);
		expect(r.body.error.message).toMatch(rule);
		expect(sandbox.chargeCallCount).toBe(before);
		const stored = await db.db
			.selectFrom('charges')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.executeTakeFirstOrThrow();
		expect(Number(stored.n)).toBe(0);
	});

	const cash = () => {
		const s = saleByCode('unused', 600);
		return { ...s, tenders: [{ kind: 'cash', amount: 600, tendered: 1000, change: 400 }] };
	};

	test.each([
		['a day February does not have', { createdAt: '2026-02-31T10:00:00.000Z' }, 'createdAt'],
		['a day April does not have', { createdAt: '2026-04-31T10:00:00+08:00' }, 'createdAt'],
		['ESC and BEL in the receipt number', { number: 'T1-\u001b[31m0001\u0007' }, 'number'],
		['a right-to-left override in the cashier', { cashier: '王\u202e芳' }, 'cashier'],
		['a field sales do not have', { note: 'hi' }, 'note'],
		[
			'a field lines do not have',
			{ lines: [{ ...cash().lines[0], colour: 'red' }] },
			'lines[0].colour'
		],
		[
			'a field cash tenders do not have',
			{ tenders: [{ kind: 'cash', amount: 600, tendered: 1000, change: 400, tip: 1 }] },
			'tenders[0].tip'
		],
		[
			'a tender kind that is an Object property',
			{ tenders: [{ kind: 'constructor', amount: 600 }] },
			'tenders[0].kind'
		]
	])('sale: %s → rejected naming %s, not stored', async (_label, over, field) => {
		const sale = { ...cash(), ...over };
		const r = await post('/api/sales', JSON.stringify({ sales: [sale] }));
		expect(r.status).toBe(200);
		expect(r.body.results).toEqual([
			{ id: sale.id, status: 'rejected', error: expect.objectContaining({ field }) }
		]);
		const stored = await db.db.selectFrom('sales').select('id').where('id', '=', sale.id).execute();
		expect(stored).toEqual([]);
	});

	test('a real leap day is a sale like any other', async () => {
		const sale = { ...cash(), createdAt: '2028-02-29T23:59:59+08:00' };
		const r = await post('/api/sales', JSON.stringify({ sales: [sale] }));
		expect(r.body.results[0].status).toBe('applied');
	});

	test('a lone surrogate in a line name is rejected, naming the line', async () => {
		const sale = cash();
		const text = JSON.stringify({ sales: [sale] }).replace('测试商品', '\\udc00商品');
		const r = await post('/api/sales', text);
		expect(r.body.results[0]).toMatchObject({
			status: 'rejected',
			error: { field: 'lines[0].name' }
		});
	});
});
