/**
 * The device settings page (/settings) of the built app in real Chromium, with the hardware
 * stood in for at the browser API boundary (tests/fakes: navigator.hid, navigator.serial,
 * BarcodeDetector and the camera), installed before the page's own scripts run.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { installFakeCamera } from '../fakes/camera';
import { installFakeHid, type FakeHidDeviceSpec } from '../fakes/hid';
import { hidPosReports } from '../fakes/hid-reports';
import { installFakeSerial } from '../fakes/serial';
import { scan } from './till-helpers';

const HONEYWELL: FakeHidDeviceSpec = {
	id: 'hw',
	vendorId: 0x0c2e,
	productId: 0x0b61,
	productName: 'Honeywell 1470g',
	hidPos: true
};
const NETUM: FakeHidDeviceSpec = {
	id: 'netum',
	vendorId: 0x1eab,
	productId: 0x8310,
	productName: 'NT-1228BL',
	hidPos: true
};
const SCANNER_PORT = { id: 'scan', usbVendorId: 0x1a86, usbProductId: 0x7523 };
const PRINTER_PORT = { id: 'prn', usbVendorId: 0x0483, usbProductId: 0x5740 };

const fixtureHex = (paper: 58 | 80) =>
	readFileSync(
		fileURLToPath(new URL(`../fixtures/receipt-${paper}.hex`, import.meta.url)),
		'utf8'
	).replace(/\s+/g, '');

async function open(page: Page, { camera = ['qr_code', 'code_128', 'ean_13'] } = {}) {
	await page.addInitScript(installFakeHid);
	await page.addInitScript(installFakeSerial);
	await page.addInitScript(installFakeCamera, { formats: camera });
	await page.goto('/settings');
	await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'idle');
}

const rows = (page: Page) => page.getByTestId('scan-row');

async function sendHid(page: Page, id: string, code: string, aim: string) {
	const reports = hidPosReports(code, aim).map((r) => [...r]);
	await page.evaluate(([id, reports]) => window.__fakeHid.input(id, 2, reports), [
		id,
		reports
	] as const);
}

async function sendSerial(page: Page, id: string, chunks: string[]) {
	const bytes = chunks.map((c) => [...new TextEncoder().encode(c)]);
	await page.evaluate(([id, bytes]) => window.__fakeSerial.send(id, bytes), [id, bytes] as const);
}

test.describe('HID POS scanners', () => {
	test('connected from a click; a code split across reports is one scan; Chinese QR text decodes', async ({
		page
	}) => {
		await open(page);
		await page.evaluate((spec) => {
			window.__fakeHid.plug(spec);
			window.__fakeHid.choose([spec.id]);
		}, NETUM);
		// Plugged in but never granted: nothing opens it until the user picks it from a click.
		await page.waitForTimeout(200);
		await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'idle');
		await page.getByTestId('hid-connect').click();
		await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'connected');
		await expect(page.getByTestId('hid-status')).toContainText('NT-1228BL');

		await sendHid(page, 'netum', '6901234567892', ']E0');
		await expect(rows(page)).toHaveCount(1);
		await expect(rows(page).first()).toHaveAttribute('data-kind', 'ean13');
		await expect(rows(page).first().getByTestId('scan-symbology')).toHaveText('ean13');

		// 150 bytes of UTF-8 in three reports, cut inside a character.
		const qr = '好邻居便利店会员码：' + 'ABCDEFGHIJ'.repeat(12);
		await sendHid(page, 'netum', qr, ']Q1');
		await expect(rows(page)).toHaveCount(2);
		await expect(rows(page).first().getByTestId('scan-code')).toHaveText(qr);
		await expect(rows(page).first().getByTestId('scan-symbology')).toHaveText('qr');

		// A WeChat payment code is classified as one.
		await sendHid(page, 'netum', '134567890123456700', ']C0');
		await expect(rows(page).first()).toHaveAttribute('data-kind', 'wechat');
	});

	test('a granted scanner reconnects at start and on re-plug, with no click', async ({ page }) => {
		await open(page);
		await page.evaluate((spec) => {
			window.__fakeHid.plug(spec);
			window.__fakeHid.choose([spec.id]);
		}, HONEYWELL);
		await page.getByTestId('hid-connect').click();
		await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'connected');
		// Honeywell sends no scan data in HID POS mode until enabled by feature report 0xFE.
		expect(await page.evaluate(() => window.__fakeHid.featureReports('hw'))).toEqual([
			{ reportId: 0xfe, data: [1] }
		]);

		await page.evaluate(() => window.__fakeHid.unplug('hw'));
		await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'disconnected');
		await page.evaluate((spec) => window.__fakeHid.plug(spec), HONEYWELL);
		await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'connected');
		await sendHid(page, 'hw', '6901234567892', ']E0');
		await expect(rows(page)).toHaveCount(1);

		// A reload: the granted device is opened again without the chooser.
		await page.reload();
		await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'connected');
		await sendHid(page, 'hw', '6901234567892', ']E0');
		await expect(rows(page)).toHaveCount(1);
	});

	test('a scanner in keyboard mode: the page says what to change', async ({ page }) => {
		await open(page);
		await page.evaluate(
			(spec) => {
				window.__fakeHid.plug(spec);
				window.__fakeHid.choose([spec.id]);
			},
			{ ...HONEYWELL, id: 'kbd', hidPos: false }
		);
		await page.getByTestId('hid-connect').click();
		await expect(page.getByTestId('hid-status')).toContainText('键盘模式');
		await expect(page.getByTestId('hid-status')).toContainText('PAP131');

		// Nothing in the chooser (closed): the likely reason is said too.
		await page.evaluate(() => window.__fakeHid.choose([]));
		await page.getByTestId('hid-connect').click();
		await expect(page.getByTestId('hid-status')).toContainText('USB HID POS');
	});
});

test.describe('serial scanners', () => {
	for (const [ending, suffix] of [
		['cr', '\r'],
		['lf', '\n'],
		['crlf', '\r\n']
	] as const) {
		test(`line ending ${ending}: codes split anywhere across reads`, async ({ page }) => {
			await open(page);
			await page.getByTestId('serial-line-ending').selectOption(ending);
			await page.evaluate((spec) => {
				window.__fakeSerial.plug(spec);
				window.__fakeSerial.choose(spec.id);
			}, SCANNER_PORT);
			await page.getByTestId('serial-connect').click();
			await expect(page.getByTestId('serial-status')).toHaveAttribute('data-state', 'connected');
			expect(await page.evaluate(() => window.__fakeSerial.openOptions('scan'))).toEqual([
				{ baudRate: 9600 }
			]);
			const stream = `6901234567892${suffix}134567890123456700${suffix}`;
			// Cut mid-code, and (for CR LF) between the CR and the LF.
			const cut = stream.indexOf('\n') > 0 ? stream.indexOf('\n') : 20;
			await sendSerial(page, 'scan', [stream.slice(0, 5), stream.slice(5, cut), stream.slice(cut)]);
			await expect(rows(page)).toHaveCount(2);
			await expect(rows(page).nth(1).getByTestId('scan-code')).toHaveText('6901234567892');
			await expect(rows(page).nth(0).getByTestId('scan-code')).toHaveText('134567890123456700');
			await expect(rows(page).nth(0)).toHaveAttribute('data-source', 'serial');
		});
	}

	test('the baud rate is applied, and a re-plugged port is read again', async ({ page }) => {
		await open(page);
		await page.evaluate((spec) => {
			window.__fakeSerial.plug(spec);
			window.__fakeSerial.choose(spec.id);
		}, SCANNER_PORT);
		await page.getByTestId('serial-connect').click();
		await expect(page.getByTestId('serial-status')).toHaveAttribute('data-state', 'connected');
		await page.getByTestId('serial-baud').selectOption('115200');
		await expect
			.poll(() => page.evaluate(() => window.__fakeSerial.openOptions('scan').at(-1)))
			.toEqual({ baudRate: 115200 });

		await page.evaluate(() => window.__fakeSerial.unplug('scan'));
		await expect(page.getByTestId('serial-status')).toHaveAttribute('data-state', 'disconnected');
		await page.evaluate((spec) => window.__fakeSerial.plug(spec), SCANNER_PORT);
		await expect(page.getByTestId('serial-status')).toHaveAttribute('data-state', 'connected');
		await sendSerial(page, 'scan', ['69012345', '67892\r']);
		await expect(rows(page)).toHaveCount(1);
		await expect(rows(page).first().getByTestId('scan-code')).toHaveText('6901234567892');
	});
});

test.describe('camera', () => {
	test('a payment code held to the camera is one scan, however many frames see it', async ({
		page
	}) => {
		await open(page);
		await page.getByTestId('camera-toggle').click();
		await expect(page.getByTestId('camera-status')).toHaveAttribute('data-state', 'connected');
		await page.evaluate(() => window.__fakeCamera.show('284567890123456701', 'qr_code'));
		await expect(rows(page)).toHaveCount(1);
		await expect(rows(page).first()).toHaveAttribute('data-kind', 'alipay');
		await expect(rows(page).first()).toHaveAttribute('data-source', 'camera');
		const seen = await page.evaluate(() => window.__fakeCamera.detections());
		await expect
			.poll(() => page.evaluate(() => window.__fakeCamera.detections()))
			.toBeGreaterThan(seen + 3);
		await expect(rows(page)).toHaveCount(1);
		await page.getByTestId('camera-toggle').click();
		expect(await page.evaluate(() => window.__fakeCamera.live())).toBe(false);
	});

	test('a detector that knows no formats (Linux Chromium): the page says the camera cannot scan', async ({
		page
	}) => {
		await open(page, { camera: [] });
		await expect(page.getByTestId('camera-unsupported')).toContainText('条码识别');
		await expect(page.getByTestId('camera-toggle')).toHaveCount(0);
	});
});

test.describe('receipt printer and cash drawer', () => {
	async function connectPrinter(page: Page) {
		await page.evaluate((spec) => {
			window.__fakeSerial.plug(spec);
			window.__fakeSerial.choose(spec.id);
		}, PRINTER_PORT);
		await page.getByTestId('printer-connection-serial').check();
		await page.getByTestId('printer-choose-serial').click();
		await expect(page.getByTestId('printer-status')).toHaveAttribute('data-state', 'connected');
	}

	for (const paper of [80, 58] as const) {
		test(`the test print's bytes are the committed ${paper} mm fixture`, async ({ page }) => {
			await open(page);
			await connectPrinter(page);
			await page.getByTestId(`printer-paper-${paper}`).check();
			await page.getByTestId('printer-test').click();
			await expect(page.getByTestId('printer-result')).toContainText('已打印');
			expect(await page.evaluate(() => window.__fakeSerial.written('prn'))).toBe(fixtureHex(paper));
		});
	}

	test('open the drawer: ESC p on pin 2, or pin 5 when set', async ({ page }) => {
		await open(page);
		await connectPrinter(page);
		await page.getByTestId('printer-open-drawer').click();
		await expect(page.getByTestId('printer-result')).toContainText('开钱箱');
		expect(await page.evaluate(() => window.__fakeSerial.written('prn'))).toBe('1b700019fa');
		await page.getByTestId('printer-drawer-pin').selectOption('5');
		await page.getByTestId('printer-open-drawer').click();
		await expect
			.poll(() => page.evaluate(() => window.__fakeSerial.written('prn')))
			.toBe('1b700019fa1b700119fa');
	});

	test('a missing, failing or stuck printer: the result says so and offers browser printing', async ({
		page
	}) => {
		await open(page);
		// Not set up at all.
		await page.getByTestId('printer-test').click();
		await expect(page.getByTestId('printer-result')).toContainText('请用浏览器打印');
		// Set up, but nothing granted or plugged in.
		await page.getByTestId('printer-connection-serial').check();
		await page.getByTestId('printer-test').click();
		await expect(page.getByTestId('printer-result')).toHaveText('打印机未连接，已改用浏览器打印');

		await connectPrinter(page);
		await page.evaluate(() => window.__fakeSerial.writeMode('prn', 'error'));
		await page.getByTestId('printer-test').click();
		await expect(page.getByTestId('printer-result')).toContainText('打印失败');
		await expect(page.getByTestId('printer-result')).toContainText('已改用浏览器打印');

		// Out of paper: the printer takes no bytes. The call still ends, within its timeout.
		await page.evaluate(() => window.__fakeSerial.writeMode('prn', 'hang'));
		await page.getByTestId('printer-test').click();
		await expect(page.getByTestId('printer-result')).toContainText('打印机没有响应', {
			timeout: 15_000
		});
		// And the printer works again once it takes bytes.
		await page.evaluate(() => window.__fakeSerial.writeMode('prn', 'ok'));
		await expect(async () => {
			await page.getByTestId('printer-open-drawer').click();
			await expect(page.getByTestId('printer-result')).toContainText('开钱箱', { timeout: 1000 });
		}).toPass({ timeout: 10_000 });
	});

	test('a serial scanner and a serial printer share the granted ports, each on its own', async ({
		page
	}) => {
		await open(page);
		await connectPrinter(page);
		await page.evaluate((spec) => {
			window.__fakeSerial.plug(spec);
			window.__fakeSerial.choose(spec.id);
		}, SCANNER_PORT);
		await page.getByTestId('serial-connect').click();
		await expect(page.getByTestId('serial-status')).toHaveAttribute('data-state', 'connected');
		await page.reload();
		// After a reload each port goes back to its own user: the scanner reads, the printer prints.
		await expect(page.getByTestId('serial-status')).toHaveAttribute('data-state', 'connected');
		await expect(page.getByTestId('printer-status')).toHaveAttribute('data-state', 'connected');
		await expect(page.getByTestId('serial-status')).toContainText('1a86:7523');
		await expect(page.getByTestId('printer-status')).toContainText('0483:5740');
		await sendSerial(page, 'scan', ['6901234567892\r']);
		await expect(rows(page)).toHaveCount(1);
		await page.getByTestId('printer-open-drawer').click();
		await expect
			.poll(() => page.evaluate(() => window.__fakeSerial.written('prn')))
			.toBe('1b700019fa');
	});
});

test('a browser without WebHID and Web Serial: the page says so; the keyboard scanner still works', async ({
	page
}) => {
	await page.addInitScript(() => {
		for (const api of ['hid', 'serial', 'usb'])
			Object.defineProperty(Navigator.prototype, api, { get: () => undefined, configurable: true });
	});
	await page.goto('/settings');
	await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'unsupported');
	await expect(page.getByTestId('hid-status')).toContainText('不支持 WebHID');
	await expect(page.getByTestId('serial-status')).toContainText('不支持 Web Serial');
	await expect(page.getByTestId('hid-connect')).toHaveCount(0);
	await scan(page, '6901234567892');
	await expect(rows(page)).toHaveCount(1);
	await expect(rows(page).first()).toHaveAttribute('data-source', 'keyboard');
	await expect(rows(page).first()).toHaveAttribute('data-kind', 'ean13');
});

test('English on request; settings persist on the device', async ({ page }) => {
	await open(page);
	await page.getByTestId('devices-language').click();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Devices');
	await page.getByTestId('printer-paper-58').check();
	await page.getByTestId('wedge-preset').selectOption('slowScanner');
	await page.reload();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Devices');
	await expect(page.getByTestId('printer-paper-58')).toBeChecked();
	await expect(page.getByTestId('wedge-preset')).toHaveValue('slowScanner');
	// The keyboard wedge of the till reads its preset where it always has.
	expect(await page.evaluate(() => localStorage.getItem('till.scanner'))).toBe(
		'{"preset":"slowScanner"}'
	);
});

for (const [w, h] of [
	[375, 740],
	[800, 1280],
	[1366, 768]
] as const) {
	test(`fits a ${w}×${h} screen; buttons are finger-sized`, async ({ page }) => {
		await page.setViewportSize({ width: w, height: h });
		await open(page);
		const overflow = await page.evaluate(
			() => document.documentElement.scrollWidth - document.documentElement.clientWidth
		);
		expect(overflow).toBeLessThanOrEqual(0);
		for (const b of await page.locator('button:visible, select:visible').all()) {
			const box = await b.boundingBox();
			expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
		}
	});
}
