/**
 * Column arithmetic for a thermal printer in Chinese mode: a character printed from a two-byte
 * GB18030 code (every Chinese character, but also `×`, `￥`, `—`, full-width punctuation) takes
 * two columns; an ASCII one takes one. So a character's width is its byte count in the
 * printer's encoding, not Unicode's East Asian Width (which calls `×` narrow, and the printer
 * prints it wide).
 */
import { encodeGb18030 } from './gb18030';

export function charWidth(char: string): number {
	const unit = char.charCodeAt(0);
	if (unit < 0x80) return 1;
	return encodeGb18030(char).bytes.length;
}

export function textWidth(text: string): number {
	let w = 0;
	for (const ch of text) w += charWidth(ch);
	return w;
}

/** Breaks `text` into lines of at most `columns`, never splitting a two-column character. */
export function wrap(text: string, columns: number): string[] {
	const lines: string[] = [];
	let line = '';
	let w = 0;
	for (const ch of text) {
		const cw = charWidth(ch);
		if (w + cw > columns && line) {
			lines.push(line);
			line = '';
			w = 0;
		}
		line += ch;
		w += cw;
	}
	if (line || lines.length === 0) lines.push(line);
	return lines;
}

/**
 * `left` and `right` on one line of `columns`, the right part flush right. When both do not
 * fit, `left` wraps and `right` goes flush right on its last line (or on a line of its own).
 */
export function twoColumns(left: string, right: string, columns: number): string[] {
	const rw = textWidth(right);
	const lines = wrap(left, columns);
	const last = lines[lines.length - 1]!;
	const gap = columns - textWidth(last) - rw;
	if (gap >= 1) {
		lines[lines.length - 1] = last + ' '.repeat(gap) + right;
	} else {
		lines.push(' '.repeat(Math.max(0, columns - rw)) + right);
	}
	return lines;
}

export function rule(columns: number, char = '-'): string {
	return char.repeat(columns);
}
