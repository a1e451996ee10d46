/**
 * The rule of a charge's `order_no` (Teegon's String(64)), which the till makes and the server
 * checks: 1 to 64 characters of A-Z, a-z, 0-9, `_` or `-` (safe in a URL path and a log line).
 */
export const ORDER_NO_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ORDER_NO_RULE = 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -';

export function isOrderNo(value: unknown): value is string {
	return typeof value === 'string' && ORDER_NO_PATTERN.test(value);
}
