/**
 * The Teegon client against the sandbox gateway over real HTTP: every row of the sandbox's
 * payment-code table, refusals, validation, transport failures, and the notifications.
 */
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeegonClient, type TeegonClient } from '$lib/server/teegon/client';
import { signed, verify } from '$lib/server/teegon/sign';
import { startSandbox, type Sandbox, type SandboxCharge } from '$lib/server/sandbox/gateway';
import { NOTIFICATION_FIELDS, makeNotification } from '$lib/server/sandbox/notification';
import type { TeegonChargeRequest } from '$lib/server/teegon/types';

const CLIENT_ID = 'test-client-id';
const SECRET = 'test-client-secret';
const CONFIRM_MS = 300;
const SLOW_REPLY_MS = 1500;
const CLIENT_TIMEOUT_MS = 500;

/** WeChat-shaped (18 digits, 13…) and Alipay-shaped (18 digits, 28…) codes with an ending. */
const wechat = (ending: string) => `1345678901234567${ending}`;
const alipay = (ending: string) => `2812345678901234${ending}`;

interface Received {
	headers: http.IncomingHttpHeaders;
	body: string;
	fields: Record<string, string>;
	at: number;
}

let sandbox: Sandbox;
let client: TeegonClient;
let receiver: http.Server;
let notifyUrl: string;
const received: Received[] = [];
/** Per order_no, the HTTP statuses the receiver answers in turn (200 once they run out). */
const answers = new Map<string, number[]>();
const logLines: string[] = [];
let orderSeq = 0;

const newOrderNo = () => `IT-${process.pid}-${Date.now().toString(36)}-${++orderSeq}`;
const notificationsFor = (orderNo: string) => received.filter((n) => n.fields.order_no === orderNo);
const chargeOf = (orderNo: string): SandboxCharge | undefined =>
	sandbox.charges().find((c) => c.order_no === orderNo);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
	const until = Date.now() + timeoutMs;
	while (Date.now() < until) {
		if (check()) return true;
		await sleep(10);
	}
	return check();
}

function request(
	overrides: Partial<TeegonChargeRequest> & { authCode: string }
): TeegonChargeRequest {
	return {
		orderNo: newOrderNo(),
		amount: 1,
		subject: '测试商品',
		notifyUrl,
		...overrides
	};
}

/** A signed POST made by hand, for what the client would never send. */
async function rawPost(path: string, params: Record<string, string>, secret = SECRET) {
	const res = await fetch(`${sandbox.url}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(signed(params, secret)).toString()
	});
	return { status: res.status, json: (await res.json()) as { error?: string; result?: unknown } };
}

const chargeParams = (overrides: Record<string, string>): Record<string, string> => ({
	client_id: CLIENT_ID,
	notify_url: notifyUrl,
	order_no: newOrderNo(),
	channel: 'barcode_pay',
	amount: '0.01',
	subject: '测试',
	auth_code: wechat('00'),
	...overrides
});

beforeAll(async () => {
	receiver = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			const fields = Object.fromEntries(new URLSearchParams(body));
			received.push({ headers: req.headers, body, fields, at: Date.now() });
			const queue = answers.get(fields.order_no ?? '');
			const status = queue?.shift() ?? 200;
			res.writeHead(status, { 'content-type': 'text/plain' });
			res.end(status === 200 ? 'success' : 'not yet');
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/teegon/notify`;

	sandbox = await startSandbox({
		port: 0,
		clientId: CLIENT_ID,
		clientSecret: SECRET,
		confirmDelayMs: CONFIRM_MS,
		slowReplyMs: SLOW_REPLY_MS,
		notifyRetryMs: 50,
		notifyMaxAttempts: 5
	});
	client = createTeegonClient(
		{
			baseUrl: sandbox.url,
			clientId: CLIENT_ID,
			clientSecret: SECRET,
			timeoutMs: CLIENT_TIMEOUT_MS
		},
		{ log: (line) => logLines.push(line) }
	);
});

afterAll(async () => {
	client?.close();
	await sandbox?.close();
	await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

describe('the payment-code table', () => {
	it('00: paid at once, status SUCCESS, one notification', async () => {
		const req = request({ authCode: wechat('00'), amount: 2345 });
		const outcome = await client.charge(req);
		expect(outcome).toMatchObject({ kind: 'paid', channel: 'wxbarcodepay_pinganpay' });
		if (outcome.kind !== 'paid') return;
		expect(outcome.chargeId).toMatch(/^[a-z0-9]{24}$/);
		expect(outcome.transactionNo).toMatch(/^\d+$/);
		expect(outcome.paidAt).not.toBeNull();

		const status = await client.barcodePayStatus(outcome.chargeId);
		expect(status).toMatchObject({ kind: 'status', state: 'paid', tradeStatus: 'SUCCESS' });

		expect(await waitFor(() => notificationsFor(req.orderNo).length === 1)).toBe(true);
		const n = notificationsFor(req.orderNo)[0]!.fields;
		expect(n).toMatchObject({
			amount: '23.45',
			charge_id: outcome.chargeId,
			channel: 'wxbarcodepay_pinganpay',
			is_success: 'true',
			order_no: req.orderNo,
			status: 'trade_status_sync'
		});
		expect(sandbox.charges().find((c) => c.order_no === req.orderNo)?.amount).toBe('23.45');
	});

	it('01 (WeChat): pending, USERPAYING, then SUCCESS after the confirmation delay', async () => {
		const req = request({ authCode: wechat('01') });
		const outcome = await client.charge(req);
		expect(outcome.kind).toBe('pending');
		if (outcome.kind !== 'pending') return;
		expect(await client.barcodePayStatus(outcome.chargeId)).toMatchObject({
			kind: 'status',
			state: 'pending',
			tradeStatus: 'USERPAYING'
		});
		expect(notificationsFor(req.orderNo)).toHaveLength(0);

		expect(await waitFor(() => notificationsFor(req.orderNo).length === 1)).toBe(true);
		expect(notificationsFor(req.orderNo)[0]!.fields.is_success).toBe('true');
		expect(await client.barcodePayStatus(outcome.chargeId)).toMatchObject({
			kind: 'status',
			state: 'paid',
			tradeStatus: 'SUCCESS'
		});
	});

	it('01 (Alipay): WAIT_BUYER_PAY, then TRADE_SUCCESS', async () => {
		const req = request({ authCode: alipay('01') });
		const outcome = await client.charge(req);
		expect(outcome).toMatchObject({ kind: 'pending', channel: 'alibarcodepay_pinganpay' });
		if (outcome.kind !== 'pending') return;
		expect(await client.barcodePayStatus(outcome.chargeId)).toMatchObject({
			state: 'pending',
			tradeStatus: 'WAIT_BUYER_PAY'
		});
		await sleep(CONFIRM_MS + 50);
		expect(await client.barcodePayStatus(outcome.chargeId)).toMatchObject({
			state: 'paid',
			tradeStatus: 'TRADE_SUCCESS'
		});
		expect(await waitFor(() => notificationsFor(req.orderNo).length === 1)).toBe(true);
		expect(notificationsFor(req.orderNo)[0]!.fields.channel).toBe('alibarcodepay_pinganpay');
	});

	it.each([
		['WeChat', wechat('02'), 'USERPAYING', 'PAYERROR'],
		['Alipay', alipay('02'), 'WAIT_BUYER_PAY', 'TRADE_CLOSED']
	])(
		'02 (%s): waits, then fails with %s→%s and an is_success=false notification',
		async (_w, code, waiting, failed) => {
			const req = request({ authCode: code });
			const outcome = await client.charge(req);
			expect(outcome.kind).toBe('pending');
			if (outcome.kind !== 'pending') return;
			expect(await client.barcodePayStatus(outcome.chargeId)).toMatchObject({
				tradeStatus: waiting
			});
			expect(await waitFor(() => notificationsFor(req.orderNo).length === 1)).toBe(true);
			const n = notificationsFor(req.orderNo)[0]!.fields;
			expect(n.is_success).toBe('false');
			expect(n.pay_time).toBe('');
			expect(verify(n, SECRET)).toBe(true);
			expect(await client.barcodePayStatus(outcome.chargeId)).toMatchObject({
				kind: 'status',
				state: 'failed',
				tradeStatus: failed
			});
		}
	);

	it('03: the customer never confirms, the charge stays waiting, no notification', async () => {
		const req = request({ authCode: wechat('03') });
		const outcome = await client.charge(req);
		expect(outcome.kind).toBe('pending');
		if (outcome.kind !== 'pending') return;
		await sleep(CONFIRM_MS * 2);
		expect(await client.barcodePayStatus(outcome.chargeId)).toMatchObject({
			state: 'pending',
			tradeStatus: 'USERPAYING'
		});
		expect(notificationsFor(req.orderNo)).toHaveLength(0);
	});

	it('04: refused at once with the error text; no charge; the order number stays free', async () => {
		const before = sandbox.chargeCallCount;
		const req = request({ authCode: wechat('04') });
		const outcome = await client.charge(req);
		expect(outcome).toMatchObject({ kind: 'refused', httpStatus: 200 });
		if (outcome.kind !== 'refused') return;
		expect(outcome.error).toContain('余额不足');
		expect(sandbox.chargeCallCount).toBe(before);
		expect(chargeOf(req.orderNo)).toBeUndefined();
		expect(await client.charge({ ...req, authCode: wechat('00') })).toMatchObject({ kind: 'paid' });
	});

	it('05: the reply comes after the client timeout: unknown, yet status says paid', async () => {
		const req = request({ authCode: wechat('05') });
		const started = Date.now();
		const outcome = await client.charge(req);
		const took = Date.now() - started;
		expect(outcome).toMatchObject({ kind: 'unknown', httpStatus: null });
		if (outcome.kind !== 'unknown') return;
		expect(outcome.reason).toMatch(/timeout after 500 ms/);
		expect(outcome.reason).not.toMatch(/not sent/);
		expect(took).toBeGreaterThanOrEqual(CLIENT_TIMEOUT_MS - 20);
		expect(took).toBeLessThan(SLOW_REPLY_MS);

		const charge = chargeOf(req.orderNo);
		expect(charge?.state).toBe('paid');
		expect(await client.barcodePayStatus(charge!.charge_id)).toMatchObject({
			kind: 'status',
			state: 'paid',
			tradeStatus: 'SUCCESS'
		});
		expect(await waitFor(() => notificationsFor(req.orderNo).length === 1)).toBe(true);
		// The notification may come before the charge reply: it came here before the timeout.
		expect(notificationsFor(req.orderNo)[0]!.at - started).toBeLessThan(SLOW_REPLY_MS);
	});

	it('05 with a per-call timeout longer than the delay: paid', async () => {
		sandbox.setTiming({ slowReplyMs: 300 });
		try {
			const outcome = await client.charge(request({ authCode: wechat('05') }), { timeoutMs: 2000 });
			expect(outcome.kind).toBe('paid');
		} finally {
			sandbox.setTiming({ slowReplyMs: SLOW_REPLY_MS });
		}
	});

	it('06: paid at once, but no notification is ever sent', async () => {
		const req = request({ authCode: wechat('06') });
		expect(await client.charge(req)).toMatchObject({ kind: 'paid' });
		await sleep(300);
		expect(notificationsFor(req.orderNo)).toHaveLength(0);
		expect(chargeOf(req.orderNo)?.notifications).toMatchObject({ planned: 0, attempts: 0 });
	});

	it('07: paid, the same notification arrives twice', async () => {
		const req = request({ authCode: alipay('07') });
		expect(await client.charge(req)).toMatchObject({ kind: 'paid' });
		expect(await waitFor(() => notificationsFor(req.orderNo).length === 2)).toBe(true);
		const [first, second] = notificationsFor(req.orderNo);
		expect(second!.fields).toEqual(first!.fields);
		expect(verify(second!.fields, SECRET)).toBe(true);
		await sleep(100);
		expect(notificationsFor(req.orderNo)).toHaveLength(2);
	});

	it('08: HTTP 502 with an HTML body is unknown; no charge is created', async () => {
		const before = sandbox.chargeCallCount;
		const req = request({ authCode: wechat('08') });
		const outcome = await client.charge(req);
		expect(outcome).toMatchObject({ kind: 'unknown', httpStatus: 502 });
		if (outcome.kind !== 'unknown') return;
		expect(outcome.reason).toContain('502');
		expect(String(outcome.raw)).toContain('Bad Gateway');
		expect(sandbox.chargeCallCount).toBe(before);
		expect(chargeOf(req.orderNo)).toBeUndefined();
	});

	it('any other ending: paid at once; a code of another shape answers like WeChat', async () => {
		expect(await client.charge(request({ authCode: wechat('42') }))).toMatchObject({
			kind: 'paid',
			channel: 'wxbarcodepay_pinganpay'
		});
		expect(await client.charge(request({ authCode: '6901234567892' }))).toMatchObject({
			kind: 'paid',
			channel: 'wxbarcodepay_pinganpay'
		});
		expect(await client.charge(request({ authCode: alipay('99') }))).toMatchObject({
			kind: 'paid',
			channel: 'alibarcodepay_pinganpay'
		});
	});
});

describe('refusals', () => {
	it('a bad signature is refused, naming sign', async () => {
		const wrong = createTeegonClient(
			{ baseUrl: sandbox.url, clientId: CLIENT_ID, clientSecret: 'not-the-secret' },
			{ log: () => {} }
		);
		try {
			const outcome = await wrong.charge(request({ authCode: wechat('00') }));
			expect(outcome).toMatchObject({ kind: 'refused' });
			if (outcome.kind === 'refused') expect(outcome.error).toMatch(/^sign:/);
			expect(await wrong.barcodePayStatus('whatever')).toMatchObject({
				kind: 'error',
				error: expect.stringMatching(/^sign:/) as unknown
			});
		} finally {
			wrong.close();
		}
	});

	it('an unknown client_id is refused, naming client_id', async () => {
		const stranger = createTeegonClient(
			{ baseUrl: sandbox.url, clientId: 'someone-else', clientSecret: SECRET },
			{ log: () => {} }
		);
		try {
			const outcome = await stranger.charge(request({ authCode: wechat('00') }));
			expect(outcome).toMatchObject({ kind: 'refused' });
			if (outcome.kind === 'refused') expect(outcome.error).toMatch(/^client_id:/);
		} finally {
			stranger.close();
		}
	});

	it('a request without sign is refused', async () => {
		const res = await fetch(`${sandbox.url}/v1/charge/`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(chargeParams({})).toString()
		});
		expect(await res.json()).toEqual({ error: 'sign: missing', result: '' });
	});

	it('a signed field changed in transit is refused', async () => {
		const params = signed(chargeParams({}), SECRET);
		params.amount = '100.00';
		const res = await fetch(`${sandbox.url}/v1/charge/`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(params).toString()
		});
		expect(((await res.json()) as { error: string }).error).toMatch(/^sign:/);
	});

	it('a reused order number is refused', async () => {
		const req = request({ authCode: wechat('00') });
		expect(await client.charge(req)).toMatchObject({ kind: 'paid' });
		const again = await client.charge({ ...req, authCode: wechat('11') });
		expect(again).toMatchObject({
			kind: 'refused',
			error: expect.stringMatching(/^order_no:/) as unknown
		});
	});

	it('a status query for an unknown charge_id is an error', async () => {
		expect(await client.barcodePayStatus('nosuchcharge000000000000')).toMatchObject({
			kind: 'error',
			error: expect.stringMatching(/^charge_id:/) as unknown
		});
	});
});

describe('parameter validation', () => {
	it.each(['notify_url', 'order_no', 'channel', 'amount', 'subject', 'auth_code'])(
		'a missing %s is refused, naming it',
		async (name) => {
			const params = chargeParams({});
			delete params[name];
			const { json } = await rawPost('/v1/charge/', params);
			expect(json).toEqual({ error: `${name}: missing`, result: '' });
		}
	);

	it.each([
		['amount 0 (sent as "0.00")', { amount: '0.00' }, /^amount: must be more than 0/],
		['amount "1.234"', { amount: '1.234' }, /^amount: more than two decimals/],
		['amount "-1.00"', { amount: '-1.00' }, /^amount: not a number/],
		['amount "abc"', { amount: 'abc' }, /^amount: not a number/],
		['amount "1e3"', { amount: '1e3' }, /^amount: not a number/],
		['channel other than barcode_pay', { channel: 'wxpay' }, /^channel:/],
		['order_no of 65 characters', { order_no: 'x'.repeat(65) }, /^order_no: longer than 64/],
		['subject of 129 characters', { subject: '商'.repeat(129) }, /^subject: longer than 128/],
		['metadata of 513 characters', { metadata: 'm'.repeat(513) }, /^metadata: longer than 512/],
		['auth_code of 25 digits', { auth_code: '1'.repeat(25) }, /^auth_code: longer than 24/],
		['notify_url that is not a URL', { notify_url: 'not a url' }, /^notify_url:/]
	])('%s is refused', async (_what, overrides, error) => {
		const { status, json } = await rawPost('/v1/charge/', chargeParams(overrides));
		expect(status).toBe(200);
		expect(json.result).toBe('');
		expect(json.error).toMatch(error);
	});

	it('the client sends amount 0 as "0.00", which is refused', async () => {
		const outcome = await client.charge(request({ authCode: wechat('00'), amount: 0 }));
		expect(outcome).toMatchObject({
			kind: 'refused',
			error: expect.stringMatching(/^amount:/) as unknown
		});
	});

	it('a subject of exactly 128 characters (non-ASCII) and metadata of 512 are accepted', async () => {
		const outcome = await client.charge(
			request({ authCode: wechat('00'), subject: '商'.repeat(128), metadata: 'm'.repeat(512) })
		);
		expect(outcome.kind).toBe('paid');
	});

	it('the client refuses to send an amount that is not whole fen', async () => {
		await expect(client.charge(request({ authCode: wechat('00'), amount: 1.5 }))).rejects.toThrow(
			RangeError
		);
	});
});

describe('transport failures', () => {
	it('a closed port: the charge was not sent (nothing can have happened); a query is unknown', async () => {
		const probe = http.createServer();
		await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
		const port = (probe.address() as AddressInfo).port;
		await new Promise<void>((resolve) => probe.close(() => resolve()));

		const closed = createTeegonClient(
			{ baseUrl: `http://127.0.0.1:${port}`, clientId: CLIENT_ID, clientSecret: SECRET },
			{ log: () => {} }
		);
		try {
			const outcome = await closed.charge(request({ authCode: wechat('00') }));
			expect(outcome.kind).toBe('not_sent');
			if (outcome.kind === 'not_sent') expect(outcome.reason).toMatch(/^not sent: .*ECONNREFUSED/);
			const status = await closed.barcodePayStatus('c1');
			expect(status.kind).toBe('unknown');
		} finally {
			closed.close();
		}
	});

	it('a connection not made within the connect timeout: not sent', async () => {
		// A name that takes 600 ms to resolve: DNS counts toward the connect timeout.
		const slowDns: LookupFunction = (_host, _opts, callback) => {
			setTimeout(() => callback(null, [{ address: '127.0.0.1', family: 4 }]), 600);
		};
		const slow = createTeegonClient(
			{
				baseUrl: `http://teegon.invalid:${sandbox.port}`,
				clientId: CLIENT_ID,
				clientSecret: SECRET,
				connectTimeoutMs: 150
			},
			{ log: () => {}, lookup: slowDns }
		);
		try {
			const before = sandbox.chargeCallCount;
			const started = Date.now();
			const outcome = await slow.charge(request({ authCode: wechat('00') }));
			expect(outcome).toEqual({
				kind: 'not_sent',
				reason: 'not sent: connect timeout after 150 ms'
			});
			expect(Date.now() - started).toBeLessThan(550);
			await sleep(700);
			expect(sandbox.chargeCallCount).toBe(before);
		} finally {
			slow.close();
		}
	});

	it('a connection reset after the request was sent is unknown, not "not sent"', async () => {
		const rude = http.createServer((req) => {
			req.resume();
			req.on('end', () => req.socket.destroy());
		});
		await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
		const c = createTeegonClient(
			{
				baseUrl: `http://127.0.0.1:${(rude.address() as AddressInfo).port}`,
				clientId: CLIENT_ID,
				clientSecret: SECRET
			},
			{ log: () => {} }
		);
		try {
			const outcome = await c.charge(request({ authCode: wechat('00') }));
			expect(outcome.kind).toBe('unknown');
			if (outcome.kind === 'unknown') expect(outcome.reason).not.toMatch(/not sent/);
		} finally {
			c.close();
			await new Promise<void>((resolve) => rude.close(() => resolve()));
		}
	});

	it('an aborted call is unknown', async () => {
		const controller = new AbortController();
		const pending = client.charge(request({ authCode: wechat('05') }), {
			signal: controller.signal
		});
		setTimeout(() => controller.abort(), 50);
		const outcome = await pending;
		expect(outcome.kind).toBe('unknown');
		if (outcome.kind === 'unknown') expect(outcome.reason).toBe('aborted');
	});

	it('a closed client sends nothing', async () => {
		const c = createTeegonClient(
			{ baseUrl: sandbox.url, clientId: CLIENT_ID, clientSecret: SECRET },
			{ log: () => {} }
		);
		c.close();
		const before = sandbox.chargeCallCount;
		expect(await c.charge(request({ authCode: wechat('00') }))).toEqual({
			kind: 'not_sent',
			reason: 'not sent: client closed'
		});
		expect(sandbox.chargeCallCount).toBe(before);
	});
});

describe('notifications', () => {
	it('are signed form posts without Origin, carrying every field, is_success as text', async () => {
		const metadata = JSON.stringify({ sale_id: 's-1', note: 'a+b=c & d' });
		const req = request({ authCode: wechat('00'), amount: 1234, metadata, subject: '中文商品' });
		const outcome = await client.charge(req);
		expect(outcome.kind).toBe('paid');
		expect(await waitFor(() => notificationsFor(req.orderNo).length === 1)).toBe(true);
		const n = notificationsFor(req.orderNo)[0]!;
		expect(n.headers.origin).toBeUndefined();
		expect(n.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		for (const name of NOTIFICATION_FIELDS) expect(n.fields).toHaveProperty(name);
		expect(verify(n.fields, SECRET)).toBe(true);
		expect(verify(n.fields, 'another-secret')).toBe(false);
		expect(n.fields.is_success).toBe('true');
		expect(n.fields.metadata).toBe(metadata);
		expect(n.fields.amount).toBe('12.34');
		expect(n.fields.real_amount).toMatch(/^\d+\.\d\d$/);
		expect(n.fields.pay_time).toMatch(/^\d{10}$/);
		expect(n.fields.timestamp).toMatch(/^\d{10}$/);
		expect(n.fields.sign).toMatch(/^[0-9A-F]{32}$/);
	});

	it('are retried until HTTP 200: 500, 500, 200 makes three attempts', async () => {
		const req = request({ authCode: wechat('00') });
		answers.set(req.orderNo, [500, 500]);
		expect(await client.charge(req)).toMatchObject({ kind: 'paid' });
		expect(await waitFor(() => chargeOf(req.orderNo)?.notifications.delivered === 1)).toBe(true);
		expect(notificationsFor(req.orderNo)).toHaveLength(3);
		expect(chargeOf(req.orderNo)?.notifications).toMatchObject({
			planned: 1,
			attempts: 3,
			delivered: 1,
			last_status: 200
		});
		const bodies = new Set(notificationsFor(req.orderNo).map((n) => n.body));
		expect(bodies.size).toBe(1);
	});

	it('stop after notifyMaxAttempts', async () => {
		const req = request({ authCode: wechat('00') });
		answers.set(req.orderNo, Array<number>(20).fill(503));
		expect(await client.charge(req)).toMatchObject({ kind: 'paid' });
		expect(await waitFor(() => notificationsFor(req.orderNo).length === 5)).toBe(true);
		await sleep(150);
		expect(notificationsFor(req.orderNo)).toHaveLength(5);
		expect(chargeOf(req.orderNo)?.notifications).toMatchObject({
			attempts: 5,
			delivered: 0,
			last_status: 503
		});
	});

	it('makeNotification forges notifications that verify', () => {
		const forged = makeNotification({ order_no: 'o1', is_success: 'true', sign: 'stale' }, SECRET);
		expect(verify(forged, SECRET)).toBe(true);
		expect(forged.sign).not.toBe('stale');
	});
});

describe('the client', () => {
	it('logs one line per call: request id, call, ids, outcome, ms; never the secret, the sign or the whole code', async () => {
		const req = request({ authCode: wechat('00') });
		const outcome = await client.charge(req, { requestId: 'rid-test-1' });
		expect(outcome.kind).toBe('paid');
		const line = logLines.find((l) => l.includes('rid=rid-test-1'));
		expect(line).toBeDefined();
		expect(line).toContain('call=charge');
		expect(line).toContain(`order_no=${req.orderNo}`);
		expect(line).toContain('outcome=paid');
		expect(line).toMatch(/ ms=\d+$/);
		expect(line).toContain(`auth_code=**************${req.authCode.slice(-4)}`);
		const all = logLines.join('\n');
		expect(all).not.toContain(SECRET);
		expect(all).not.toContain(req.authCode);
		expect(all).not.toMatch(/sign=|[0-9A-F]{32}/);
	});

	it('gives every call its own request id', async () => {
		const from = logLines.length;
		await Promise.all([1, 2, 3].map(() => client.charge(request({ authCode: wechat('00') }))));
		const ids = logLines.slice(from).map((l) => /rid=(\S+)/.exec(l)?.[1]);
		expect(new Set(ids).size).toBe(3);
	});

	it('handles many concurrent charges over kept-alive connections', async () => {
		const before = sandbox.chargeCallCount;
		const outcomes = await Promise.all(
			Array.from({ length: 300 }, () =>
				// A cold burst opens 300 connections at once: give it more than the 500 ms default.
				client.charge(request({ authCode: wechat('06') }), { timeoutMs: 10_000 })
			)
		);
		expect(outcomes.filter((o) => o.kind !== 'paid')).toEqual([]);
		expect(sandbox.chargeCallCount - before).toBe(300);
	});
});

describe('sandbox introspection over HTTP', () => {
	it('GET /__sandbox/charges lists charges, POST /__sandbox/reset forgets them', async () => {
		const own = await startSandbox({
			port: 0,
			clientId: CLIENT_ID,
			clientSecret: SECRET,
			confirmDelayMs: 10_000,
			slowReplyMs: 10_000,
			notifyRetryMs: 10_000,
			notifyMaxAttempts: 1
		});
		const c = createTeegonClient(
			{ baseUrl: own.url, clientId: CLIENT_ID, clientSecret: SECRET },
			{ log: () => {} }
		);
		try {
			const req = request({ authCode: wechat('01') });
			expect((await c.charge(req)).kind).toBe('pending');
			const list = (await (await fetch(`${own.url}/__sandbox/charges`)).json()) as SandboxCharge[];
			expect(list).toHaveLength(1);
			expect(list[0]).toMatchObject({
				order_no: req.orderNo,
				amount: '0.01',
				auth_code: req.authCode,
				state: 'pending',
				trade_status: 'USERPAYING'
			});
			expect(own.chargeCallCount).toBe(1);

			const reset = await fetch(`${own.url}/__sandbox/reset`, { method: 'POST' });
			expect(reset.status).toBe(200);
			expect(own.charges()).toHaveLength(0);
			expect(own.chargeCallCount).toBe(0);

			const timing = await fetch(`${own.url}/__sandbox/timing`, {
				method: 'POST',
				body: JSON.stringify({ confirmDelayMs: 5 })
			});
			expect(((await timing.json()) as { confirmDelayMs: number }).confirmDelayMs).toBe(5);
			expect(own.timing().confirmDelayMs).toBe(5);
		} finally {
			c.close();
			await own.close();
		}
	});

	it('unknown paths and methods get a Teegon-shaped error', async () => {
		const notFound = await fetch(`${sandbox.url}/v2/nothing`, { method: 'POST' });
		expect(notFound.status).toBe(404);
		const wrongMethod = await fetch(`${sandbox.url}/v1/charge/`);
		expect(wrongMethod.status).toBe(405);
		expect(((await wrongMethod.json()) as { result: string }).result).toBe('');
	});
});
