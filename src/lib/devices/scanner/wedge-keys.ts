/**
 * What a keydown types, as a wedge scanner means it: a scanner emulates a US keyboard, and with a
 * Chinese IME on (or on Android Chrome) `key` is 'Process'/'Unidentified' (keyCode 229), so the
 * character is read from `event.code` instead.
 */
import type { WedgeKey } from './wedge';

const MODIFIER_KEYS = new Set([
	'Shift',
	'Control',
	'Alt',
	'AltGraph',
	'Meta',
	'OS',
	'Super',
	'Hyper',
	'Fn',
	'FnLock',
	'CapsLock',
	'NumLock',
	'ScrollLock'
]);
const MODIFIER_CODES = /^(?:Shift|Control|Alt|Meta|OS)(?:Left|Right)$|^(?:CapsLock|NumLock|Fn)$/;

/** `code` of the US layout (what a wedge scanner emulates) → [plain, shifted]. */
const CODE_CHARS: Record<string, readonly [string, string]> = {
	Minus: ['-', '_'],
	Equal: ['=', '+'],
	BracketLeft: ['[', '{'],
	BracketRight: [']', '}'],
	Backslash: ['\\', '|'],
	IntlBackslash: ['\\', '|'],
	Semicolon: [';', ':'],
	Quote: ["'", '"'],
	Backquote: ['`', '~'],
	Comma: [',', '<'],
	Period: ['.', '>'],
	Slash: ['/', '?'],
	Space: [' ', ' '],
	NumpadDecimal: ['.', '.'],
	NumpadComma: [',', ','],
	NumpadAdd: ['+', '+'],
	NumpadSubtract: ['-', '-'],
	NumpadMultiply: ['*', '*'],
	NumpadDivide: ['/', '/'],
	NumpadEqual: ['=', '=']
};
const SHIFTED_DIGITS = ')!@#$%^&*(';

/** True when `key` says nothing usable: an IME or Android Chrome holds the real character. */
export function isImeKey(k: Pick<WedgeKey, 'key' | 'keyCode'>): boolean {
	return k.keyCode === 229 || k.key === 'Process' || k.key === 'Unidentified' || k.key === '';
}

/** The character of `code` on a US layout, or null. 'Digit5' → '5', 'KeyA' → 'a' / 'A'. */
export function charFromCode(code: string, shift = false, capsLock = false): string | null {
	let m = /^Digit(\d)$/.exec(code);
	if (m) return shift ? (SHIFTED_DIGITS[Number(m[1])] ?? null) : (m[1] ?? null);
	m = /^Numpad(\d)$/.exec(code);
	if (m) return m[1] ?? null;
	m = /^Key([A-Z])$/.exec(code);
	if (m?.[1]) return shift !== capsLock ? m[1] : m[1].toLowerCase();
	const pair = CODE_CHARS[code];
	return pair ? pair[shift ? 1 : 0] : null;
}

function toHalfWidth(char: string): string {
	const c = char.codePointAt(0) ?? 0;
	if (c >= 0xff01 && c <= 0xff5e) return String.fromCodePoint(c - 0xfee0);
	return c === 0x3000 ? ' ' : char;
}

/**
 * The character a keydown types, or null for keys that type none (Enter, arrows, F-keys,
 * modifiers). Uses `key` when it is one printable character (full-width forms folded to ASCII);
 * falls back to `code` when `key` is 'Process'/'Unidentified' or keyCode is 229.
 */
export function decodeKey(k: WedgeKey): string | null {
	const chars = [...k.key];
	if (chars.length === 1 && chars[0] !== undefined) {
		const c = chars[0].codePointAt(0) ?? 0;
		if (c >= 0x20 && c !== 0x7f) return toHalfWidth(chars[0]);
	}
	if (!isImeKey(k)) return null;
	return charFromCode(k.code, k.shiftKey ?? false, k.capsLock ?? false);
}

/** 'Enter', 'Tab', ... for named keys, also when an IME hides them as 'Process'. */
export function namedKey(k: WedgeKey): string {
	if (isImeKey(k)) {
		if (k.code === 'Enter' || k.code === 'NumpadEnter') return 'Enter';
		if (k.code === 'Tab') return 'Tab';
		return k.key;
	}
	return k.key;
}

export function isModifierKey(k: WedgeKey): boolean {
	return MODIFIER_KEYS.has(k.key) || MODIFIER_CODES.test(k.code);
}

export function isShortcut(k: WedgeKey): boolean {
	if (k.metaKey) return true;
	if (k.altGraph) return false;
	return Boolean(k.ctrlKey || k.altKey);
}
