/**
 * Money is integer fen (分) everywhere inside the till. Yuan text such as "23.45" exists only
 * at the edges: Teegon's `amount` field, the till API's `amount` field, and the display.
 * Nothing here uses floating-point arithmetic on money.
 */

export type Fen = number;

const YUAN_TEXT = /^(0|[1-9]\d{0,12})(?:\.(\d{1,2}))?$/;

/** Parses yuan text ("23.45", "5", "0.5") into fen. Returns null if it is not such text. */
export function parseYuan(text: string): Fen | null {
	const m = YUAN_TEXT.exec(text);
	if (!m) return null;
	const whole = Number(m[1]);
	const frac = (m[2] ?? '').padEnd(2, '0');
	const fen = whole * 100 + Number(frac);
	return Number.isSafeInteger(fen) ? fen : null;
}

/** Formats fen as yuan text with exactly two decimals ("23.45", "0.01", "-1.50"). */
export function formatYuan(fen: Fen): string {
	if (!Number.isSafeInteger(fen))
		throw new RangeError(`amount in fen must be a safe integer, got ${fen}`);
	const sign = fen < 0 ? '-' : '';
	const abs = Math.abs(fen);
	const yuan = Math.trunc(abs / 100);
	const rest = abs - yuan * 100;
	return `${sign}${yuan}.${rest < 10 ? '0' : ''}${rest}`;
}

/** "¥23.45" for display. */
export function displayYuan(fen: Fen): string {
	return `¥${formatYuan(fen)}`;
}
