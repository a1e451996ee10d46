import { describe, expect, test } from 'vitest';
import {
	classifyScan,
	gtinCheckDigit,
	hasValidCheckDigit,
	isPaymentCode,
	mayBeNewItem,
	normalizeScan
} from '$lib/devices/scanner/scan-classify';

describe('payment codes', () => {
	test.each([
		'134567890123456789', // WeChat: 18 digits, 13
		'100000000000000000',
		'159999999999999999'
	])('WeChat %s', (code) => {
		expect(classifyScan(code)).toEqual({ kind: 'wechat', code });
	});

	test.each([
		'284567890123456789', // Alipay: 18 digits, 28
		'2512345678901234', // 16 digits
		'301234567890123456789012', // 24 digits
		'28456789012345678' // 17 digits
	])('Alipay %s', (code) => {
		expect(classifyScan(code)).toEqual({ kind: 'alipay', code });
	});

	test.each([
		['16' + '0'.repeat(16), '18 digits starting 16'],
		['09' + '0'.repeat(16), '18 digits starting 09'],
		['13456789012345678', '17 digits starting 13'],
		['1345678901234567890', '19 digits starting 13'],
		['251234567890123', '15 digits starting 25'],
		['2412345678901234', '16 digits starting 24'],
		['3112345678901234', '16 digits starting 31'],
		['3012345678901234567890123', '25 digits starting 30'],
		['28456789012345678a', 'a letter inside']
	])('not a payment code: %s (%s)', (code) => {
		const scan = classifyScan(code);
		expect(isPaymentCode(scan)).toBe(false);
		expect(scan.kind).toBe('other');
	});

	test('an 18-digit code starting 10–15 is WeChat even though it is numeric', () => {
		expect(classifyScan('120000000000000000').kind).toBe('wechat');
	});

	test('scanner suffix whitespace is trimmed', () => {
		expect(classifyScan(' 134567890123456789\r\n')).toEqual({
			kind: 'wechat',
			code: '134567890123456789'
		});
	});
});

describe('product barcodes', () => {
	test('check digits of the examples', () => {
		expect(gtinCheckDigit('690123456789')).toBe(2);
		expect(gtinCheckDigit('9638507')).toBe(4);
		expect(gtinCheckDigit('03600029145')).toBe(2);
		expect(gtinCheckDigit('400638133393')).toBe(1);
		expect(hasValidCheckDigit('6901234567892')).toBe(true);
		expect(hasValidCheckDigit('6901234567893')).toBe(false);
		expect(hasValidCheckDigit('x')).toBe(false);
	});

	test.each([
		['6901234567892', 'ean13'],
		['4006381333931', 'ean13'],
		['9787111213826', 'ean13'],
		['96385074', 'ean8'],
		['73513537', 'ean8'],
		['036000291452', 'upca'],
		['012345678905', 'upca']
	] as const)('%s is %s', (code, kind) => {
		expect(classifyScan(code)).toMatchObject({ kind, code });
	});

	test('catalog lookup forms: UPC-A also as EAN-13 and back', () => {
		expect(classifyScan('036000291452')).toEqual({
			kind: 'upca',
			code: '036000291452',
			lookup: ['036000291452', '0036000291452']
		});
		expect(classifyScan('0036000291452')).toEqual({
			kind: 'ean13',
			code: '0036000291452',
			lookup: ['0036000291452', '036000291452']
		});
		expect(classifyScan('6901234567892')).toMatchObject({ lookup: ['6901234567892'] });
	});

	test.each(['6901234567893', '6901234567890', '036000291453', '4006381333932'])(
		'%s has a wrong check digit: other, with a reason, not a product',
		(code) => {
			expect(classifyScan(code)).toEqual({ kind: 'other', code, reason: 'bad_check_digit' });
		}
	);

	test('8 digits with a wrong check digit are a shop code, not a misread', () => {
		expect(classifyScan('96385075')).toEqual({ kind: 'other', code: '96385075' });
	});
});

describe('other codes', () => {
	test.each(['ABC-123', '12345', 'https://example.com/p/1', '123456789012345'])('%s', (code) => {
		expect(classifyScan(code)).toEqual({ kind: 'other', code });
	});

	test('empty', () => {
		expect(classifyScan('  ')).toEqual({ kind: 'other', code: '', reason: 'empty' });
	});

	test('full-width digits (IME in full-width mode) are folded to ASCII', () => {
		expect(normalizeScan('６９０１２３４５６７８９２')).toBe('6901234567892');
		expect(classifyScan('６９０１２３４５６７８９２').kind).toBe('ean13');
	});
});

describe('an unknown code as a new item', () => {
	test('a whole GTIN, or a code that is not all digits, may be added as an open-price item', () => {
		for (const code of ['6901234569995', '96385074', '036000291452', '10012345678902', 'ABC-123'])
			expect(mayBeNewItem(code), code).toBe(true);
	});

	test('digits that are no whole GTIN are a misread: a cut-off scan never becomes an item', () => {
		// 6901234560015 without its first three digits; a WeChat code without its first; bad checks.
		for (const code of ['1234560015', '34567890123456700', '6901234560016', '96385075', '123'])
			expect(mayBeNewItem(code), code).toBe(false);
	});
});
