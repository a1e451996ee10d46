import { describe, expect, it } from 'vitest';
import { chargeOutcome, maskAuthCode, statusOutcome } from '$lib/server/teegon/client';

const reply = (status: number, body: unknown) => ({
	ok: true as const,
	status,
	body: typeof body === 'string' ? body : JSON.stringify(body)
});

describe('chargeOutcome', () => {
	it('paid: result.paid true, with id, channel, transaction_no and time_paid', () => {
		const outcome = chargeOutcome(
			reply(200, {
				result: {
					id: 'nojzhqy4qk5qe24jot7fwulg',
					paid: true,
					channel: 'wxbarcodepay_pinganpay',
					transaction_no: '2016110418321301557421499736',
					time_paid: 1478255535
				}
			})
		);
		expect(outcome).toMatchObject({
			kind: 'paid',
			chargeId: 'nojzhqy4qk5qe24jot7fwulg',
			channel: 'wxbarcodepay_pinganpay',
			transactionNo: '2016110418321301557421499736',
			paidAt: '2016-11-04T10:32:15.000Z'
		});
	});

	it('pending: result.paid false', () => {
		expect(chargeOutcome(reply(200, { result: { id: 'c1', paid: false } }))).toMatchObject({
			kind: 'pending',
			chargeId: 'c1',
			channel: null
		});
	});

	it('accepts charge_id instead of id', () => {
		expect(chargeOutcome(reply(200, { result: { charge_id: 'c2', paid: true } }))).toMatchObject({
			kind: 'paid',
			chargeId: 'c2',
			transactionNo: null,
			paidAt: null
		});
	});

	it.each([
		{ error: '余额不足', result: '' },
		{ error: '余额不足', result: 'error' },
		{ error: '余额不足' }
	])('refused: %j', (body) => {
		expect(chargeOutcome(reply(200, body))).toMatchObject({
			kind: 'refused',
			error: '余额不足',
			httpStatus: 200
		});
	});

	it('a 4xx with an error text is refused, without one unknown', () => {
		expect(chargeOutcome(reply(400, { error: 'bad', result: '' }))).toMatchObject({
			kind: 'refused',
			httpStatus: 400
		});
		expect(chargeOutcome(reply(404, '<html>not found</html>'))).toMatchObject({
			kind: 'unknown',
			httpStatus: 404
		});
	});

	it.each([
		['5xx even with an error text', 500, { error: 'internal', result: '' }],
		['502 HTML', 502, '<html><body>502 Bad Gateway</body></html>'],
		['200 HTML', 200, '<html></html>'],
		['200 empty body', 200, ''],
		['truncated JSON', 200, '{"result": {"id": "c1", "pai'],
		['a JSON array', 200, []],
		['a JSON string', 200, 'null'],
		['result without id', 200, { result: { paid: true } }],
		['result without paid', 200, { result: { id: 'c1' } }],
		['paid as a number', 200, { result: { id: 'c1', paid: 1 } }],
		['both result and error', 200, { result: { id: 'c1', paid: true }, error: 'oops' }],
		['empty error and empty result', 200, { error: '', result: '' }],
		['null error and no result', 200, { error: null }],
		['3xx redirect', 302, ''],
		['error with an unexpected result', 200, { error: 'x', result: 42 }]
	])('unknown: %s', (_what, status, body) => {
		const outcome = chargeOutcome(reply(status, body));
		expect(outcome.kind).toBe('unknown');
	});

	it.each([
		['a result without a paid flag', { result: { id: 'c7' } }],
		['a result and an error', { result: { charge_id: 'c7', paid: true }, error: 'oops' }],
		['paid as a number', { result: { id: 'c7', paid: 1 } }]
	])('unknown, keeping the charge id for status queries: %s', (_what, body) => {
		expect(chargeOutcome(reply(200, body))).toMatchObject({ kind: 'unknown', chargeId: 'c7' });
	});

	it('not sent when the connection never came up; unknown when it did and nothing came back', () => {
		expect(
			chargeOutcome({ ok: false, reason: 'not sent: connect ECONNREFUSED', sent: false })
		).toEqual({ kind: 'not_sent', reason: 'not sent: connect ECONNREFUSED' });
		expect(chargeOutcome({ ok: false, reason: 'socket hang up', sent: true })).toEqual({
			kind: 'unknown',
			reason: 'socket hang up',
			httpStatus: null,
			raw: null
		});
		expect(chargeOutcome(reply(200, { result: { paid: true } }))).toMatchObject({
			kind: 'unknown',
			chargeId: null
		});
	});
});

describe('statusOutcome', () => {
	it('reads trade_status when error is null or absent', () => {
		const result = {
			charge_id: 'c1',
			order_no: 'o1',
			pay_channel: 'x',
			trade_status: 'TRADE_SUCCESS'
		};
		expect(statusOutcome(reply(200, { result, error: null }), 'c1')).toMatchObject({
			kind: 'status',
			state: 'paid',
			tradeStatus: 'TRADE_SUCCESS'
		});
		expect(
			statusOutcome(reply(200, { result: { ...result, trade_status: 'USERPAYING' } }), 'c1')
		).toMatchObject({
			kind: 'status',
			state: 'pending'
		});
		expect(
			statusOutcome(reply(200, { result: { ...result, trade_status: 'NEW_THING' } }), 'c1')
		).toMatchObject({
			kind: 'status',
			state: 'unknown',
			tradeStatus: 'NEW_THING'
		});
	});

	it('an error reply is an error about the query, not a failed payment', () => {
		expect(statusOutcome(reply(200, { error: 'no such charge', result: '' }), 'c1')).toMatchObject({
			kind: 'error',
			error: 'no such charge'
		});
	});

	it.each([
		['5xx', 503, { result: { trade_status: 'SUCCESS' } }],
		['HTML', 200, '<html></html>'],
		['no trade_status', 200, { result: { charge_id: 'c1' }, error: null }],
		[
			'reply about another charge',
			200,
			{ result: { charge_id: 'c9', trade_status: 'SUCCESS' }, error: null }
		],
		[
			'trade_status and an error',
			200,
			{ result: { charge_id: 'c1', trade_status: 'SUCCESS' }, error: 'x' }
		]
	])('unknown: %s', (_what, status, body) => {
		expect(statusOutcome(reply(status, body), 'c1').kind).toBe('unknown');
	});
});

describe('maskAuthCode', () => {
	it('keeps only the last four characters', () => {
		expect(maskAuthCode('134567890123456789')).toBe('**************6789');
		expect(maskAuthCode('1234')).toBe('****');
		expect(maskAuthCode('')).toBe('');
	});
});
