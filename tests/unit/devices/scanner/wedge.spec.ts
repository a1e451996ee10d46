/** The wedge detector: scanner bursts, people typing, modifiers and key decoding. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { WedgeKey } from '$lib/devices/scanner/wedge';
import { charFromCode, decodeKey, namedKey } from '$lib/devices/scanner/wedge-keys';
import { EAN, Harness, stream, WECHAT } from './wedge-harness';

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

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

	test('keys typed into an open IME composition are never replayed, and short ones are no scan', () => {
		const h = new Harness();
		const keys = stream('nihao', { gap: 5, ime: true }).map((k, i) =>
			i > 0 ? { ...k, isComposing: true } : k
		);
		h.play(keys);
		h.wait(200);
		expect(h.scans).toHaveLength(0);
		const released = h.log.flatMap((e) => (e.type === 'release' ? e.keys : []));
		expect(released.map((k) => k.replay)).toEqual([false, false, false, false, false]);
	});

	test('a scan into an open IME composition (Process, isComposing) yields the right digits', () => {
		const h = new Harness();
		// The cashier typed "ni" (a composition opens), then scanned a product and a payment code.
		const typed = stream('ni', { gap: 150, ime: true }).map((k, i) =>
			i > 0 ? { ...k, isComposing: true } : k
		);
		h.play(typed);
		h.wait(200);
		const composing = (code: string, at: number) =>
			stream(code, { gap: 4, suffix: 'Enter', ime: true, start: at }).map((k) => ({
				...k,
				isComposing: true
			}));
		h.play(composing('6901234567892', 2000));
		h.play(composing(WECHAT, 3000));
		expect(h.scans.map((s) => [s.code, s.suffix])).toEqual([
			['6901234567892', 'Enter'],
			[WECHAT, 'Enter']
		]);
		expect(h.scans.flatMap((s) => s.keys).every((k) => !k.replay)).toBe(true);
	});

	test('Numpad digits and Unidentified keys behind an IME decode from code', () => {
		const h = new Harness();
		const at = 5000;
		const keys = [...'6901234567892'].map((c, i) => ({
			key: i % 2 ? 'Unidentified' : 'Process',
			code: i % 3 ? `Digit${c}` : `Numpad${c}`,
			keyCode: 229,
			isComposing: true,
			timeStamp: at + i * 3
		}));
		h.play([...keys, { key: 'Process', code: 'NumpadEnter', keyCode: 229, timeStamp: at + 50 }]);
		expect(h.scans.map((s) => s.code)).toEqual(['6901234567892']);
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
