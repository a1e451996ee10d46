import { describe, expect, test } from 'vitest';
import {
	DEFAULT_DEVICE_SETTINGS,
	loadDeviceSettings,
	portRoleStore,
	saveDeviceSettings
} from '$lib/devices/settings';
import { readScannerSettings } from '$lib/devices/scanner/scanner-settings';

function memory(init: Record<string, string> = {}) {
	const m = new Map(Object.entries(init));
	return {
		getItem: (k: string) => m.get(k) ?? null,
		setItem: (k: string, v: string) => void m.set(k, v),
		map: m
	};
}

describe('device settings', () => {
	test('nothing stored: the defaults (9600 8N1, CR, 80 mm, QR, drawer after cash)', () => {
		expect(loadDeviceSettings(memory())).toEqual(DEFAULT_DEVICE_SETTINGS);
	});

	test('round trip; an unreadable field falls back alone', () => {
		const s = memory();
		const settings = structuredClone(DEFAULT_DEVICE_SETTINGS);
		settings.serial = { enabled: true, baudRate: 115200, lineEnding: 'crlf' };
		settings.printer.paper = 58;
		saveDeviceSettings(settings, s);
		expect(loadDeviceSettings(s)).toEqual(settings);
		s.setItem('till.devices', JSON.stringify({ serial: { baudRate: 1234, lineEnding: 'lf' } }));
		expect(loadDeviceSettings(s).serial).toEqual({
			enabled: true,
			baudRate: 9600,
			lineEnding: 'lf'
		});
		s.setItem('till.devices', '{not json');
		expect(loadDeviceSettings(s)).toEqual(DEFAULT_DEVICE_SETTINGS);
	});

	test('the wedge preset goes where the keyboard wedge reads it, keeping its other keys', () => {
		const s = memory({ 'till.scanner': JSON.stringify({ suffixlessTimeoutMs: 100 }) });
		saveDeviceSettings({ ...DEFAULT_DEVICE_SETTINGS, wedgePreset: 'suffixlessScanner' }, s);
		expect(JSON.parse(s.getItem('till.scanner')!)).toEqual({
			suffixlessTimeoutMs: 100,
			preset: 'suffixlessScanner'
		});
		expect(readScannerSettings(s)).toMatchObject({
			endOnCompleteCode: true,
			suffixlessTimeoutMs: 100
		});
		expect(loadDeviceSettings(s).wedgePreset).toBe('suffixlessScanner');
	});

	test('saving settings never overwrites the serial port roles chosen meanwhile', () => {
		const s = memory();
		const settings = loadDeviceSettings(s);
		portRoleStore(s).save({ '1a86:7523#0': 'scanner', 'x:x#0': 'printer' });
		saveDeviceSettings({ ...settings, printer: { ...settings.printer, paper: 58 } }, s);
		expect(portRoleStore(s).load()).toEqual({ '1a86:7523#0': 'scanner', 'x:x#0': 'printer' });
	});
});
