/** What Teegon's answers tell about a charge, as the observations transition.ts applies. */
import type { ChargeOutcome, StatusOutcome } from '../teegon/types';
import type { Observation } from './transition';

/** What a charge call's outcome tells about the charge. */
export function observeCharge(outcome: ChargeOutcome): Observation {
	switch (outcome.kind) {
		case 'paid':
			return {
				kind: 'paid',
				chargeId: outcome.chargeId,
				channel: outcome.channel,
				transactionNo: outcome.transactionNo,
				paidAt: outcome.paidAt
			};
		case 'pending':
			return { kind: 'pending', chargeId: outcome.chargeId, channel: outcome.channel };
		case 'refused':
			return { kind: 'failed', code: 'refused', reason: outcome.error, status: 'refused' };
		case 'not_sent':
			return {
				kind: 'failed',
				code: 'not_sent',
				reason: `Teegon could not be reached; nothing was charged (${outcome.reason})`
			};
		case 'unknown':
			return { kind: 'unknown', reason: outcome.reason, chargeId: outcome.chargeId ?? null };
	}
}

/**
 * What a status query's outcome tells about the charge; null when the query itself told
 * nothing. `byOrderNo`: the query named the order, not a charge id, so an `error` answer
 * means Teegon has no such charge.
 */
export function observeStatus(outcome: StatusOutcome, byOrderNo = false): Observation | null {
	if (outcome.kind === 'error')
		return byOrderNo ? { kind: 'absent', reason: `not at Teegon: ${outcome.error}` } : null;
	if (outcome.kind !== 'status') return null;
	const chargeId = outcome.chargeId;
	switch (outcome.state) {
		case 'paid':
			return { kind: 'paid', chargeId, status: outcome.tradeStatus };
		case 'failed':
			return {
				kind: 'failed',
				code: 'declined',
				reason: `Teegon: ${outcome.tradeStatus}`,
				chargeId,
				status: outcome.tradeStatus
			};
		case 'pending':
			return { kind: 'pending', chargeId, status: outcome.tradeStatus };
		case 'unknown':
			return { kind: 'unknown', reason: unlistedStatus(outcome.tradeStatus), chargeId };
	}
}

/** How a trade_status the spec does not list is kept (last_status) and shown to the owner. */
export function unlistedStatus(tradeStatus: string): string {
	return `Teegon: trade_status ${JSON.stringify(tradeStatus)} is not one the till knows`;
}
