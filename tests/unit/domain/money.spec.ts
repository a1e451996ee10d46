import { describe, expect, it } from 'vitest';
import { displayYuan, formatYuan, parseYuan } from '$lib/domain/money';

describe('formatYuan', () => {
	it.each([
		[0, '0.00'],
		[1, '0.01'],
		[9, '0.09'],
		[10, '0.10'],
		[99, '0.99'],
		[100, '1.00'],
		[2345, '23.45'],
		[2340, '23.40'],
		[2305, '23.05'],
		[100_000_000, '1000000.00'],
		[-1, '-0.01'],
		[-150, '-1.50'],
		[Number.MAX_SAFE_INTEGER, '90071992547409.91']
	])('%d fen is "%s"', (fen, text) => {
		expect(formatYuan(fen)).toBe(text);
	});

	it.each([0.5, 1.1, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 1])(
		'refuses %d, which is not a whole number of fen',
		(fen) => {
			expect(() => formatYuan(fen)).toThrow(RangeError);
		}
	);

	it('displays with the yuan sign', () => {
		expect(displayYuan(2345)).toBe('¥23.45');
	});
});

describe('parseYuan', () => {
	it.each([
		['23.45', 2345],
		['23.4', 2340],
		['23.40', 2340],
		['23', 2300],
		['0', 0],
		['0.00', 0],
		['0.01', 1],
		['0.1', 10],
		['0.5', 50],
		['1000000.00', 100_000_000],
		['9999999999999.99', 999_999_999_999_999]
	])('"%s" is %d fen', (text, fen) => {
		expect(parseYuan(text)).toBe(fen);
	});

	it.each([
		'',
		'.',
		'.5',
		'5.',
		'1.234',
		'1.005',
		'01',
		'00.10',
		'-1',
		'+1',
		'1e2',
		'1,00',
		' 1',
		'1 ',
		'1.2.3',
		'abc',
		'0x10',
		'１２',
		'Infinity',
		'NaN',
		'10000000000000'
	])('"%s" is not yuan text', (text) => {
		expect(parseYuan(text)).toBeNull();
	});

	it('round-trips every amount from 0.00 to 100.00 exactly', () => {
		for (let fen = 0; fen <= 10_000; fen += 1) {
			if (parseYuan(formatYuan(fen)) !== fen) expect.fail(`${fen} fen did not round-trip`);
		}
		expect(parseYuan(formatYuan(10_000))).toBe(10_000);
	});

	it('is exact where floating point is not (0.1 + 0.2, 1.005, 19.99)', () => {
		expect(parseYuan('0.30')).toBe(30);
		expect(parseYuan('19.99')).toBe(1999);
		expect(parseYuan('1.15')).toBe(115);
		expect(formatYuan(parseYuan('0.10')! + parseYuan('0.20')!)).toBe('0.30');
	});
});
