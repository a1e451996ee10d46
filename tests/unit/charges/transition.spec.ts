import { describe, expect, test } from 'vitest';
import {
	DEADLINE_REASON,
	transition,
	type Observation
} from '../../../src/lib/server/charges/transition';
import type { Charge } from '../../../src/lib/server/db/schema';
import { chargeRow, T0 } from '../../helpers/factories';

function charge(over: Partial<Charge> = {}): Charge {
	return chargeRow(over);
}
const paid: Observation = { kind: 'paid', chargeId: 'ch1', status: 'SUCCESS' };

describe('charge state transitions', () => {
	test('pending → paid before the deadline is not late', () => {
		const change = transition(charge(), paid, T0 + 1000);
		expect(change).toMatchObject({ state: 'paid', charge_id: 'ch1' });
		expect(change).not.toHaveProperty('late');
	});
	test('failed at the deadline, then paid → paid and late', () => {
		const c = charge({ state: 'failed', failure: DEADLINE_REASON });
		expect(transition(c, paid, T0 + 70_000)).toMatchObject({
			state: 'paid',
			late: 1,
			failure: null
		});
	});
	test('paid seen past the deadline while the till still waits (pending or unknown) → paid, not late', () => {
		// The customer confirmed at 59 s; the check at the deadline learns it 150 ms later,
		// before the deadline failed the charge: the till gets `paid` and records the sale.
		const pending = transition(charge(), paid, T0 + 60_150);
		expect(pending).toMatchObject({ state: 'paid' });
		expect(pending).not.toHaveProperty('late');
		const unknown = transition(charge({ state: 'unknown' }), paid, T0 + 600_000);
		expect(unknown).toMatchObject({ state: 'paid' });
		expect(unknown).not.toHaveProperty('late');
	});
	test('paid is final: a failure or unknown afterwards changes the state of nothing', () => {
		const c = charge({ state: 'paid', charge_id: 'ch1', last_status: 'SUCCESS' });
		expect(
			transition(c, { kind: 'failed', code: 'declined', reason: 'x', status: 'SUCCESS' }, T0)
		).toBeNull();
		expect(transition(c, { kind: 'unknown', reason: 'timeout' }, T0)).toBeNull();
		expect(transition(c, { kind: 'deadline' }, T0 + 100_000)).toBeNull();
		expect(transition(c, paid, T0)).toBeNull();
	});
	test('the deadline fails a pending charge but never an unknown one', () => {
		expect(transition(charge(), { kind: 'deadline' }, T0 + 60_000)).toEqual({
			state: 'failed',
			failure: DEADLINE_REASON,
			failure_code: 'deadline'
		});
		expect(transition(charge(), { kind: 'deadline' }, T0 + 59_999)).toBeNull();
		expect(transition(charge({ state: 'unknown' }), { kind: 'deadline' }, T0 + 120_000)).toBeNull();
	});
	test('an unknown charge that Teegon reports waiting is pending again; a definitive failure fails it', () => {
		expect(
			transition(
				charge({ state: 'unknown' }),
				{ kind: 'pending', chargeId: 'ch1', status: 'USERPAYING' },
				T0
			)
		).toMatchObject({ state: 'pending', charge_id: 'ch1' });
		expect(
			transition(
				charge({ state: 'unknown' }),
				{ kind: 'failed', code: 'declined', reason: 'Teegon: PAYERROR', status: 'PAYERROR' },
				T0
			)
		).toMatchObject({ state: 'failed', failure: 'Teegon: PAYERROR' });
	});
	test('a pending charge whose call is unknown becomes unknown; a failed one stays failed', () => {
		expect(transition(charge(), { kind: 'unknown', reason: 'timeout' }, T0)).toMatchObject({
			state: 'unknown'
		});
		expect(
			transition(
				charge({ state: 'failed', failure: 'refused' }),
				{ kind: 'unknown', reason: 'timeout' },
				T0
			)
		).toBeNull();
	});
	test('a known charge id is never overwritten', () => {
		expect(
			transition(charge({ charge_id: 'first' }), { kind: 'pending', chargeId: 'second' }, T0)
		).toBeNull();
	});
});
