/**
 * The short codes a till puts on what it numbers itself (order-no.ts): a readable receipt code
 * from the till's name ("1号收银台" → "T1") and, for order numbers, that code plus a piece of
 * the till's id, so two tills that share a name in different stores still never share an
 * order_no prefix (the server keeps order numbers unique across stores).
 */
import { TILL_CODE_PATTERN } from './order-no';

function idFragment(id: string, length: number): string {
	const hex = id.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
	return hex.slice(0, length) || 'X';
}

/** "1号收银台 Till 1" → "T1"; "Front" → "FRONT"; a name without ASCII → "T" + the id's start. */
export function receiptTillCode(name: string, id: string): string {
	const digits = /\d+/.exec(name)?.[0];
	if (digits) return `T${digits.slice(0, 6)}`;
	const ascii = name.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
	if (ascii) return ascii.slice(0, 8);
	return `T${idFragment(id, 6)}`;
}

/** The till code of order numbers: the receipt code and four characters of the till id. */
export function orderTillCode(name: string, id: string): string {
	const code = `${receiptTillCode(name, id)}${idFragment(id, 4)}`.slice(0, 16);
	return TILL_CODE_PATTERN.test(code) ? code : `T${idFragment(id, 8)}`;
}
