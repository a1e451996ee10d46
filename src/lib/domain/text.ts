/**
 * What text the till stores and shows: the same rule for every name, number and subject that
 * comes from outside. Refused: control characters (NUL breaks PostgreSQL's text type; ESC and
 * BEL reach the owner's terminal through `admin attention`), half of a surrogate pair (not
 * storable as UTF-8), and the bidirectional overrides and isolates that make a line read
 * differently from what it holds ("Trojan Source").
 */

// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

export const TEXT_RULE =
	'must not contain control characters, broken Unicode or bidirectional overrides';

/** Null when `text` keeps the rule; otherwise what it breaks, for an error message. */
export function textProblem(text: string): string | null {
	if (CONTROL.test(text)) return 'must not contain control characters (NUL, ESC, tab, line breaks)';
	if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (half of a character pair was sent)';
	if (BIDI_CONTROL.test(text)) return 'must not contain bidirectional override characters';
	return null;
}

export function isCleanText(text: string): boolean {
	return textProblem(text) === null;
}

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function charLength(text: string): number {
	let n = 0;
	for (const _ of text) n++;
	return n;
}
