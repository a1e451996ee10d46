/**
 * A sale as the device records it and syncs it to the server (POST /api/sales).
 * Shared by the browser and the server. All money is integer fen.
 */
import type { Fen } from './money';

export interface SaleLine {
	/** Device-generated, unique within the sale. */
	lineId: string;
	/** Catalog product id; null for an open-price item. */
	productId: string | null;
	name: string;
	barcode: string | null;
	unitPrice: Fen;
	/** Whole units. */
	quantity: number;
	/** Discount on this line, in fen (already resolved from a percent if one was given). */
	discount: Fen;
	/** unitPrice * quantity - discount. */
	total: Fen;
}

export type Tender =
	| {
			kind: 'cash';
			/** The part of the sale this tender pays. */
			amount: Fen;
			/** What the customer handed over. */
			tendered: Fen;
			/** tendered - amount. */
			change: Fen;
	  }
	| {
			kind: 'payment_code';
			amount: Fen;
			/** The charge's order_no at the till API (device-generated, unique per till). */
			orderNo: string;
			chargeId: string | null;
			wallet: 'wechat' | 'alipay' | 'unknown';
	  };

/**
 * Cash handed over may exceed what is due by at most this (¥10,000): more is a slip, most
 * often a barcode scanned or typed into the cash field (an EAN-13 reads as ¥69 billion), and
 * would record that change as given.
 */
export const MAX_CASH_CHANGE = 1_000_000;

/**
 * The largest amount of fen any amount of a sale may be (a line, a subtotal, a tender): the
 * server refuses a sale with more, so the till and the catalog keep below it.
 * ¥100,000,000: far above any till sale, far below 2^53.
 */
export const MAX_FEN = 10_000_000_000;

/** At most this many tenders pay one sale (the server refuses more). */
export const MAX_TENDERS = 20;

export interface Sale {
	/** Device-generated UUID: the idempotency key of the sync. */
	id: string;
	/** Human-readable receipt number, unique per till (e.g. "T1-20261126-0042"). */
	number: string;
	cashier: string;
	/** ISO 8601 with offset, from the device clock. */
	createdAt: string;
	lines: SaleLine[];
	/** Sum of line totals. */
	subtotal: Fen;
	/** Whole-sale discount on top of line discounts. */
	discount: Fen;
	/** subtotal - discount: what the tenders must add up to. */
	total: Fen;
	tenders: Tender[];
}

/** POST /api/sales request and reply. */
export interface SyncSalesRequest {
	sales: Sale[];
}
export interface SyncSaleResult {
	id: string;
	/** applied: stored now; duplicate: stored before (same answer as then); rejected: invalid, see error. */
	status: 'applied' | 'duplicate' | 'rejected';
	error?: { code: string; message: string; field?: string };
	/** Set when a payment-code tender does not match a paid charge of this store. */
	flagged?: string[];
}
export interface SyncSalesReply {
	results: SyncSaleResult[];
}
