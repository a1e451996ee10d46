/**
 * Numbers the till makes up itself, so they exist offline and before the server answers.
 *
 * - Order numbers (`order_no` of a Teegon charge, ≤ 64 characters): unique per till and, with the
 *   till code in front, across the store. Built from the till code, the device's local time to the
 *   second, a per-till sequence and a random tail, so two tabs or a reset sequence still cannot
 *   collide. A retry of the same charge reuses its order number; that is what makes it idempotent
 *   (a retried order was once doubled at Odoo, #40567).
 * - Sale numbers for receipts ("T1-20261126-0042"): short, readable, a per-day sequence.
 *
 * Times are the device's local calendar (the shop's time zone), never UTC: a sale at 00:30 in
 * Shanghai belongs to that day.
 */

import { ORDER_NO_PATTERN } from '$lib/domain/order-no';
export const TILL_CODE_PATTERN = /^[A-Za-z0-9]{1,16}$/;
const RANDOM_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base 32: no I, L, O, U

export class OrderNoError extends RangeError {
	constructor(message: string) {
		super(message);
		this.name = 'OrderNoError';
	}
}

function pad(n: number, width: number): string {
	return String(n).padStart(width, '0');
}

function assertTillCode(tillCode: string): void {
	if (!TILL_CODE_PATTERN.test(tillCode)) {
		throw new OrderNoError(`till code must be 1–16 letters or digits, got "${tillCode}"`);
	}
}

function assertSeq(seq: number): void {
	if (!Number.isSafeInteger(seq) || seq < 0) {
		throw new OrderNoError(`sequence must be a whole number ≥ 0, got ${seq}`);
	}
}

/** "20261126" in the device's local calendar. */
export function localDay(at: Date): string {
	return `${at.getFullYear()}${pad(at.getMonth() + 1, 2)}${pad(at.getDate(), 2)}`;
}

/** "20261126140305" in the device's local calendar. */
export function localStamp(at: Date): string {
	return `${localDay(at)}${pad(at.getHours(), 2)}${pad(at.getMinutes(), 2)}${pad(at.getSeconds(), 2)}`;
}

/** `length` random characters of Crockford base 32 from crypto.getRandomValues. */
export function randomTail(length = 4): string {
	const bytes = new Uint8Array(length);
	globalThis.crypto.getRandomValues(bytes);
	let out = '';
	for (const b of bytes) out += RANDOM_ALPHABET[b & 31];
	return out;
}

export interface OrderNoParts {
	/** Letters and digits, 1–16: "T1", "SH02". */
	tillCode: string;
	at: Date;
	/** The till's running charge counter (persisted by the caller), ≥ 0. */
	seq: number;
	/** Default: 4 random characters. Injectable for tests. */
	random?: string;
}

/**
 * `${tillCode}${yyyyMMddHHmmss}${seq, at least 4 digits}${random}`, e.g.
 * "T120261126140305004207QZ". Always within [A-Za-z0-9_-]{1,64}.
 */
export function makeOrderNo(parts: OrderNoParts): string {
	assertTillCode(parts.tillCode);
	assertSeq(parts.seq);
	if (Number.isNaN(parts.at.getTime())) throw new OrderNoError('invalid date');
	const random = parts.random ?? randomTail();
	const orderNo = `${parts.tillCode}${localStamp(parts.at)}${pad(parts.seq, 4)}${random}`;
	if (!ORDER_NO_PATTERN.test(orderNo)) throw new OrderNoError(`bad order number "${orderNo}"`);
	return orderNo;
}

/** The daily counter of sale numbers, as the caller persists it. */
export interface DailySeq {
	/** localDay() of the last number. */
	day: string;
	/** Last number given out that day, ≥ 1. */
	seq: number;
}

/** The counter after one more sale at `at`: +1 on the same day, 1 on a new day. */
export function nextDailySeq(last: DailySeq | null, at: Date): DailySeq {
	const day = localDay(at);
	return last && last.day === day ? { day, seq: last.seq + 1 } : { day, seq: 1 };
}

/** "T1-20261126-0042": receipt number of the `seq`th sale of that day at that till. */
export function saleNumber(tillCode: string, at: Date, seq: number): string {
	assertTillCode(tillCode);
	assertSeq(seq);
	return `${tillCode}-${localDay(at)}-${pad(seq, 4)}`;
}
