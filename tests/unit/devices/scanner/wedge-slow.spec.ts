/** The wedge detector's slow tier, slow scanners, flushing and ending on a complete code. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
	isCompleteCode,
	isProvenCode,
	WEDGE_PRESETS,
	type WedgeKey
} from '$lib/devices/scanner/wedge';
import { prng } from '../../../../scripts/lib/prng';
import { EAN, Harness, stream, WECHAT } from './wedge-harness';

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
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
