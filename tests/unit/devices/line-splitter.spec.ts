import { describe, expect, test } from 'vitest';
import { LineSplitter } from '$lib/devices/scanner/line-splitter';

const bytes = (s: string) => new TextEncoder().encode(s);
const feed = (splitter: LineSplitter, ...chunks: string[]) =>
	chunks.flatMap((c) => splitter.push(bytes(c)));

describe('serial line splitter', () => {
	test.each([
		['cr', '6901234567892\r134567890123456700\r'],
		['lf', '6901234567892\n134567890123456700\n'],
		['crlf', '6901234567892\r\n134567890123456700\r\n']
	] as const)('%s: one code per line', (ending, stream) => {
		expect(feed(new LineSplitter(ending), stream)).toEqual(['6901234567892', '134567890123456700']);
	});

	test('a code cut between reads waits for the rest', () => {
		const s = new LineSplitter('cr');
		expect(feed(s, '69012')).toEqual([]);
		expect(s.pending).toBe(5);
		expect(feed(s, '34567', '892\r13')).toEqual(['6901234567892']);
		expect(feed(s, '4567890123456700\r')).toEqual(['134567890123456700']);
	});

	test('crlf: the CR and the LF in two reads', () => {
		const s = new LineSplitter('crlf');
		expect(feed(s, '6901234567892\r')).toEqual([]);
		expect(feed(s, '\n')).toEqual(['6901234567892']);
	});

	test('cr set but the scanner sends CR LF: the LF, even in the next read, is not a code', () => {
		const s = new LineSplitter('cr');
		expect(feed(s, '6901234567892\r', '\n6901234567892\r\n')).toEqual([
			'6901234567892',
			'6901234567892'
		]);
	});

	test('lf set but the scanner sends CR LF: the CR is dropped', () => {
		expect(feed(new LineSplitter('lf'), '6901234567892\r\n')).toEqual(['6901234567892']);
	});

	test('a UTF-8 character cut between two reads comes out whole', () => {
		const s = new LineSplitter('cr');
		const all = bytes('农夫山泉\r');
		expect(s.push(all.subarray(0, 4))).toEqual([]);
		expect(s.push(all.subarray(4))).toEqual(['农夫山泉']);
	});

	test('GBK text (an old Chinese QR generator) is read as GB18030', () => {
		const s = new LineSplitter('cr');
		expect(s.push(Uint8Array.of(0xd6, 0xd0, 0xce, 0xc4, 0x0d))).toEqual(['中文']);
	});

	test('empty lines are skipped; a runaway line (wrong baud rate) is dropped', () => {
		const s = new LineSplitter('lf');
		expect(feed(s, '\n\n')).toEqual([]);
		expect(feed(s, 'x'.repeat(5000) + '\n', 'ok\n')).toEqual(['ok']);
	});
});
