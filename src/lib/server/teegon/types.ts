/** Typed values of Teegon's barcode-pay calls (docs/teegon.md). */
import type { Fen } from '$lib/domain/money';

export interface TeegonClientConfig {
	baseUrl: string;
	clientId: string;
	clientSecret: string;
	/** Time to establish the TCP/TLS connection. Default 3000 ms. */
	connectTimeoutMs?: number;
	/** Time for the whole request, reply included. Default 8000 ms. */
	timeoutMs?: number;
}

export interface TeegonChargeRequest {
	orderNo: string;
	amount: Fen;
	subject: string;
	authCode: string;
	notifyUrl: string;
	/** JSON text, at most 512 bytes; returned in the notification. */
	metadata?: string;
	clientIp?: string;
}

export type { Wallet } from '../../domain/payment-code';

/** What a charge call ended in. `unknown` is never a refusal: the money may have moved. */
export type ChargeOutcome =
	| {
			kind: 'paid';
			chargeId: string;
			channel: string | null;
			transactionNo: string | null;
			paidAt: string | null;
			raw: unknown;
	  }
	| { kind: 'pending'; chargeId: string; channel: string | null; raw: unknown }
	| { kind: 'refused'; error: string; httpStatus: number; raw: unknown }
	/** Not one byte reached Teegon (connection refused, DNS, connect timeout): nothing happened there. */
	| { kind: 'not_sent'; reason: string }
	/**
	 * `chargeId`: the id an odd reply still carried (a result without a paid flag, say), so the
	 * charge can be settled by status queries; without one only a notification can settle it.
	 */
	| {
			kind: 'unknown';
			reason: string;
			httpStatus: number | null;
			raw: unknown;
			chargeId?: string | null;
	  };

/** The meaning of a trade_status. Anything not listed in the spec is `pending`. */
/** `unknown`: a trade_status the spec does not list; "not known yet", never paid or failed. */
export type TradeState = 'paid' | 'failed' | 'pending' | 'unknown';

/** What a barcode_pay_status call ended in. */
export type StatusOutcome =
	| {
			kind: 'status';
			state: TradeState;
			tradeStatus: string;
			/** The charge the reply is about (result.charge_id), if it names one. */
			chargeId: string | null;
			/** result.order_no, if the reply names one. */
			orderNo: string | null;
			raw: unknown;
	  }
	/** Teegon answered with an `error` for the query itself: the payment's state is not known. */
	| { kind: 'error'; error: string; httpStatus: number; raw: unknown }
	| { kind: 'unknown'; reason: string; httpStatus: number | null; raw: unknown };

/** What the charge service needs of a Teegon client (createTeegonClient in client.ts). */
export interface TeegonApi {
	charge(req: TeegonChargeRequest, opts?: { timeoutMs?: number }): Promise<ChargeOutcome>;
	barcodePayStatus(chargeId: string, opts?: { timeoutMs?: number }): Promise<StatusOutcome>;
	/**
	 * The same query naming the merchant's order_no instead of a charge id, for a charge whose
	 * reply was lost: the spec's query names charge_id only; the till sends order_no in its
	 * place and reads an `error` answer as "Teegon has no such charge" (README, "How a payment
	 * is settled").
	 */
	barcodePayStatusByOrderNo(orderNo: string, opts?: { timeoutMs?: number }): Promise<StatusOutcome>;
	close(): void;
}
