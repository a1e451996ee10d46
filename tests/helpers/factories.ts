/**
 * Test data built once: a charge as the till API shows it, and a charge row as the server
 * stores it. Suites override what their case is about and take the rest from here.
 */
import type { ChargeState, ChargeView } from '../../src/lib/domain/charge';
import type { Charge } from '../../src/lib/server/db/schema';

export const T0 = 1_800_000_000_000;

export function chargeView(over: Partial<ChargeView> & { state?: ChargeState } = {}): ChargeView {
	const state = over.state ?? 'pending';
	const orderNo = over.order_no ?? 'T1202611261403050042ABCD';
	return {
		order_no: orderNo,
		state,
		amount: '23.45',
		charge_id: state === 'paid' ? `ch_${orderNo.slice(-6)}` : null,
		channel: 'wxpay',
		wallet: 'wechat',
		paid_at: null,
		failure: state === 'failed' ? 'customer did not confirm in time' : null,
		failure_code: state === 'failed' ? 'deadline' : null,
		late: false,
		flags: [],
		created_at: new Date(T0).toISOString(),
		deadline_at: new Date(T0 + 60_000).toISOString(),
		...over
	};
}

export function chargeRow(over: Partial<Charge> = {}): Charge {
	return {
		id: 'c1',
		store_id: 's',
		till_id: 't',
		order_no: 'O1',
		amount: 2345,
		subject: 's',
		auth_code_hash: 'h',
		auth_code_last4: '0000',
		wallet: 'wechat',
		metadata: null,
		request_hash: 'r',
		state: 'pending',
		charge_id: null,
		channel: null,
		transaction_no: null,
		paid_at: null,
		failure: null,
		failure_code: null,
		late: 0,
		flags: null,
		last_status: null,
		created_at: T0,
		updated_at: T0,
		deadline_at: T0 + 60_000,
		sent_at: T0,
		next_check_at: null,
		checks: 0,
		rev: 0,
		lease_owner: null,
		lease_until: null,
		absent_since: null,
		...over
	};
}
