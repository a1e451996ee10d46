import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
	isCompleteCode,
	isProvenCode,
	WEDGE_PRESETS,
	WedgeDetector,
	type HeldKey,
	type WedgeDecision,
	type WedgeKey,
	type WedgeOptions,
	type WedgeScan
} from '$lib/devices/scanner/wedge';
import { charFromCode, decodeKey, namedKey } from '$lib/devices/scanner/wedge-keys';
import { prng } from '../../../../scripts/lib/prng';

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
function keysOf(char: string, at: number, ime = false): WedgeKey[] {
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

interface StreamOptions {
	start?: number;
	/** ms between keys, or a function of the key index. */
	gap: number | ((i: number) => number);
	suffix?: 'Enter' | 'Tab';
	ime?: boolean;
}

function stream(text: string, o: StreamOptions): WedgeKey[] {
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

class Harness {
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

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const EAN = '6901234567892';
const WECHAT = '134567890123456789';

// ---- scanner bursts --------------------------------------------------------------------------

describe('scanner bursts with a suffix', () => {
	test.each([1, 5, 20])('%i ms/key + Enter: a scan, fired synchronously on the Enter', (gap) => {
		const h = new Harness();
		const keys = stream(EAN, { gap, suffix: 'Enter' });
		const decisions = h.play(keys.slice(0, -1));
		expect(decisions.every((d) => d === 'buffer')).toBe(true);
		expect(h.scans).toHaveLength(0);

		const enter = keys[keys.length - 1] as WedgeKey;
		h.advanceTo(enter.timeStamp);
		expect(h.detector.feed(enter)).toBe('buffer'); // swallowed: no form submit
		expect(h.scans).toHaveLength(1); // before any timer ran
		expect(h.scans[0]).toMatchObject({ code: EAN, suffix: 'Enter', at: enter.timeStamp - gap });
		expect(h.released).toBe('');
		expect(h.detector.buffering).toBe(false);
	});

	test('Tab suffix is swallowed too (focus does not move)', () => {
		const h = new Harness();
		const decisions = h.play(stream(WECHAT, { gap: 3, suffix: 'Tab' }));
		expect(decisions.at(-1)).toBe('buffer');
		expect(h.scans.map((s) => [s.code, s.suffix])).toEqual([[WECHAT, 'Tab']]);
	});

	test('the timeout after a suffixed scan does not fire a second scan', () => {
		const h = new Harness();
		h.play(stream(EAN, { gap: 5, suffix: 'Enter' }));
		h.wait(500);
		expect(h.scans).toHaveLength(1);
		expect(h.released).toBe('');
	});

	test('a jittered Honeywell-like stream (8–22 ms) is a scan', () => {
		const gaps = [8, 15, 22, 11, 19, 9, 21, 14, 17, 12, 20, 10, 16, 13, 22, 18, 9, 15];
		const h = new Harness();
		h.play(stream(WECHAT, { gap: (i) => gaps[i % gaps.length] ?? 15, suffix: 'Enter' }));
		expect(h.scans.map((s) => s.code)).toEqual([WECHAT]);
		expect(h.scans[0]?.maxGapMs).toBe(22);
	});

	test('capitals with Shift keydowns and symbols', () => {
		const h = new Harness();
		h.play(stream('ABC-12_x/9.Z', { gap: 2, suffix: 'Enter' }));
		expect(h.scans.map((s) => s.code)).toEqual(['ABC-12_x/9.Z']);
	});

	test('two scans back to back', () => {
		const h = new Harness();
		h.play(stream(EAN, { gap: 1, suffix: 'Enter', start: 1000 }));
		h.play(stream('96385074', { gap: 1, suffix: 'Enter', start: 1060 }));
		expect(h.scans.map((s) => s.code)).toEqual([EAN, '96385074']);
		expect(h.released).toBe('');
	});
});

describe('scanner bursts without a suffix', () => {
	test.each([1, 5, 20])('%i ms/key: a scan once no key follows for the timeout', (gap) => {
		const h = new Harness();
		const decisions = h.play(stream(EAN, { gap }));
		expect(decisions.every((d) => d === 'buffer')).toBe(true);
		expect(h.detector.idleTimeoutMs).toBeLessThanOrEqual(50);
		h.wait(h.detector.idleTimeoutMs - 1);
		expect(h.scans).toHaveLength(0);
		h.wait(1);
		expect(h.scans).toHaveLength(1);
		expect(h.scans[0]).toMatchObject({ code: EAN, suffix: null });
		expect(h.released).toBe('');
	});

	test('a longer code that starts with a valid EAN-13 is not cut by a 30 ms pause', () => {
		for (const suffix of ['Enter', undefined] as const) {
			const h = new Harness();
			const code = `${EAN}4`; // 14 digits, an ITF-14-like carton code
			const decisions = h.play(stream(code, { gap: (i) => (i === 13 ? 30 : 10), suffix }));
			h.wait(100);
			expect(h.scans.map((x) => [x.code, x.suffix])).toEqual([[code, suffix ?? null]]);
			expect(h.released).toBe('');
			if (suffix) expect(decisions.at(-1)).toBe('buffer');
		}
	});

	test('fires within 50 ms of the last key by default', () => {
		const h = new Harness();
		h.play(stream(WECHAT, { gap: 10 }));
		h.wait(50);
		expect(h.scans.map((s) => s.code)).toEqual([WECHAT]);
	});

	test('a late timer: the next key ends the burst by its own timestamp', () => {
		// A timer that never runs (a busy main thread) must not merge two bursts.
		const h = new Harness({ timer: { set: () => 1, clear: () => {} } });
		h.play(stream(EAN, { gap: 5, start: 1000 }));
		expect(h.scans).toHaveLength(0);
		const decision = h.play(stream('x', { gap: 0, start: 1200 }));
		expect(h.scans.map((s) => s.code)).toEqual([EAN]);
		expect(decision).toEqual(['buffer']); // 'x' starts a new burst
	});

	test('allowSuffixless: false releases a suffixless burst as typing', () => {
		const h = new Harness({ allowSuffixless: false });
		h.play(stream(EAN, { gap: 5 }));
		h.wait(100);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(EAN);
	});
});

// ---- human typing ----------------------------------------------------------------------------

describe('human typing is never a scan', () => {
	test('120 ms/key, letters and digits, then Enter', () => {
		const h = new Harness();
		const decisions = h.play(stream('hello6901234567892', { gap: 120, suffix: 'Enter' }));
		h.wait(200);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe('hello6901234567892');
		expect(decisions.at(-1)).toBe('pass'); // Enter submits as usual
	});

	test('each typed key is released within the timeout, before the next key', () => {
		const h = new Harness();
		h.play(stream('abc', { gap: 120 }));
		h.wait(100);
		const order = h.log.map((e) =>
			e.type === 'decision' ? `key ${e.key}` : e.type === 'release' ? `release ${e.text}` : 'scan'
		);
		expect(order).toEqual(['key a', 'release a', 'key b', 'release b', 'key c', 'release c']);
	});

	test('100 ms/key (the fastest steady typing)', () => {
		const h = new Harness();
		h.play(stream(WECHAT, { gap: 100, suffix: 'Enter' }));
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(WECHAT);
	});

	test.each([
		['abc', 60],
		['abcd', 60],
		['the', 50],
		['1234', 80]
	])('fast-typist burst %s at %i ms is not a scan', (text, gap) => {
		const h = new Harness();
		h.play(stream(text, { gap, suffix: 'Enter' }));
		h.wait(100);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(text);
	});

	test('a rollover burst of 4 keys at 25 ms then Enter: released BEFORE the Enter passes', () => {
		const h = new Harness();
		const decisions = h.play(stream('abcd', { gap: 25, suffix: 'Enter' }));
		expect(decisions).toEqual(['buffer', 'buffer', 'buffer', 'buffer', 'pass']);
		expect(h.scans).toHaveLength(0);
		const last = h.log.slice(-2);
		expect(last[0]).toMatchObject({ type: 'release', text: 'abcd' });
		expect(last[1]).toMatchObject({ type: 'decision', key: 'Enter', decision: 'pass' });
	});

	test('fast but too short: 5 characters at 1 ms then Enter (minLength 6)', () => {
		const h = new Harness();
		expect(h.play(stream('12345', { gap: 1, suffix: 'Enter' })).at(-1)).toBe('pass');
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe('12345');
		const short = new Harness({ minLength: 5 });
		short.play(stream('12345', { gap: 1, suffix: 'Enter' }));
		expect(short.scans.map((s) => s.code)).toEqual(['12345']);
	});

	test('every gap under the maximum but the average too slow (fast tier only)', () => {
		// Was: the default settings with Enter. 38 ms/key + Enter is now a slow-tier scan (see the
		// slow-tier tests), so the fast tier is tested alone here, and suffixless with the defaults.
		const h = new Harness({ slowMaxGapMs: 0 });
		h.play(stream(EAN, { gap: 38, suffix: 'Enter' })); // max 38 ≤ 40, average 38 > 30
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(EAN);

		// Without a suffix, the same rhythm is a slow-tier burst: typed text is released…
		const d = new Harness();
		d.play(stream('helloworld12', { gap: 38 }));
		d.wait(200);
		expect(d.scans).toHaveLength(0);
		expect(d.released).toBe('helloworld12');
		// …and a code whose check digit proves it is a (slow, suffixless) scan.
		const e = new Harness();
		e.play(stream(EAN, { gap: 38 }));
		e.wait(200);
		expect(e.scans.map((x) => [x.code, x.suffix])).toEqual([[EAN, null]]);
		expect(e.released).toBe('');
	});

	test('one slow gap inside a fast burst splits it', () => {
		const h = new Harness();
		const gap = (i: number) => (i === 7 ? 150 : 5);
		h.play(stream(EAN, { gap, suffix: 'Enter' }));
		h.wait(100);
		// "6901234" then 150 ms: the first 7 characters were a complete fast burst (a suffixless
		// scan); the last 6 + Enter are a second one.
		expect(h.scans.map((s) => [s.code, s.suffix])).toEqual([
			['6901234', null],
			['567892', 'Enter']
		]);
	});

	test('editing keys release held characters first and pass', () => {
		const h = new Harness();
		const decisions = h.play([
			...stream('ab', { gap: 10, start: 1000 }),
			{ key: 'Backspace', code: 'Backspace', timeStamp: 1015 }
		]);
		expect(decisions).toEqual(['buffer', 'buffer', 'pass']);
		expect(h.released).toBe('ab');
	});

	test('auto-repeat of a held key is typing', () => {
		const h = new Harness();
		const keys = stream('aaaaaaaa', { gap: 30, suffix: 'Enter' }).map((k, i) =>
			i > 0 && k.key === 'a' ? { ...k, repeat: true } : k
		);
		h.play(keys);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe('a');
	});

	test('characters a scanner does not type (space, CJK) pass straight through', () => {
		const h = new Harness();
		expect(
			h.play([
				{ key: ' ', code: 'Space', timeStamp: 1000 },
				{ key: '中', code: 'KeyZ', timeStamp: 1001 }
			])
		).toEqual(['pass', 'pass']);
	});

	test('IME composition in progress is typing', () => {
		const h = new Harness();
		const keys = stream('nihao', { gap: 5, ime: true }).map((k, i) =>
			i > 0 ? { ...k, isComposing: true } : k
		);
		expect(h.play(keys)).toEqual(['buffer', 'pass', 'pass', 'pass', 'pass']);
		expect(h.scans).toHaveLength(0);
	});
});

// ---- modifiers -------------------------------------------------------------------------------

describe('modifiers', () => {
	test('Ctrl/Alt/Meta shortcuts are not scan characters and pass', () => {
		const h = new Harness();
		expect(
			h.play([
				{ key: 'c', code: 'KeyC', ctrlKey: true, timeStamp: 1000 },
				{ key: 'v', code: 'KeyV', metaKey: true, timeStamp: 1001 },
				{ key: '1', code: 'Digit1', altKey: true, timeStamp: 1002 }
			])
		).toEqual(['pass', 'pass', 'pass']);
		expect(h.scans).toHaveLength(0);
	});

	test('a shortcut in the middle of a burst releases what was held', () => {
		const h = new Harness();
		const decisions = h.play([
			...stream('690123', { gap: 2, start: 1000 }),
			{ key: 'v', code: 'KeyV', ctrlKey: true, timeStamp: 1012 },
			...stream('4567892', { gap: 2, start: 1014, suffix: 'Enter' })
		]);
		expect(decisions[6]).toBe('pass');
		expect(h.released).toBe('690123');
		expect(h.scans.map((s) => s.code)).toEqual(['4567892']);
	});

	test('Shift and other modifier keydowns are neutral', () => {
		const h = new Harness();
		expect(h.play([{ key: 'Shift', code: 'ShiftLeft', timeStamp: 1000 }])).toEqual(['pass']);
		expect(h.detector.buffering).toBe(false);
		// IME on: Shift arrives as 'Process' with its code.
		expect(h.play([{ key: 'Process', code: 'ShiftRight', keyCode: 229, timeStamp: 1001 }])).toEqual(
			['pass']
		);
		expect(h.detector.buffering).toBe(false);
	});

	test('AltGr (Ctrl+Alt on Windows) typing a character is not a shortcut', () => {
		const h = new Harness({ minLength: 3 });
		h.play([
			{ key: 'a', code: 'KeyA', timeStamp: 1000 },
			{ key: '@', code: 'KeyQ', ctrlKey: true, altKey: true, altGraph: true, timeStamp: 1001 },
			{ key: 'b', code: 'KeyB', timeStamp: 1002 },
			{ key: 'Enter', code: 'Enter', timeStamp: 1003 }
		]);
		expect(h.scans.map((s) => s.code)).toEqual(['a@b']);
	});
});

// ---- IME / Android key decoding --------------------------------------------------------------

describe('key decoding', () => {
	test('charFromCode', () => {
		expect(charFromCode('Digit5')).toBe('5');
		expect(charFromCode('Digit5', true)).toBe('%');
		expect(charFromCode('KeyA')).toBe('a');
		expect(charFromCode('KeyA', true)).toBe('A');
		expect(charFromCode('KeyA', false, true)).toBe('A');
		expect(charFromCode('KeyA', true, true)).toBe('a');
		expect(charFromCode('Numpad3')).toBe('3');
		expect(charFromCode('Numpad3', true)).toBe('3');
		expect(charFromCode('Minus')).toBe('-');
		expect(charFromCode('Minus', true)).toBe('_');
		expect(charFromCode('NumpadSubtract')).toBe('-');
		expect(charFromCode('Slash')).toBe('/');
		expect(charFromCode('Enter')).toBeNull();
		expect(charFromCode('')).toBeNull();
	});

	test('decodeKey uses key when printable, code when key is Process/Unidentified/229', () => {
		const at = 0;
		expect(decodeKey({ key: '7', code: 'Digit7', timeStamp: at })).toBe('7');
		expect(decodeKey({ key: 'Process', code: 'Digit7', keyCode: 229, timeStamp: at })).toBe('7');
		expect(decodeKey({ key: 'Unidentified', code: 'KeyQ', timeStamp: at })).toBe('q');
		expect(decodeKey({ key: 'Unidentified', code: 'KeyQ', shiftKey: true, timeStamp: at })).toBe(
			'Q'
		);
		expect(decodeKey({ key: 'Process', code: 'Numpad0', keyCode: 229, timeStamp: at })).toBe('0');
		// Some browsers give the right key with keyCode 229.
		expect(decodeKey({ key: '4', code: 'Digit4', keyCode: 229, timeStamp: at })).toBe('4');
		// Full-width digit from an IME in full-width mode.
		expect(decodeKey({ key: '５', code: 'Digit5', timeStamp: at })).toBe('5');
		expect(decodeKey({ key: 'Enter', code: 'Enter', timeStamp: at })).toBeNull();
		expect(decodeKey({ key: 'ArrowLeft', code: 'ArrowLeft', timeStamp: at })).toBeNull();
		expect(decodeKey({ key: 'Unidentified', code: '', keyCode: 229, timeStamp: at })).toBeNull();
	});

	test('namedKey finds Enter and Tab behind Process', () => {
		expect(namedKey({ key: 'Process', code: 'Enter', keyCode: 229, timeStamp: 0 })).toBe('Enter');
		expect(namedKey({ key: 'Process', code: 'NumpadEnter', keyCode: 229, timeStamp: 0 })).toBe(
			'Enter'
		);
		expect(namedKey({ key: 'Unidentified', code: 'Tab', timeStamp: 0 })).toBe('Tab');
		expect(namedKey({ key: 'Enter', code: 'Enter', timeStamp: 0 })).toBe('Enter');
	});

	test('a scan with the Chinese IME on ("Process" keys) is decoded from code', () => {
		const h = new Harness();
		h.play(stream(WECHAT, { gap: 4, suffix: 'Enter', ime: true }));
		expect(h.scans.map((s) => [s.code, s.suffix])).toEqual([[WECHAT, 'Enter']]);
		// The IME had these keys already: they are flagged so nobody replays them.
		expect(h.scans[0]?.keys.every((k) => !k.replay)).toBe(true);
	});

	test('IME keys typed by a person are released but marked not to replay', () => {
		const h = new Harness();
		h.play(stream('ab', { gap: 150, ime: true }));
		h.wait(100);
		const released = h.log.flatMap((e) => (e.type === 'release' ? e.keys : []));
		expect(released.map((k) => [k.char, k.replay])).toEqual([
			['a', false],
			['b', false]
		]);
	});

	test('a scan with mixed-case letters under IME uses Shift from the event', () => {
		const h = new Harness();
		h.play(stream('AbC123', { gap: 2, suffix: 'Enter', ime: true }));
		expect(h.scans.map((s) => s.code)).toEqual(['AbC123']);
	});
});

// ---- slow scanners ---------------------------------------------------------------------------

describe('slow (Zebra-like) scanners', () => {
	test('90 ms/key: typing under the default setting, a scan with the slowScanner preset', () => {
		const keys = stream(EAN, { gap: 90, suffix: 'Enter' });
		const standard = new Harness();
		standard.play(keys);
		expect(standard.scans).toHaveLength(0);
		expect(standard.released).toBe(EAN);

		const slow = new Harness(WEDGE_PRESETS.slowScanner);
		slow.play(keys);
		expect(slow.scans.map((s) => s.code)).toEqual([EAN]);
		expect(slow.released).toBe('');
	});

	test('the slowScanner preset needs the Enter: a suffixless burst is released', () => {
		const h = new Harness(WEDGE_PRESETS.slowScanner);
		h.play(stream(EAN, { gap: 90 }));
		h.wait(h.detector.idleTimeoutMs);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(EAN);
	});

	test('the burst timer waits at least maxGapMs, so a slow gap never splits a scan', () => {
		const h = new Harness({ maxGapMs: 120, avgGapMs: 110, suffixlessTimeoutMs: 40 });
		expect(h.detector.idleTimeoutMs).toBe(120);
	});
});

// ---- the slow tier (default settings) ------------------------------------------------------

/** Zebra-like 60 ms/key with ±20 % jitter: 48–72 ms. */
function zebraGaps(seed: number): (i: number) => number {
	const rnd = prng(seed);
	const gaps = Array.from({ length: 64 }, () => Math.round(48 + rnd() * 24));
	return (i) => gaps[i] ?? 60;
}

/** A person: 100–250 ms per key, with fast bigrams of 60–90 ms (never two in a row). */
function humanGaps(seed: number): (i: number) => number {
	const rnd = prng(seed);
	let fastBefore = false;
	const gaps = Array.from({ length: 64 }, () => {
		const fast = !fastBefore && rnd() < 0.4;
		fastBefore = fast;
		return Math.round(fast ? 60 + rnd() * 30 : 100 + rnd() * 150);
	});
	return (i) => gaps[i] ?? 150;
}

describe('slow tier: 48–90 ms per key, a scan only with the suffix', () => {
	test.each([
		[EAN, 1],
		[EAN, 2],
		[WECHAT, 3],
		[WECHAT, 4]
	])(
		'60 ms/key jittered (48–72) %s + Enter: one scan, fired on the Enter (seed %i)',
		(code, seed) => {
			const h = new Harness();
			const keys = stream(code, { gap: zebraGaps(seed), suffix: 'Enter' });
			const decisions = h.play(keys.slice(0, -1));
			expect(decisions.every((d) => d === 'buffer')).toBe(true);
			expect(h.scans).toHaveLength(0);
			expect(h.released).toBe('');

			const enter = keys[keys.length - 1] as WedgeKey;
			h.advanceTo(enter.timeStamp);
			expect(h.detector.feed(enter)).toBe('buffer');
			expect(h.scans).toHaveLength(1);
			expect(h.scans[0]).toMatchObject({ code, suffix: 'Enter' });
			expect(h.scans[0]?.maxGapMs).toBeLessThanOrEqual(72);
			h.wait(500);
			expect(h.scans).toHaveLength(1);
			expect(h.released).toBe('');
		}
	);

	test.each([
		[EAN, 5],
		[WECHAT, 6]
	])('60 ms/key jittered %s without Enter: a scan after the slow gap', (code, seed) => {
		const h = new Harness();
		const keys = stream(code, { gap: zebraGaps(seed) });
		expect(h.play(keys).every((d) => d === 'buffer')).toBe(true);
		h.wait(h.detector.idleTimeoutMs); // the fast tier's moment: not a fast scan, still held
		expect(h.released).toBe('');
		expect(h.detector.buffering).toBe(true);
		h.wait(h.detector.holdTimeoutMs - h.detector.idleTimeoutMs - 1);
		expect(h.scans).toHaveLength(0);
		h.wait(1);
		expect(h.scans.map((x) => [x.code, x.suffix])).toEqual([[code, null]]);
		expect(h.released).toBe('');
		expect(h.detector.buffering).toBe(false);
	});

	test.each([
		['ABCDEFGH12', 5],
		['13812345678', 6], // a phone number: 11 digits, not a GTIN, not a payment code
		['6901234567891', 7] // an EAN-13 with a wrong check digit
	])('60 ms/key %s without Enter: not a proven code, released after the slow gap', (text, seed) => {
		const h = new Harness();
		h.play(stream(text, { gap: zebraGaps(seed) }));
		h.wait(h.detector.holdTimeoutMs - 1);
		expect(h.released).toBe('');
		h.wait(1);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(text);
	});

	test('allowSuffixless: false needs the suffix at the slow tier too', () => {
		const h = new Harness({ allowSuffixless: false });
		h.play(stream(EAN, { gap: zebraGaps(8) }));
		h.wait(500);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(EAN);
	});

	test('the defaults: slow tier 90/75 ms, keys held at most 90 ms', () => {
		const h = new Harness();
		expect([h.detector.slowMaxGapMs, h.detector.slowAvgGapMs]).toEqual([90, 75]);
		expect(h.detector.idleTimeoutMs).toBe(40);
		expect(h.detector.holdTimeoutMs).toBe(90);
	});

	test.each([11, 12, 13, 14, 15, 16, 17, 18])(
		'a person at 100–250 ms with fast bigrams of 60–90 ms is never a scan (seed %i)',
		(seed) => {
			for (const text of ['6901234567892', 'helloworld12', '134567890123']) {
				for (const suffix of ['Enter', undefined] as const) {
					const h = new Harness();
					const decisions = h.play(stream(text, { gap: humanGaps(seed), suffix }));
					h.wait(300);
					expect(h.scans).toHaveLength(0);
					expect(h.released).toBe(text);
					if (suffix) expect(decisions.at(-1)).toBe('pass');
				}
			}
		}
	);

	test('a typed key is released within 90 ms, before the next key at 100 ms', () => {
		const h = new Harness();
		h.play(stream('ab', { gap: 100, start: 1000 }));
		h.advanceTo(1089);
		expect(h.released).toBe('a');
		h.advanceTo(1190);
		expect(h.released).toBe('ab');
	});

	test('a run of fast bigrams is not enough: gaps ≤ 90 but an average > 75', () => {
		const h = new Harness();
		h.play(stream(EAN, { gap: (i) => (i % 2 ? 85 : 70), suffix: 'Enter' })); // average 77.5
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(EAN);
	});

	test('the Enter must come within slowMaxGapMs', () => {
		const h = new Harness();
		const keys = stream('ABCDEFGH12', { gap: 60 });
		h.play(keys);
		const last = keys[keys.length - 1] as WedgeKey;
		expect(
			h.play([{ key: 'Enter', code: 'Enter', keyCode: 13, timeStamp: last.timeStamp + 95 }])
		).toEqual(['pass']);
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe('ABCDEFGH12');
	});

	test('an Enter after a suffixless scan: swallowed within holdTimeoutMs, a key of its own after', () => {
		for (const [late, decision] of [
			[89, 'buffer'],
			[95, 'pass']
		] as const) {
			const h = new Harness({ timer: { set: () => 1, clear: () => {} } }); // a stalled page
			const keys = stream(EAN, { gap: 60 });
			h.play(keys);
			const last = keys[keys.length - 1] as WedgeKey;
			h.detector.flush(); // what the late timer does
			expect(h.scans.map((x) => [x.code, x.suffix])).toEqual([[EAN, null]]);
			expect(
				h.play([{ key: 'Enter', code: 'Enter', keyCode: 13, timeStamp: last.timeStamp + late }])
			).toEqual([decision]);
		}
	});

	test('a late timer: a key after a gap > slowMaxGapMs ends the burst by its timestamp', () => {
		const h = new Harness({ timer: { set: () => 1, clear: () => {} } });
		h.play(stream('ABCDEFGH12', { gap: 60, start: 1000 }));
		h.play(stream(EAN, { gap: 60, start: 1000 + 9 * 60 + 120 }));
		h.play(stream('96385074', { gap: 60, start: 1000 + 21 * 60 + 240, suffix: 'Enter' }));
		expect(h.released).toBe('ABCDEFGH12');
		expect(h.scans.map((s) => [s.code, s.suffix])).toEqual([
			[EAN, null],
			['96385074', 'Enter']
		]);
	});

	test('slowMaxGapMs: 0 turns the tier off', () => {
		const h = new Harness({ slowMaxGapMs: 0 });
		expect(h.detector.holdTimeoutMs).toBe(40);
		h.play(stream(EAN, { gap: zebraGaps(1), suffix: 'Enter' }));
		expect(h.scans).toHaveLength(0);
		expect(h.released).toBe(EAN);
	});

	test('the fast tier is unchanged: 5 ms/key without a suffix is a scan at 40 ms', () => {
		const h = new Harness();
		h.play(stream(EAN, { gap: 5 }));
		h.wait(39);
		expect(h.scans).toHaveLength(0);
		h.wait(1);
		expect(h.scans.map((s) => [s.code, s.suffix])).toEqual([[EAN, null]]);
		expect(h.released).toBe('');
		expect(h.detector.buffering).toBe(false);
	});

	test('a stray key 60 ms before a fast scan is released, the scan read as before', () => {
		for (const suffix of ['Enter', undefined] as const) {
			const h = new Harness();
			h.play(stream('x', { gap: 0, start: 1000 }));
			h.play(stream(EAN, { gap: 5, start: 1060, suffix }));
			h.wait(100);
			expect(h.released).toBe('x');
			expect(h.scans.map((s) => [s.code, s.suffix])).toEqual([[EAN, suffix ?? null]]);
			// The typed key reaches the page before the scan is reported.
			const order = h.log.filter((e) => e.type !== 'decision').map((e) => e.type);
			expect(order).toEqual(['release', 'scan']);
		}
	});

	test('a fast burst too short for a scan is held until the slow gap, then released', () => {
		const h = new Harness();
		h.play(stream('abcd', { gap: 10, start: 1000 }));
		h.advanceTo(1030 + 40);
		expect(h.released).toBe('');
		h.advanceTo(1030 + 90);
		expect(h.released).toBe('abcd');
		expect(h.scans).toHaveLength(0);
	});

	test('slow-tier bursts still end on editing keys and shortcuts', () => {
		const h = new Harness();
		const decisions = h.play([
			...stream('690123', { gap: 60, start: 1000 }),
			{ key: 'Backspace', code: 'Backspace', timeStamp: 1360 }
		]);
		expect(decisions.at(-1)).toBe('pass');
		expect(h.released).toBe('690123');
	});
});

describe('flush and reset', () => {
	test('flush ends the burst now', () => {
		const h = new Harness();
		h.play(stream('abc', { gap: 5 }));
		h.detector.flush();
		expect(h.released).toBe('abc');
		h.wait(100);
		expect(h.released).toBe('abc');
	});

	test('reset drops held keys without releasing them', () => {
		const h = new Harness();
		h.play(stream('abc', { gap: 5 }));
		h.detector.reset();
		h.wait(100);
		expect(h.released).toBe('');
		expect(h.scans).toHaveLength(0);
	});
});

describe('endOnCompleteCode (the suffixlessScanner preset)', () => {
	test('which codes are complete, and which only proven', () => {
		expect(isCompleteCode(EAN)).toBe(true);
		expect(isCompleteCode(WECHAT)).toBe(true);
		expect(isCompleteCode('2812345678901234')).toBe(false); // Alipay, may go on to 24
		expect(isCompleteCode('281234567890123456789012')).toBe(true);
		// A valid EAN-13 that could be the first 13 digits of a payment code waits for silence.
		expect(isProvenCode('1345678901235')).toBe(true);
		expect(isCompleteCode('1345678901235')).toBe(false);
		expect(isCompleteCode('2500000000003')).toBe(false);
		expect(isCompleteCode('96385074')).toBe(false); // EAN-8: may be the start of a longer code
		expect(isProvenCode('96385074')).toBe(true);
		expect(isCompleteCode('6901234567891')).toBe(false); // wrong check digit
		expect(isProvenCode('6901234567891')).toBe(false);
		expect(isProvenCode('13812345678')).toBe(false);
	});

	test.each([1, 5, 20, 60])('%i ms/key: the scan is read on its last digit', (gap) => {
		for (const code of [EAN, WECHAT]) {
			const h = new Harness(WEDGE_PRESETS.suffixlessScanner);
			const keys = stream(code, { gap });
			expect(h.play(keys.slice(0, -1)).every((d) => d === 'buffer')).toBe(true);
			expect(h.scans).toHaveLength(0);
			expect(h.play(keys.slice(-1))).toEqual(['buffer']);
			expect(h.scans.map((x) => [x.code, x.suffix])).toEqual([[code, null]]);
			h.wait(500);
			expect(h.scans).toHaveLength(1);
			expect(h.released).toBe('');
		}
	});

	test('a WeChat code is not cut at its 13th digit, even when those pass as an EAN-13', () => {
		const code = '1345678901235' + '00000'; // 13 digits with a valid check, then 5 more
		const h = new Harness(WEDGE_PRESETS.suffixlessScanner);
		h.play(stream(code, { gap: 5 }));
		expect(h.scans.map((x) => x.code)).toEqual([code]);
	});

	test('the scanner’s Enter, if it sends one after all, is swallowed', () => {
		const h = new Harness(WEDGE_PRESETS.suffixlessScanner);
		const decisions = h.play(stream(EAN, { gap: 60, suffix: 'Enter' }));
		expect(decisions.at(-1)).toBe('buffer');
		expect(h.scans.map((x) => [x.code, x.suffix])).toEqual([[EAN, null]]);
		expect(h.released).toBe('');
	});

	test('other codes still end by silence; typing is still typing', () => {
		const h = new Harness(WEDGE_PRESETS.suffixlessScanner);
		h.play(stream('96385074', { gap: 5 }));
		expect(h.scans).toHaveLength(0);
		h.wait(40);
		expect(h.scans.map((x) => x.code)).toEqual(['96385074']);

		for (const seed of [11, 12, 13]) {
			const t = new Harness(WEDGE_PRESETS.suffixlessScanner);
			t.play(stream(EAN, { gap: humanGaps(seed) }));
			t.wait(300);
			expect(t.scans).toHaveLength(0);
			expect(t.released).toBe(EAN);
		}
	});
});
