/**
 * What a scanned string is: a customer's payment code (shapes in $lib/domain/payment-code) or a
 * product barcode. GTINs have their check digit verified: a misread must never add the wrong
 * product. The lengths do not clash: EAN-8 = 8, UPC-A = 12, EAN-13 = 13, payment codes ≥ 16.
 */
import { ALIPAY_CODE, WECHAT_CODE } from '$lib/domain/payment-code';

export type ScanKind = 'wechat' | 'alipay' | 'ean13' | 'ean8' | 'upca' | 'other';

/**
 * Why a code is 'other' when it is not just a shop's own code: `bad_check_digit` is a 12- or
 * 13-digit code whose check digit is wrong (a misread: ask for a rescan, never add a product).
 */
export type OtherReason = 'bad_check_digit' | 'empty';

export type ScanClass =
	| { kind: 'wechat' | 'alipay'; code: string }
	| {
			kind: 'ean13' | 'ean8' | 'upca';
			code: string;
			/**
			 * Forms of the same GTIN to look up in the catalog, the scanned one first: UPC-A
			 * 036000291452 is also EAN-13 0036000291452, and the other way round.
			 */
			lookup: string[];
	  }
	| { kind: 'other'; code: string; reason?: OtherReason };

export type PaymentCodeClass = Extract<ScanClass, { kind: 'wechat' | 'alipay' }>;

const DIGITS = /^\d+$/;

/** Full-width digits and letters (an IME in full-width mode) to ASCII; whitespace trimmed. */
export function normalizeScan(raw: string): string {
	return raw
		.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
		.replace(/\u3000/g, ' ')
		.trim();
}

/** GS1 mod-10 check digit of `body` (the digits before the check digit). */
export function gtinCheckDigit(body: string): number {
	let sum = 0;
	// Weights 3, 1, 3, ... from the rightmost digit of the body.
	for (let i = body.length - 1, w = 3; i >= 0; i--, w = 4 - w) {
		sum += (body.charCodeAt(i) - 48) * w;
	}
	return (10 - (sum % 10)) % 10;
}

export function hasValidCheckDigit(code: string): boolean {
	if (!DIGITS.test(code) || code.length < 2) return false;
	return gtinCheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

const GTIN_KIND: Record<number, 'ean8' | 'upca' | 'ean13'> = { 8: 'ean8', 12: 'upca', 13: 'ean13' };

export function classifyScan(raw: string): ScanClass {
	const code = normalizeScan(raw);
	if (!code) return { kind: 'other', code, reason: 'empty' };
	if (WECHAT_CODE.test(code)) return { kind: 'wechat', code };
	if (ALIPAY_CODE.test(code)) return { kind: 'alipay', code };
	const gtin = DIGITS.test(code) ? GTIN_KIND[code.length] : undefined;
	if (gtin) {
		if (!hasValidCheckDigit(code)) {
			// Eight digits with a wrong check digit are as likely a shop's own code as a misread.
			return gtin === 'ean8'
				? { kind: 'other', code }
				: { kind: 'other', code, reason: 'bad_check_digit' };
		}
		const lookup = [code];
		if (gtin === 'upca') lookup.push(`0${code}`);
		if (gtin === 'ean13' && code.startsWith('0')) lookup.push(code.slice(1));
		return { kind: gtin, code, lookup };
	}
	return { kind: 'other', code };
}

/**
 * Whether an unknown code may be taken as a new (open-price) item: anything but digits (a shop's
 * own label, whose symbology the scanner checked), or a whole GTIN (8, 12, 13 or 14 digits with
 * its check digit). Other digits are a misread: most often a scan whose first digits were lost
 * when the device was busy, and a fragment of a code must never become an item.
 */
export function mayBeNewItem(code: string): boolean {
	if (!DIGITS.test(code)) return true;
	return [8, 12, 13, 14].includes(code.length) && hasValidCheckDigit(code);
}

export function isPaymentCode(scan: ScanClass): scan is PaymentCodeClass {
	return scan.kind === 'wechat' || scan.kind === 'alipay';
}
