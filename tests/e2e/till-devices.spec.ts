/**
 * Counter hardware on the real till screen (the built app, real Chromium), the hardware stood in
 * for at the browser API boundary (tests/fakes). Devices are granted on /settings from a click,
 * as a person would; the till then opens them by itself.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { encodeReceipt } from '../../src/lib/devices/printer/receipt';
import type { Sale } from '../../src/lib/domain/sale';
import { installFakeCamera } from '../fakes/camera';
import { installFakeHid, type FakeHidDeviceSpec } from '../fakes/hid';
import { hidPosReports } from '../fakes/hid-reports';
import { installFakeSerial } from '../fakes/serial';
import { installFakeUsb } from '../fakes/usb';
import { line, openTill, paymentCode, WATER } from './till-helpers';

const NETUM: FakeHidDeviceSpec = {
	id: 'netum',
	vendorId: 0x1eab,
	productId: 0x8310,
	productName: 'NT-1228BL',
	hidPos: true
};
const SCANNER_PORT = { id: 'scan', usbVendorId: 0x1a86, usbProductId: 0x7523 };
const PRINTER_PORT = { id: 'prn', usbVendorId: 0x0483, usbProductId: 0x5740 };
const USB_PRINTER = { id: 'usbprn', vendorId: 0x0416, productId: 0x5011, productName: 'POS-80' };
const KICK = '1b700019fa';

const fixtureHex = (paper: 58 | 80) =>
	readFileSync(
		fileURLToPath(new URL(`../fixtures/receipt-${paper}.hex`, import.meta.url)),
		'utf8'
	).replace(/\s+/g, '');

async function fakes(page: Page, { camera = [] as string[] } = {}) {
	await page.addInitScript(installFakeHid);
	await page.addInitScript(installFakeSerial);
	await page.addInitScript(installFakeUsb);
	await page.addInitScript(installFakeCamera, { formats: camera });
}

/** To /settings by the top bar's link, `setUp` there, and back to the till. */
async function onSettings(page: Page, setUp: () => Promise<void>) {
	await page.getByTestId('devices-link').click();
	await expect(page.getByTestId('hid-status')).toBeVisible();
	await setUp();
	await page.getByTestId('devices-back').click();
	await expect(page.getByTestId('till')).toBeVisible();
	await expect(page.getByTestId('favourites').getByTestId('product-tile').first()).toBeVisible();
}

async function sendHid(page: Page, id: string, code: string) {
	const reports = hidPosReports(code, ']E0').map((r) => [...r]);
	await page.evaluate(([id, reports]) => window.__fakeHid.input(id, 2, reports), [
		id,
		reports
	] as const);
}

async function sendSerial(page: Page, id: string, chunks: string[]) {
	const bytes = chunks.map((c) => [...new TextEncoder().encode(c)]);
	await page.evaluate(([id, bytes]) => window.__fakeSerial.send(id, bytes), [id, bytes] as const);
}

async function connectSerialPrinter(page: Page, { autoPrint = true } = {}) {
	await page.evaluate((spec) => {
		window.__fakeSerial.plug(spec);
		window.__fakeSerial.choose(spec.id);
	}, PRINTER_PORT);
	await page.getByTestId('printer-connection-serial').check();
	await page.getByTestId('printer-choose-serial').click();
	await expect(page.getByTestId('printer-status')).toHaveAttribute('data-state', 'connected');
	await page.getByTestId('printer-paper-80').check();
	if (autoPrint) await page.getByTestId('printer-auto').check();
}

async function payCashExact(page: Page) {
	await page.getByTestId('pay-cash').click();
	await page.getByTestId('quick-cash').first().click();
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('done')).toBeVisible();
}

/** The sale the till recorded last, from its device database. */
async function lastSale(page: Page): Promise<Sale> {
	return page.evaluate(
		() =>
			new Promise<Sale>((resolve, reject) => {
				const open = indexedDB.open('till');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const all = open.result.transaction('sales').objectStore('sales').getAll();
					all.onsuccess = () => {
						const rows = all.result as { createdAt: string; sale: Sale }[];
						rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
						resolve(rows.at(-1)!.sale);
					};
				};
			})
	);
}

test('an HID scanner granted on /settings rings up at the till, split reports and re-plug included', async ({
	page
}) => {
	await fakes(page);
	await openTill(page);
	await onSettings(page, async () => {
		await page.evaluate((spec) => {
			window.__fakeHid.plug(spec);
			window.__fakeHid.choose([spec.id]);
		}, NETUM);
		await page.getByTestId('hid-connect').click();
		await expect(page.getByTestId('hid-status')).toHaveAttribute('data-state', 'connected');
	});
	// The till opened the granted scanner itself; the code arrives in several reports.
	await expect.poll(() => page.evaluate(() => window.__fakeHid.openCount('netum'))).toBe(2);
	await sendHid(page, 'netum', WATER.barcode);
	await expect(line(page, WATER.name)).toHaveCount(1);

	await page.evaluate(() => window.__fakeHid.unplug('netum'));
	await expect(page.getByTestId('devices-link')).toHaveAttribute('data-attention', 'true');
	await page.evaluate((spec) => window.__fakeHid.plug(spec), NETUM);
	await expect(page.getByTestId('devices-link')).toHaveAttribute('data-attention', 'false');
	await sendHid(page, 'netum', WATER.barcode);
	await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('2');
});

for (const [ending, suffix] of [
	['cr', '\r'],
	['lf', '\n'],
	['crlf', '\r\n']
] as const) {
	test(`a serial scanner (${ending}, split reads) rings up and its payment code charges`, async ({
		page
	}) => {
		await fakes(page);
		await openTill(page);
		await onSettings(page, async () => {
			await page.getByTestId('serial-line-ending').selectOption(ending);
			await page.evaluate((spec) => {
				window.__fakeSerial.plug(spec);
				window.__fakeSerial.choose(spec.id);
			}, SCANNER_PORT);
			await page.getByTestId('serial-connect').click();
			await expect(page.getByTestId('serial-status')).toHaveAttribute('data-state', 'connected');
		});
		await expect.poll(() => page.evaluate(() => window.__fakeSerial.isOpen('scan'))).toBe(true);
		const product = `${WATER.barcode}${suffix}`;
		await sendSerial(page, 'scan', [product.slice(0, 4), product.slice(4, 13), product.slice(13)]);
		await expect(line(page, WATER.name)).toHaveCount(1);
		// The sandbox pays a code ending 00 at once.
		const code = `${paymentCode('00')}${suffix}`;
		await sendSerial(page, 'scan', [code.slice(0, 9), code.slice(9)]);
		await expect(page.getByTestId('done').getByTestId('done-paid')).toHaveText(/收款成功/);
	});
}

test('after a cash sale the serial printer gets the receipt, then the drawer kick', async ({
	page
}) => {
	await fakes(page);
	await openTill(page);
	await onSettings(page, () => connectSerialPrinter(page));
	await expect(page.getByTestId('devices-link')).toHaveAttribute('data-attention', 'false');
	await page.getByTestId('favourites').getByTestId('product-tile').first().click();
	await payCashExact(page);

	const sale = await lastSale(page);
	const store = {
		storeName: (await page.getByTestId('store-name').textContent())!.trim(),
		tillName: (await page.getByTestId('till-name').textContent())!.trim()
	};
	const timeZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
	// The kick rides at the end of the receipt: the drawer opens as the paper is cut.
	const receipt = encodeReceipt(sale, store, { paper: 80, code: 'qr', timeZone, drawer: true });
	const expected = Buffer.from(receipt.bytes).toString('hex');
	expect(expected.endsWith(KICK)).toBe(true);
	await expect.poll(() => page.evaluate(() => window.__fakeSerial.written('prn'))).toBe(expected);
	await expect(page.getByTestId('done-print-problem')).toHaveCount(0);

	// A reprint from the recent sales goes to the printer too, marked as a reprint, no kick.
	await page.getByTestId('new-sale').click();
	await page.getByTestId('recent-button').click();
	await page.getByTestId('recent-sale').first().getByRole('button').click();
	await page.getByTestId('reprint').click();
	const reprint = encodeReceipt(sale, store, { paper: 80, code: 'qr', timeZone, reprint: true });
	await expect
		.poll(() => page.evaluate(() => window.__fakeSerial.written('prn')))
		.toBe(expected + Buffer.from(reprint.bytes).toString('hex'));
});

test('a failing printer never blocks the sale: the till says so and offers browser printing', async ({
	page
}) => {
	await fakes(page);
	await openTill(page);
	await onSettings(page, () => connectSerialPrinter(page));
	await page.evaluate(() => window.__fakeSerial.writeMode('prn', 'error'));
	await page.getByTestId('favourites').getByTestId('product-tile').first().click();
	await payCashExact(page);
	const done = page.getByTestId('done');
	await expect(done.getByTestId('done-print-problem')).toContainText('已改用浏览器打印');
	await expect(done.getByTestId('browser-print')).toBeVisible();
	// Recorded all the same: in the recent sales.
	await expect(done.getByTestId('done-print-problem')).toContainText('打印失败');
	await page.getByTestId('new-sale').click();
	await page.getByTestId('recent-button').click();
	await expect(page.getByTestId('recent-sale')).toHaveCount(1);
});

test('a printer unplugged: the sale is recorded, the done screen says so', async ({ page }) => {
	await fakes(page);
	await openTill(page);
	await onSettings(page, () => connectSerialPrinter(page));
	await page.evaluate(() => window.__fakeSerial.unplug('prn'));
	await expect(page.getByTestId('devices-link')).toHaveAttribute('data-attention', 'true');
	await page.getByTestId('favourites').getByTestId('product-tile').first().click();
	await payCashExact(page);
	await expect(page.getByTestId('done-print-problem')).toHaveText('打印机未连接，已改用浏览器打印');
	await expect(page.getByTestId('done-total')).toBeVisible();
});

test('a WebUSB printer: the test receipt arrives byte for byte as the committed fixture, and the till prints on it', async ({
	page
}) => {
	await fakes(page);
	await openTill(page);
	await onSettings(page, async () => {
		await page.evaluate((spec) => {
			window.__fakeUsb.plug(spec);
			window.__fakeUsb.choose(spec.id);
		}, USB_PRINTER);
		await page.getByTestId('printer-connection-usb').check();
		await page.getByTestId('printer-choose-usb').click();
		await expect(page.getByTestId('printer-status')).toHaveAttribute('data-state', 'connected');
		await expect(page.getByTestId('printer-status')).toContainText('POS-80');
		await page.getByTestId('printer-paper-80').check();
		await page.getByTestId('printer-test').click();
		await expect(page.getByTestId('printer-result')).toContainText('已打印');
		expect(await page.evaluate(() => window.__fakeUsb.written('usbprn'))).toBe(fixtureHex(80));
		expect(await page.evaluate(() => window.__fakeUsb.calls('usbprn'))).toEqual([
			'open',
			'selectConfiguration(1)',
			'claimInterface(0)'
		]);
		await page.getByTestId('printer-auto').check();
	});
	// Back on the till the granted device is opened again, without the chooser.
	await expect(page.getByTestId('devices-link')).toHaveAttribute('data-attention', 'false');
	const before = (await page.evaluate(() => window.__fakeUsb.written('usbprn'))).length;
	await page.getByTestId('favourites').getByTestId('product-tile').first().click();
	await payCashExact(page);
	await expect
		.poll(async () => (await page.evaluate(() => window.__fakeUsb.written('usbprn'))).slice(before))
		.toMatch(new RegExp(`^1b40.*${KICK}$`));
	// Unplugged and back: reconnected for the next receipt.
	await page.evaluate(() => window.__fakeUsb.unplug('usbprn'));
	await expect(page.getByTestId('devices-link')).toHaveAttribute('data-attention', 'true');
	await page.evaluate((spec) => window.__fakeUsb.plug(spec), USB_PRINTER);
	await expect(page.getByTestId('devices-link')).toHaveAttribute('data-attention', 'false');
});

test('the camera button reads a product barcode and a payment code', async ({ page }) => {
	await fakes(page, { camera: ['qr_code', 'code_128', 'ean_13'] });
	await openTill(page);
	await page.getByTestId('camera-button').click();
	await expect(page.getByTestId('till-camera-status')).toHaveAttribute('data-state', 'connected');
	await page.evaluate((code) => window.__fakeCamera.show(code, 'ean_13'), WATER.barcode);
	await expect(line(page, WATER.name)).toHaveCount(1);
	// Held in front of the camera over many frames: still one item.
	const seen = await page.evaluate(() => window.__fakeCamera.detections());
	await expect
		.poll(() => page.evaluate(() => window.__fakeCamera.detections()))
		.toBeGreaterThan(seen + 3);
	await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('1');
	await page.evaluate((code) => window.__fakeCamera.show(code, 'qr_code'), paymentCode('00'));
	await expect(page.getByTestId('done').getByTestId('done-paid')).toHaveText(/收款成功/);
	// The payment code ended the camera's work: the light is off.
	await expect.poll(() => page.evaluate(() => window.__fakeCamera.live())).toBe(false);
});

test('no camera button where the detector reads nothing (Linux Chromium)', async ({ page }) => {
	await fakes(page, { camera: [] });
	await openTill(page);
	await expect(page.getByTestId('devices-link')).toBeVisible();
	await expect(page.getByTestId('camera-button')).toHaveCount(0);
});

test('a browser with no WebHID, Web Serial or WebUSB: the till goes on with the keyboard scanner', async ({
	page
}) => {
	await page.addInitScript(() => {
		for (const api of ['hid', 'serial', 'usb'])
			Object.defineProperty(Navigator.prototype, api, { get: () => undefined, configurable: true });
		localStorage.setItem(
			'till.devices',
			JSON.stringify({ printer: { connection: 'serial', autoPrint: true } })
		);
	});
	await openTill(page);
	await page.getByTestId('favourites').getByTestId('product-tile').first().click();
	await payCashExact(page);
	await expect(page.getByTestId('done-print-problem')).toContainText('浏览器');
	await expect(page.getByTestId('browser-print')).toBeVisible();
	await page.getByTestId('new-sale').click();
	await page.getByTestId('devices-link').click();
	await expect(page.getByTestId('printer-status')).toHaveAttribute('data-state', 'unsupported');
	await expect(page.getByTestId('serial-status')).toContainText('不支持 Web Serial');
});

/** IME-style keys (key 'Process', keyCode 229, isComposing) as Chromium sends them under 微软拼音. */
async function imeScan(page: Page, code: string) {
	await page.evaluate((code) => {
		const target = document.activeElement ?? document.body;
		const t0 = performance.now();
		const keys = [...code].map((c) => `Digit${c}`).concat('Enter');
		keys.forEach((k, i) => {
			const init = { key: 'Process', code: k, bubbles: true, cancelable: true, composed: true };
			const down = new KeyboardEvent('keydown', { ...init, isComposing: true, keyCode: 229 });
			Object.defineProperty(down, 'timeStamp', { value: t0 + i * 3 });
			target.dispatchEvent(down);
			const up = new KeyboardEvent('keyup', { ...init, isComposing: true, keyCode: 229 });
			Object.defineProperty(up, 'timeStamp', { value: t0 + i * 3 + 1 });
			target.dispatchEvent(up);
		});
		target.dispatchEvent(new CompositionEvent('compositionend', { bubbles: true, data: '' }));
	}, code);
}

test('a scan while a Chinese IME composition is open still rings up the right product', async ({
	page
}) => {
	await openTill(page);
	const search = page.getByTestId('search-input');
	await search.focus();
	await search.dispatchEvent('compositionstart', { data: '' });
	await imeScan(page, WATER.barcode);
	await expect(line(page, WATER.name)).toHaveCount(1);
	await expect(search).toHaveValue('');
});
