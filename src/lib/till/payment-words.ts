/**
 * What the cashier is told when a payment-code charge fails: why, and what to do next, each said
 * once. Chosen by the charge's `failure_code` and the API's error codes, never by the English
 * text meant for logs; a wallet's own refusal (Teegon's `error`, mostly Chinese) is matched to
 * words the cashier can act on where it is a known one.
 */
import { refusalKey, type MessageKey, type MessageVars, type RefusalKey } from '$lib/i18n';
import type { PaymentFailure } from './payment';

export interface Words {
	key: MessageKey;
	vars?: MessageVars;
}

export interface FailureWords {
	why: Words;
	/** What to do next. */
	advice: MessageKey;
}

/** Refusals where a fresh code will not help: another card, another wallet, or cash. */
const OTHER_METHOD: ReadonlySet<RefusalKey> = new Set([
	'insufficientBalance',
	'limitExceeded',
	'riskControl',
	'accountRestricted',
	'bankError'
]);
/** Refusals that are the shop's set-up, not the customer's. */
const SET_UP: ReadonlySet<RefusalKey> = new Set(['signError', 'notAuthorized']);

export function failureWords(failure: PaymentFailure | null): FailureWords {
	const rescan: MessageKey = 'payment.adviceRescan';
	if (!failure) return { why: { key: 'payment.refusedNoReason' }, advice: rescan };
	switch (failure.kind) {
		case 'charge_failed':
			switch (failure.code) {
				case 'declined':
					return { why: { key: 'payment.declined' }, advice: rescan };
				case 'deadline':
					return { why: { key: 'payment.timedOut' }, advice: rescan };
				case 'not_sent':
					return { why: { key: 'payment.notSent' }, advice: rescan };
				case 'not_at_teegon':
					return { why: { key: 'payment.notAtTeegon' }, advice: rescan };
				case 'refused':
				case null: {
					const text = failure.reason?.trim() ?? '';
					const known = text ? refusalKey(text) : null;
					if (!known)
						return text
							? { why: { key: 'payment.refused', vars: { reason: text } }, advice: rescan }
							: { why: { key: 'payment.refusedNoReason' }, advice: rescan };
					return {
						why: { key: `refusal.${known}` },
						advice: OTHER_METHOD.has(known)
							? 'payment.adviceOtherMethod'
							: SET_UP.has(known)
								? 'payment.adviceSetUp'
								: rescan
					};
				}
			}
			break;
		case 'not_sent':
			return { why: { key: 'payment.notSent' }, advice: rescan };
		case 'not_recorded':
			return { why: { key: 'payment.notRecorded' }, advice: 'payment.adviceReload' };
		case 'rejected': {
			const { code, field } = failure.error;
			if (code === 'auth_code_used') return { why: { key: 'payment.codeUsed' }, advice: rescan };
			if (code === 'invalid' && field === 'amount')
				return { why: { key: 'payment.rejectedAmount' }, advice: 'payment.adviceSplit' };
			if (code === 'order_no_taken' || code === 'order_no_conflict' || code === 'conflict')
				return { why: { key: 'payment.rejectedOrder' }, advice: rescan };
			return { why: { key: 'payment.rejected' }, advice: rescan };
		}
	}
	return { why: { key: 'payment.refusedNoReason' }, advice: rescan };
}
