/**
 * Teegon's signature (签名), the one place it is computed. See
 * docs/teegon.md "Signing": every parameter except `sign` (empty values
 * included), sorted by name in plain byte order, concatenated as name+value, wrapped in the
 * client_secret on both sides, MD5 over UTF-8, upper-case hex.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type Params = Readonly<Record<string, string>>;

/** Plain ASCII/byte order of parameter names (not locale order). */
function byteOrder(a: string, b: string): number {
	const ba = Buffer.from(a, 'utf8');
	const bb = Buffer.from(b, 'utf8');
	return Buffer.compare(ba, bb);
}

/** The exact string that is hashed, without the secret: `name1value1name2value2…`. */
export function signingString(params: Params): string {
	return Object.keys(params)
		.filter((name) => name !== 'sign')
		.sort(byteOrder)
		.map((name) => `${name}${params[name] ?? ''}`)
		.join('');
}

export function sign(params: Params, clientSecret: string): string {
	const text = `${clientSecret}${signingString(params)}${clientSecret}`;
	return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
}

/** Verifies `params.sign` over all other fields present, in constant time. */
export function verify(params: Params, clientSecret: string): boolean {
	const given = params.sign;
	if (typeof given !== 'string' || given.length === 0) return false;
	const expected = Buffer.from(sign(params, clientSecret), 'utf8');
	// Teegon sends upper-case hex; accept lower case from hand-written integrations too.
	const actual = Buffer.from(given.toUpperCase(), 'utf8');
	return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Adds `sign` to a parameter set. */
export function signed(params: Params, clientSecret: string): Record<string, string> {
	const { sign: _drop, ...rest } = params;
	return { ...rest, sign: sign(rest, clientSecret) };
}
