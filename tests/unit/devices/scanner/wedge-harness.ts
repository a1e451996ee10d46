/** Key streams and a harness for the wedge detector suites (vitest's fake timers). */
import { vi } from 'vitest';
import {
	WedgeDetector,
	type HeldKey,
	type WedgeDecision,
	type WedgeKey,
	type WedgeOptions,
	type WedgeScan
} from '$lib/devices/scanner/wedge';

// ---- synthesized key streams -----------------------------------------------------------------

const SYMBOL_CODES: Record<string, [string, boolean]> = {
	'-': ['Minus', false],
	_: ['Minus', true],
	'.': ['Period', false],
	'/': ['Slash', false],
	':': ['Semicolon', true],
	'+': ['Equal', true]
};

/** The keydowns a US-layout wedge scanner (or a person) produces for `char`. */
export function keysOf(char: string, at: number, ime = false): WedgeKey[] {
	let code: string;
	let shift = false;
	if (/\d/.test(char)) code = `Digit${char}`;
	else if (/[a-z]/i.test(char)) {
		code = `Key${char.toUpperCase()}`;
		shift = char !== char.toLowerCase();
	} else {
		const sym = SYMBOL_CODES[char];
		if (!sym) throw new Error(`no code for ${char}`);
		[code, shift] = sym;
	}
	const key: WedgeKey = ime
		? { key: 'Process', code, keyCode: 229, shiftKey: shift, timeStamp: at }
		: {
				key: char,
				code,
				keyCode: char.toUpperCase().charCodeAt(0),
				shiftKey: shift,
				timeStamp: at
			};
	// Scanners press Shift for capitals: a keydown of its own, just before.
	return shift ? [{ key: 'Shift', code: 'ShiftLeft', shiftKey: true, timeStamp: at }, key] : [key];
}

export interface StreamOptions {
	start?: number;
	/** ms between keys, or a function of the key index. */
	gap: number | ((i: number) => number);
	suffix?: 'Enter' | 'Tab';
	ime?: boolean;
}

export function stream(text: string, o: StreamOptions): WedgeKey[] {
	const keys: WedgeKey[] = [];
	let at = o.start ?? 1000;
	const gap = typeof o.gap === 'number' ? () => o.gap as number : o.gap;
	[...text].forEach((c, i) => {
		if (i > 0) at += gap(i);
		keys.push(...keysOf(c, at, o.ime));
	});
	if (o.suffix) {
		at += gap(text.length);
		keys.push(
			o.ime
				? { key: 'Process', code: o.suffix, keyCode: 229, timeStamp: at }
				: { key: o.suffix, code: o.suffix, keyCode: o.suffix === 'Enter' ? 13 : 9, timeStamp: at }
		);
	}
	return keys;
}

// ---- harness: the detector on vitest's fake timers ---------------------------------------------

type LogEntry =
	| { type: 'scan'; scan: WedgeScan }
	| { type: 'release'; text: string; keys: HeldKey[] }
	| { type: 'decision'; key: string; decision: WedgeDecision };

export class Harness {
	readonly log: LogEntry[] = [];
	readonly detector: WedgeDetector;
	now = 0;

	constructor(options: Omit<WedgeOptions, 'onScan' | 'onRelease'> = {}) {
		this.detector = new WedgeDetector({
			...options,
			onScan: (scan) => this.log.push({ type: 'scan', scan }),
			onRelease: (keys) =>
				this.log.push({ type: 'release', text: keys.map((k) => k.char).join(''), keys })
		});
	}

	/** Moves fake time to `at`, firing due timers, as the browser's event loop would. */
	advanceTo(at: number): void {
		if (at > this.now) vi.advanceTimersByTime(at - this.now);
		this.now = Math.max(this.now, at);
	}

	play(keys: WedgeKey[]): WedgeDecision[] {
		if (this.now === 0 && keys[0]) this.now = keys[0].timeStamp;
		return keys.map((k) => {
			this.advanceTo(k.timeStamp);
			const decision = this.detector.feed(k);
			this.log.push({ type: 'decision', key: k.key, decision });
			return decision;
		});
	}

	wait(ms: number): void {
		this.advanceTo(this.now + ms);
	}

	get scans(): WedgeScan[] {
		return this.log.flatMap((e) => (e.type === 'scan' ? [e.scan] : []));
	}

	get released(): string {
		return this.log.map((e) => (e.type === 'release' ? e.text : '')).join('');
	}
}

export const EAN = '6901234567892';
export const WECHAT = '134567890123456789';
