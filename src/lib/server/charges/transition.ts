/**
 * How a charge's state moves when something is learned about it. Pure, so every rule is
 * unit-tested. The rules that matter for money:
 * - `paid` is final: nothing moves a charge out of it.
 * - A payment seen after the till was told the charge failed is `paid` with `late`: money
 *   taken that the owner must refund. A till shown `pending` or `unknown` is still waiting
 *   and records the sale when `paid` comes, even past the deadline.
 * - `unknown` (the charge may have gone through) is never turned into `failed` by the
 *   deadline alone; only a definitive answer from Teegon settles it.
 */
import type { ChargeFailureCode } from '../../domain/charge';
import type { Charge, ChargeState } from '../db/schema';

export type Observation =
	| {
			kind: 'paid';
			chargeId?: string | null;
			channel?: string | null;
			transactionNo?: string | null;
			paidAt?: string | null;
			status?: string;
	  }
	| { kind: 'pending'; chargeId?: string | null; channel?: string | null; status?: string }
	/** Definitive: Teegon refused the charge, reported a failed trade, or never got it. */
	| {
			kind: 'failed';
			code: ChargeFailureCode;
			reason: string;
			chargeId?: string | null;
			status?: string;
	  }
	/** The outcome could not be learned (timeout, 5xx, …). */
	| { kind: 'unknown'; reason: string; chargeId?: string | null }
	/** Asked by order_no, Teegon answered that it has no such charge (yet). */
	| { kind: 'absent'; reason: string }
	/** The deadline passed. */
	| { kind: 'deadline' };

export const DEADLINE_REASON = 'customer did not confirm in time';
export const NOT_AT_TEEGON_REASON = 'Teegon has no record of this charge';

export type ChargeChange = Partial<
	Pick<
		Charge,
		| 'state'
		| 'charge_id'
		| 'channel'
		| 'transaction_no'
		| 'paid_at'
		| 'failure'
		| 'failure_code'
		| 'late'
		| 'last_status'
		| 'absent_since'
	>
>;

export function isFinal(state: ChargeState): boolean {
	return state === 'paid' || state === 'failed';
}

/** The change to make, or null when the observation changes nothing. */
export function transition(charge: Charge, obs: Observation, now: number): ChargeChange | null {
	const change: ChargeChange = {};
	const fill = (o: { chargeId?: string | null; channel?: string | null }) => {
		if (o.chargeId && !charge.charge_id) change.charge_id = o.chargeId;
		if (o.channel && !charge.channel) change.channel = o.channel;
	};
	const status = (s: string | undefined) => {
		if (s && s !== charge.last_status) change.last_status = s;
	};
	// Teegon knows the charge after all: it is no longer missing there.
	if (obs.kind !== 'absent' && obs.kind !== 'unknown' && obs.kind !== 'deadline')
		if (charge.absent_since !== null) change.absent_since = null;
	switch (obs.kind) {
		case 'paid': {
			fill(obs);
			if (obs.transactionNo && !charge.transaction_no) change.transaction_no = obs.transactionNo;
			if (obs.paidAt && !charge.paid_at) change.paid_at = obs.paidAt;
			status(obs.status);
			if (charge.state !== 'paid') {
				change.state = 'paid';
				change.failure = null;
				change.failure_code = null;
				// The till was told it failed: money taken for a sale that did not happen.
				if (charge.state === 'failed') change.late = 1;
			}
			break;
		}
		case 'pending': {
			fill(obs);
			status(obs.status);
			// Teegon knows the charge and it is waiting for the customer: no longer unknown.
			if (charge.state === 'unknown') change.state = 'pending';
			break;
		}
		case 'failed': {
			fill(obs);
			status(obs.status);
			if (charge.state === 'pending' || charge.state === 'unknown') {
				change.state = 'failed';
				change.failure = obs.reason;
				change.failure_code = obs.code;
			}
			break;
		}
		case 'unknown': {
			fill(obs);
			if (charge.state === 'pending') {
				change.state = 'unknown';
				change.last_status = obs.reason;
			}
			break;
		}
		case 'absent': {
			if (isFinal(charge.state)) break;
			if (charge.absent_since === null) change.absent_since = now;
			status(obs.reason);
			if (charge.state === 'pending') change.state = 'unknown';
			break;
		}
		case 'deadline': {
			if (charge.state === 'pending' && now >= charge.deadline_at) {
				change.state = 'failed';
				change.failure = DEADLINE_REASON;
				change.failure_code = 'deadline';
			}
			break;
		}
	}
	return Object.keys(change).length > 0 ? change : null;
}
