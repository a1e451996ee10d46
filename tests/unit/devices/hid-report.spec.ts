import { describe, expect, test } from 'vitest';
import { HidReportJoiner, parseHidPosReport } from '$lib/devices/scanner/hid-report';
import { hidPosReports } from '../../fakes/hid-reports';

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('HID POS report joiner', () => {
	test('one report: the code, its AIM id and symbology', () => {
		const j = new HidReportJoiner();
		const [r] = hidPosReports('6901234567892', ']E0');
		expect(j.push(2, view(r!), 0)).toEqual({
			code: '6901234567892',
			aim: ']E0',
			symbology: 'ean13'
		});
	});

	test('a long code across three reports is joined, in order', () => {
		const code = 'https://qr.alipay.com/' + 'x'.repeat(120);
		const reports = hidPosReports(code, ']Q1');
		expect(reports.length).toBe(3);
		const j = new HidReportJoiner();
		expect(j.push(2, view(reports[0]!), 0)).toBeNull();
		expect(j.push(2, view(reports[1]!), 5)).toBeNull();
		expect(j.push(2, view(reports[2]!), 10)).toMatchObject({ code, symbology: 'qr' });
	});

	test('Chinese QR text cut mid-character between reports decodes as UTF-8, not byte by byte', () => {
		const code = '收款方：好邻居便利店'.repeat(4); // 120 UTF-8 bytes: cut inside a character
		const reports = hidPosReports(code, ']Q1');
		const j = new HidReportJoiner();
		let out = null;
		for (const r of reports) out = j.push(2, view(r), 0);
		expect(out).toMatchObject({ code });
	});

	test('the scanner’s CR suffix is not part of the code', () => {
		const [r] = hidPosReports('6901234567892\r', ']E0');
		expect(new HidReportJoiner().push(2, view(r!), 0)?.code).toBe('6901234567892');
	});

	test('firmware with one byte before the AIM id', () => {
		const [r] = hidPosReports('12345678', ']E4', { shifted: true });
		expect(new HidReportJoiner().push(2, view(r!), 0)).toMatchObject({
			code: '12345678',
			symbology: 'ean8'
		});
	});

	test('a code whose next part never came is dropped, not glued to the next scan', () => {
		const long = hidPosReports('y'.repeat(80), ']C0');
		const j = new HidReportJoiner(500);
		expect(j.push(2, view(long[0]!), 0)).toBeNull();
		const [next] = hidPosReports('6901234567892', ']E0');
		expect(j.push(2, view(next!), 2000)?.code).toBe('6901234567892');
	});

	test('other reports (another id, no AIM id) are not scans', () => {
		const [r] = hidPosReports('1', ']E0');
		expect(parseHidPosReport(1, view(r!))).toBeNull();
		expect(parseHidPosReport(2, view(new Uint8Array(63)))).toBeNull();
	});
});
