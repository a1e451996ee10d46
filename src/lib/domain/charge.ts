/**
 * A payment-code charge as the till API shows it (POST /api/charges, GET /api/charges/{order_no}).
 * Shared by the server, which makes it, and the till screen, which reads it.
 */

export type ChargeState = 'pending' | 'paid' | 'failed' | 'unknown';

export interface ChargeView {
	order_no: string;
	state: ChargeState;
	/** Yuan text, "23.45". */
	amount: string;
	charge_id: string | null;
	channel: string | null;
	wallet: string;
	paid_at: string | null;
	failure: string | null;
	/** Paid after the till had given up: the owner must refund it. */
	late: boolean;
	/** Things the owner must look at, e.g. "amount_mismatch". */
	flags: string[];
	created_at: string;
	deadline_at: string;
}
