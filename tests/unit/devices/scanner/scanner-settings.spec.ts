import { describe, expect, test, vi } from 'vitest';
import { readScannerSettings, SCANNER_SETTINGS_KEY } from '$lib/devices/scanner/scanner-settings';

const storage = (value: string | null) => ({
	getItem: (k: string) => (k === SCANNER_SETTINGS_KEY ? value : null)
});

describe('device scanner settings', () => {
	test('none stored, or no storage: the detector defaults', () => {
		expect(readScannerSettings(storage(null))).toEqual({});
		expect(readScannerSettings(null)).toEqual({});
	});
	test('a longer suffixless wait and suffix-only reading are taken', () => {
		expect(
			readScannerSettings(storage('{"suffixlessTimeoutMs":100,"allowSuffixless":false}'))
		).toEqual({
			suffixlessTimeoutMs: 100,
			allowSuffixless: false
		});
		expect(readScannerSettings(storage('{"endOnCompleteCode":true}'))).toEqual({
			endOnCompleteCode: true
		});
	});
	test('bad values are ignored with a warning naming the setting, never thrown', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
		expect(
			readScannerSettings(storage('{"suffixlessTimeoutMs":5,"allowSuffixless":"yes"}'))
		).toEqual({});
		expect(readScannerSettings(storage('{"suffixlessTimeoutMs":40.5}'))).toEqual({});
		expect(readScannerSettings(storage('not json'))).toEqual({});
		expect(readScannerSettings(storage('{"endOnCompleteCode":1}'))).toEqual({});
		expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
			expect.stringContaining('suffixlessTimeoutMs'),
			expect.stringContaining('allowSuffixless'),
			expect.stringContaining('suffixlessTimeoutMs'),
			expect.stringContaining('not JSON'),
			expect.stringContaining('endOnCompleteCode')
		]);
		warn.mockRestore();
	});
});
