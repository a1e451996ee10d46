/**
 * Text → GB18030 bytes for Chinese thermal printers (issue 15).
 *
 * Written here because nothing else fits the browser: `TextEncoder` only writes UTF-8,
 * `@point-of-sale/receipt-printer-encoder` 4.0.1 has single-byte code pages only (Chinese comes
 * out as `????`, `codepage('gb18030')` throws), and iconv-lite is Node-only. Cash sales print
 * offline, so the encoder must run in the page with no download. The table is the reverse of
 * the browser's own `TextDecoder('gb18030')`, built once on first use (≈24k characters).
 *
 * Only the one- and two-byte forms are emitted (ASCII and the GBK range): that is what the
 * printers' Chinese mode (FS &) prints. A character without a two-byte form — the half-width
 * `¥` (U+00A5) is one, its GB18030 form is four bytes that print as junk — is written as `?`,
 * except `¥`, which is written as the full-width `￥` (U+FFE5) the customer expects.
 */

/** code unit → (lead << 8 | trail), 0 where there is no two-byte form. */
let table: Uint16Array | null = null;

function buildTable(): Uint16Array {
	const t = new Uint16Array(0x10000);
	// Every lead 0x81–0xFE × trail 0x40–0x7E, 0x80–0xFE, each pair followed by '\n', in one
	// decode call. An unmapped pair whose trail is ASCII decodes as U+FFFD plus that character;
	// the '\n' after every pair keeps the pairs apart, so such a segment is simply skipped.
	const pairs: number[] = [];
	for (let lead = 0x81; lead <= 0xfe; lead++) {
		for (let trail = 0x40; trail <= 0xfe; trail++) {
			if (trail === 0x7f) continue;
			pairs.push(lead, trail);
		}
	}
	const bytes = new Uint8Array((pairs.length / 2) * 3);
	for (let i = 0, j = 0; i < pairs.length; i += 2) {
		bytes[j++] = pairs[i]!;
		bytes[j++] = pairs[i + 1]!;
		bytes[j++] = 0x0a;
	}
	const segments = new TextDecoder('gb18030').decode(bytes).split('\n');
	for (let k = 0; k < pairs.length / 2; k++) {
		const s = segments[k];
		if (!s || s.length !== 1) continue;
		const unit = s.charCodeAt(0);
		if (unit < 0x80 || unit === 0xfffd || t[unit]) continue;
		t[unit] = (pairs[2 * k]! << 8) | pairs[2 * k + 1]!;
	}
	return t;
}

/** Builds the table now (else on the first encode), e.g. while the till is idle. */
export function prepareGb18030(): void {
	table ??= buildTable();
}

export interface Gb18030Result {
	bytes: Uint8Array;
	/** Characters written as `?` because the printer's Chinese mode has no form for them. */
	unencodable: number;
}

const HALF_WIDTH_YEN = 0xa5;
const FULL_WIDTH_YEN = 0xffe5;

/** Encodes `text` for a printer in Chinese mode. Control characters pass through as bytes. */
export function encodeGb18030(text: string): Gb18030Result {
	const t = (table ??= buildTable());
	const out = new Uint8Array(text.length * 2);
	let n = 0;
	let unencodable = 0;
	for (let i = 0; i < text.length; i++) {
		let unit = text.charCodeAt(i);
		if (unit < 0x80) {
			out[n++] = unit;
			continue;
		}
		if (unit === HALF_WIDTH_YEN) unit = FULL_WIDTH_YEN;
		const code = unit >= 0xd800 && unit <= 0xdfff ? 0 : t[unit]!;
		if (code === 0) {
			// A surrogate pair (emoji, rare CJK) is one character: one '?'.
			if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
				const next = text.charCodeAt(i + 1);
				if (next >= 0xdc00 && next <= 0xdfff) i++;
			}
			out[n++] = 0x3f;
			unencodable++;
			continue;
		}
		out[n++] = code >> 8;
		out[n++] = code & 0xff;
	}
	return { bytes: out.subarray(0, n), unencodable };
}
