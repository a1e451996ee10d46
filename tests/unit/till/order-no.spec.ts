import { describe, expect, test } from 'vitest';
import { isOrderNo, ORDER_NO_PATTERN } from '$lib/domain/order-no';
import {
	localDay,
	localStamp,
	makeOrderNo,
	nextDailySeq,
	OrderNoError,
	randomTail,
	saleNumber
} from '$lib/till/order-no';

// Built from local components, so the expectations hold in any time zone.
const at = new Date(2026, 10, 26, 14, 3, 5);

describe('order numbers', () => {
	test('till code, local time to the second, sequence, random tail', () => {
		expect(makeOrderNo({ tillCode: 'T1', at, seq: 42, random: '07QZ' })).toBe(
			'T120261126140305004207QZ'
		);
		expect(localStamp(at)).toBe('20261126140305');
	});

	test('a long sequence widens instead of wrapping', () => {
		expect(makeOrderNo({ tillCode: 'T1', at, seq: 123456, random: 'AAAA' })).toBe(
			'T120261126140305123456AAAA'
		);
	});

	test('always within [A-Za-z0-9_-]{1,64}', () => {
		const longest = makeOrderNo({
			tillCode: 'ABCDEFGHIJKLMNOP',
			at,
			seq: Number.MAX_SAFE_INTEGER
		});
		expect(longest.length).toBeLessThanOrEqual(64);
		expect(ORDER_NO_PATTERN.test(longest)).toBe(true);
		expect(isOrderNo(longest)).toBe(true);
		expect(isOrderNo('a'.repeat(65))).toBe(false);
		expect(isOrderNo('T1 2026')).toBe(false);
	});

	test('unique for many charges in the same second of one till', () => {
		const seen = new Set<string>();
		for (let seq = 0; seq < 1000; seq++) seen.add(makeOrderNo({ tillCode: 'T1', at, seq }));
		expect(seen.size).toBe(1000);
	});

	test('the random tail differs between calls even with the same sequence', () => {
		const tails = new Set(Array.from({ length: 50 }, () => randomTail()));
		expect(tails.size).toBeGreaterThan(45);
		expect([...tails].every((t) => /^[0-9A-HJKMNP-TV-Z]{4}$/.test(t))).toBe(true);
	});

	test.each(['', 'T-1', 'T 1', '收银1', 'ABCDEFGHIJKLMNOPQ'])(
		'refuses till code %j',
		(tillCode) => {
			expect(() => makeOrderNo({ tillCode, at, seq: 1 })).toThrow(OrderNoError);
		}
	);

	test('refuses a bad sequence, date or random tail', () => {
		expect(() => makeOrderNo({ tillCode: 'T1', at, seq: -1 })).toThrow(OrderNoError);
		expect(() => makeOrderNo({ tillCode: 'T1', at, seq: 1.5 })).toThrow(OrderNoError);
		expect(() => makeOrderNo({ tillCode: 'T1', at: new Date(Number.NaN), seq: 1 })).toThrow(
			OrderNoError
		);
		expect(() => makeOrderNo({ tillCode: 'T1', at, seq: 1, random: 'a b' })).toThrow(OrderNoError);
	});
});

describe('sale numbers', () => {
	test('T1-20261126-0042', () => {
		expect(saleNumber('T1', at, 42)).toBe('T1-20261126-0042');
		expect(saleNumber('T1', at, 12345)).toBe('T1-20261126-12345');
	});

	test('the daily sequence restarts on a new local day', () => {
		const first = nextDailySeq(null, at);
		expect(first).toEqual({ day: '20261126', seq: 1 });
		const second = nextDailySeq(first, new Date(2026, 10, 26, 23, 59, 59));
		expect(second).toEqual({ day: '20261126', seq: 2 });
		expect(nextDailySeq(second, new Date(2026, 10, 27, 0, 0, 1))).toEqual({
			day: '20261127',
			seq: 1
		});
		expect(localDay(new Date(2026, 0, 5))).toBe('20260105');
	});
});
