/**
 * The ESC/POS bytes of the known Chinese receipt (src/lib/devices/printer/sample.ts) at both paper
 * widths, against committed fixtures; and those fixtures decoded back with the platform's own
 * TextDecoder('gb18030'), to show they say what the receipt says. UPDATE_FIXTURES=1 rewrites
 * them (then read the .txt beside them before committing).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { encodeReceipt, printYuan } from '$lib/devices/printer/receipt';
import { SAMPLE_SALE, SAMPLE_STORE, SAMPLE_TIME_ZONE } from '$lib/devices/printer/sample';
import { textWidth } from '$lib/devices/printer/columns';
import { fromHex, gbView, printedLines, toHex } from '../../helpers/escpos';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

function encode(paper: 58 | 80) {
	return encodeReceipt(SAMPLE_SALE, SAMPLE_STORE, { paper, timeZone: SAMPLE_TIME_ZONE }).bytes;
}

describe.each([
	[58, 32],
	[80, 48]
] as const)('the %i mm receipt', (paper, columns) => {
	const hexFile = fixture(`receipt-${paper}.hex`);
	const txtFile = fixture(`receipt-${paper}.txt`);
	if (process.env.UPDATE_FIXTURES === '1') {
		writeFileSync(hexFile, toHex(encode(paper)));
		writeFileSync(txtFile, gbView(encode(paper)));
	}

	test('is byte for byte the committed fixture', () => {
		expect(toHex(encode(paper))).toBe(readFileSync(hexFile, 'utf8'));
	});

	test('the fixture decodes back, with TextDecoder(gb18030), to the receipt’s Chinese text', () => {
		const bytes = fromHex(readFileSync(hexFile, 'utf8'));
		const text = new TextDecoder('gb18030', { fatal: true }).decode(bytes);
		for (const s of [
			'好邻居便利店',
			'购物小票',
			'小票号：T1-20261126-0042',
			'时间：2026-11-26 14:03:05',
			'收银员：王芳',
			'农夫山泉饮用天然水 550ml',
			'可口可乐 330ml（罐装）',
			'散装糖果',
			'￥29.00',
			'微信支付',
			'谢谢惠顾，欢迎再次光临'
		])
			expect(text).toContain(s);
		expect(text).not.toContain('\uFFFD');
		expect(text).not.toContain('?');
		expect(text).not.toContain('¥'); // U+00A5: four GB18030 bytes that print as junk
		expect(gbView(bytes)).toBe(readFileSync(txtFile, 'utf8'));
	});

	test(`starts with ESC @ and FS & (Chinese mode), ends with a cut; every line fits ${columns} columns`, () => {
		const bytes = encode(paper);
		expect([...bytes.slice(0, 4)]).toEqual([0x1b, 0x40, 0x1c, 0x26]);
		expect([...bytes.slice(-4)]).toEqual([0x1d, 0x56, 0x42, 0x00]);
		const lines = printedLines(bytes);
		expect(lines.length).toBeGreaterThan(20);
		for (const { text, width } of lines)
			expect(textWidth(text) * width).toBeLessThanOrEqual(columns);
	});
});

describe('receipt parts', () => {
	test('amounts print with the full-width ￥, negative ones with the sign first', () => {
		expect(printYuan(2345)).toBe('￥23.45');
		expect(printYuan(-45)).toBe('-￥0.45');
	});

	test('a cash receipt with the drawer option ends with ESC p after the cut', () => {
		const { bytes } = encodeReceipt(SAMPLE_SALE, SAMPLE_STORE, {
			paper: 58,
			timeZone: SAMPLE_TIME_ZONE,
			drawer: true
		});
		expect([...bytes.slice(-9)]).toEqual([0x1d, 0x56, 0x42, 0x00, 0x1b, 0x70, 0x00, 25, 250]);
	});

	test('the receipt number as a CODE128 barcode fits the paper (GS w chosen per width)', () => {
		for (const [paper, w] of [
			[58, 1],
			[80, 2]
		] as const) {
			const { bytes } = encodeReceipt(SAMPLE_SALE, SAMPLE_STORE, {
				paper,
				code: 'barcode',
				timeZone: SAMPLE_TIME_ZONE
			});
			const hex = toHex(bytes).replace(/\n/g, '');
			expect(hex).toContain(`1d77${w.toString(16).padStart(2, '0')}`);
			const data = [...new TextEncoder().encode('{BT1-20261126-0042')]
				.map((b) => b.toString(16).padStart(2, '0'))
				.join('');
			expect(hex).toContain(`1d6b49${(18).toString(16)}${data}`);
		}
	});

	test('the English receipt is ASCII but for the amounts’ ￥ and the × sign', () => {
		const { bytes, unencodable } = encodeReceipt(SAMPLE_SALE, SAMPLE_STORE, {
			paper: 80,
			locale: 'en',
			timeZone: SAMPLE_TIME_ZONE
		});
		expect(unencodable).toBe(0);
		const text = new TextDecoder('gb18030').decode(bytes);
		expect(text).toContain('Total');
		expect(text).toContain('￥29.00');
	});
});
