/**
 * A payment-code charge as the till API shows it (POST /api/charges, GET /api/charges/{order_no}).
 * Shared by the server, which makes it, and the till screen, which reads it.
 */

export type ChargeState = 'pending' | 'paid' | 'failed' | 'unknown';

/**
 * Why a charge failed, for programs: the till chooses the cashier's words by it, never by the
 * text in `failure`, which is for people (Teegon's own words, or ours).
 * - `refused`: Teegon refused the charge outright (its `error` text is in `failure`);
 * - `declined`: the wallet reported the trade failed or closed (PAYERROR, TRADE_CLOSED, …);
 * - `deadline`: the customer did not confirm on the phone in time;
 * - `not_sent`: the request certainly never reached Teegon (connection refused, DNS);
 * - `not_at_teegon`: the request may have reached Teegon, but Teegon has no such charge.
 */
export type ChargeFailureCode = 'refused' | 'declined' | 'deadline' | 'not_sent' | 'not_at_teegon';

export const CHARGE_FAILURE_CODES: readonly ChargeFailureCode[] = [
	'refused',
	'declined',
	'deadline',
	'not_sent',
	'not_at_teegon'
];

export interface ChargeView {
	order_no: string;
	state: ChargeState;
	/** Yuan text, "23.45". */
	amount: string;
	charge_id: string | null;
	channel: string | null;
	wallet: string;
	/** ISO 8601, when the wallet took the money. */
	paid_at: string | null;
	/** Set when `state` is failed: why, in words (see failure_code). */
	failure: string | null;
	failure_code: ChargeFailureCode | null;
	/** Paid after the till had given up: the owner must refund it. */
	late: boolean;
	/** Things the owner must look at, e.g. "amount_mismatch". */
	flags: string[];
	created_at: string;
	deadline_at: string;
}
