import { describe, expect, test } from 'vitest';
import { encodeGb18030 } from '$lib/devices/printer/gb18030';
import { textWidth, twoColumns, wrap } from '$lib/devices/printer/columns';

const gb = new TextDecoder('gb18030', { fatal: true });
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

describe('GB18030 encoder (reverse of TextDecoder)', () => {
	test('known code points: ASCII as is, Chinese as two bytes', () => {
		expect(hex(encodeGb18030('A1 ').bytes)).toBe('41 31 20');
		expect(hex(encodeGb18030('中文').bytes)).toBe('d6 d0 ce c4');
		expect(hex(encodeGb18030('￥').bytes)).toBe('a3 a4');
		expect(hex(encodeGb18030('，（）').bytes)).toBe('a3 ac a3 a8 a3 a9');
	});

	test('round-trips a receipt’s worth of Chinese through TextDecoder', () => {
		const text =
			'好邻居便利店 农夫山泉饮用天然水 可口可乐（罐装）谢谢惠顾，欢迎再次光临 鑫犇骉 ×÷±';
		const { bytes, unencodable } = encodeGb18030(text);
		expect(unencodable).toBe(0);
		expect(gb.decode(bytes)).toBe(text);
	});

	test('every two-byte GBK character round-trips (all 21,000+ of them)', () => {
		let checked = 0;
		for (let lead = 0x81; lead <= 0xfe; lead++) {
			for (let trail = 0x40; trail <= 0xfe; trail++) {
				if (trail === 0x7f) continue;
				let ch: string;
				try {
					ch = gb.decode(Uint8Array.of(lead, trail));
				} catch {
					continue;
				}
				if (ch.length !== 1 || ch.charCodeAt(0) < 0x80) continue;
				expect(gb.decode(encodeGb18030(ch).bytes)).toBe(ch);
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(21000);
	});

	test('the half-width ¥ prints as the full-width ￥, never as its four-byte form', () => {
		expect(hex(encodeGb18030('¥5').bytes)).toBe('a3 a4 35');
	});

	test('a character with no two-byte form (emoji, rare CJK) is one ?', () => {
		const { bytes, unencodable } = encodeGb18030('a😀b\u{20000}c');
		expect(gb.decode(bytes)).toBe('a?b?c');
		expect(unencodable).toBe(2);
	});
});

describe('columns', () => {
	test('a two-byte character takes two columns, × included (the printer prints it wide)', () => {
		expect(textWidth('可乐 330ml')).toBe(10);
		expect(textWidth('2 × 3.50')).toBe(9);
	});

	test('wrapping never splits a Chinese character and keeps every line within the width', () => {
		const lines = wrap('农夫山泉饮用天然水550ml特惠装', 9);
		expect(lines).toEqual(['农夫山泉', '饮用天然', '水550ml特', '惠装']);
		for (const l of lines) expect(textWidth(l)).toBeLessThanOrEqual(9);
	});

	test('two columns: amount flush right; a long left part wraps, the amount on its last line', () => {
		expect(twoColumns('小计', '￥29.45', 16)).toEqual(['小计     ￥29.45']);
		expect(twoColumns('超长的商品名称一二三四', '￥1.00', 16)).toEqual([
			'超长的商品名称一',
			'二三四    ￥1.00'
		]);
		expect(twoColumns('一二三四五六七', '￥1.00', 16)).toEqual([
			'一二三四五六七',
			'          ￥1.00'
		]);
	});
});
