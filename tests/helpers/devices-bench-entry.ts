/**
 * Bundled by esbuild into a real Chromium page for `npm run bench:devices` (scripts/bench-devices.ts);
 * here rather than in scripts/ for the reason given in wedge-entry.ts (eslint's default project).
 *
 * Measures, in the page, with the fakes of tests/fakes standing in for the hardware:
 * - HID: from dispatching the last input report of a code (a 2-report QR code and a 1-report
 *   EAN-13) to the till's scan listener on the Scanner hub, through HidScanSource; floor: a bare
 *   `inputreport` listener on another device.
 * - serial: from enqueueing the chunk that ends a line into the port's stream to the scan
 *   listener, through SerialScanSource's reader and LineSplitter; floor: a bare reader loop on
 *   another port, to its chunk.
 * - receipt: encodeReceipt of a 100-line sale at 80 mm, cold (first call, the GB18030 table is
 *   built) and warm; floor: TextEncoder over the same receipt's text.
 */
import { DeviceGrants } from '../../src/lib/devices/grants';
import { encodeReceipt } from '../../src/lib/devices/printer/receipt';
import { HidScanSource } from '../../src/lib/devices/scanner/hid-source';
import { SerialScanSource } from '../../src/lib/devices/scanner/serial-source';
import type { Sale } from '../../src/lib/domain/sale';
import { Scanner } from '../../src/lib/devices/scanner/scanner';
import { installFakeHid } from '../fakes/hid';
import { hidPosReports } from '../fakes/hid-reports';
import { installFakeSerial } from '../fakes/serial';

declare global {
	interface Window {
		tillDevicesBench: {
			receipt(n: number): Promise<ReturnType<typeof benchReceipt>>;
			hid(n: number): ReturnType<typeof benchHid>;
			serial(n: number): ReturnType<typeof benchSerial>;
		};
	}
}

export interface BenchResult {
	hidQr: number[];
	hidEan: number[];
	hidFloor: number[];
	serial: number[];
	serialFloor: number[];
	receiptCold: number;
	receipt: number[];
	receiptFloor: number[];
	receiptBytes: number;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function reportEvent(device: EventTarget, bytes: Uint8Array): Event {
	const e = new Event('inputreport');
	Object.defineProperties(e, {
		device: { value: device },
		reportId: { value: 2 },
		data: { value: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
	});
	return e;
}

async function benchHid(n: number) {
	installFakeHid();
	const fake = window.__fakeHid;
	fake.plug({ id: 'a', vendorId: 0x1eab, productId: 1, productName: 'A', hidPos: true });
	fake.plug({ id: 'b', vendorId: 0x1eab, productId: 2, productName: 'B', hidPos: true });
	fake.choose(['a', 'b']);
	await navigator.hid.requestDevice({ filters: [{ usagePage: 0x8c }] });
	const scanner = new Scanner({ crossSourceDedupeMs: 0 });
	const source = new HidScanSource();
	await scanner.add(source);
	let seen = 0;
	scanner.onScan(() => {
		seen = performance.now();
	});
	await scanner.start();
	const [a, b] = await navigator.hid.getDevices();
	// Device b is not opened by the source (closed again): its bare listener is the floor.
	await b!.close();
	await b!.open();
	let floorSeen = 0;
	b!.addEventListener('inputreport', () => {
		floorSeen = performance.now();
	});
	const qr = hidPosReports('https://qr.alipay.com/' + 'x'.repeat(60), ']Q1');
	const ean = hidPosReports('6901234567892', ']E0');
	const hidQr: number[] = [];
	const hidEan: number[] = [];
	const hidFloor: number[] = [];
	for (let i = 0; i < n; i++) {
		a!.dispatchEvent(reportEvent(a!, qr[0]!));
		await tick();
		let t0 = performance.now();
		a!.dispatchEvent(reportEvent(a!, qr[1]!));
		hidQr.push(seen - t0);
		await tick();
		t0 = performance.now();
		a!.dispatchEvent(reportEvent(a!, ean[0]!));
		hidEan.push(seen - t0);
		await tick();
		t0 = performance.now();
		b!.dispatchEvent(reportEvent(b!, ean[0]!));
		hidFloor.push(floorSeen - t0);
		await tick();
	}
	await scanner.stop();
	return { hidQr, hidEan, hidFloor };
}

async function benchSerial(n: number) {
	installFakeSerial();
	const fake = window.__fakeSerial;
	fake.plug({ id: 's', usbVendorId: 0x1a86, usbProductId: 0x7523 });
	fake.plug({ id: 'f', usbVendorId: 0x0403, usbProductId: 0x6001 });
	const grants = new DeviceGrants();
	fake.choose('s');
	await grants.requestSerialPort('scanner');
	fake.choose('f');
	const floorPort = await navigator.serial.requestPort();
	const scanner = new Scanner({ crossSourceDedupeMs: 0 });
	const source = new SerialScanSource(grants, { baudRate: 9600, lineEnding: 'crlf' });
	await scanner.add(source);
	let resolveScan: (() => void) | null = null;
	let seen = 0;
	scanner.onScan(() => {
		seen = performance.now();
		resolveScan?.();
	});
	await scanner.start();
	await floorPort.open({ baudRate: 9600 });
	const reader = floorPort.readable!.getReader();
	const enc = new TextEncoder();
	const head = enc.encode('69012345');
	const tail = enc.encode('67892\r\n');
	const serial: number[] = [];
	const serialFloor: number[] = [];
	for (let i = 0; i < n; i++) {
		fake.enqueue('s', head);
		await tick();
		const scanned = new Promise<void>((r) => (resolveScan = r));
		const t0 = performance.now();
		fake.enqueue('s', tail);
		await scanned;
		serial.push(seen - t0);
		const t1 = performance.now();
		fake.enqueue('f', tail);
		await reader.read();
		serialFloor.push(performance.now() - t1);
		await tick();
	}
	reader.releaseLock();
	await scanner.stop();
	return { serial, serialFloor };
}

function bigSale(lines: number): Sale {
	const names = [
		'农夫山泉饮用天然水 550ml',
		'可口可乐 330ml（罐装）',
		'康师傅红烧牛肉面',
		'散装糖果',
		'蒙牛纯牛奶 250ml×12'
	];
	const ls = Array.from({ length: lines }, (_, i) => ({
		lineId: `L${i}`,
		productId: `p${i}`,
		name: names[i % names.length]!,
		barcode: null,
		unitPrice: 100 + i,
		quantity: 1 + (i % 3),
		discount: i % 4 === 0 ? 10 : 0,
		total: (100 + i) * (1 + (i % 3)) - (i % 4 === 0 ? 10 : 0)
	}));
	const subtotal = ls.reduce((s, l) => s + l.total, 0);
	return {
		id: 'bench',
		number: 'T1-20261126-0100',
		cashier: '王芳',
		createdAt: '2026-11-26T14:03:05+08:00',
		lines: ls,
		subtotal,
		discount: 0,
		total: subtotal,
		tenders: [{ kind: 'cash', amount: subtotal, tendered: subtotal + 1000, change: 1000 }]
	};
}

function benchReceipt(n: number) {
	const sale = bigSale(100);
	const store = {
		storeName: '好邻居便利店',
		tillName: '1号收银台',
		storeLines: ['朝阳区建国路88号']
	};
	const opts = { paper: 80, timeZone: 'Asia/Shanghai' } as const;
	let t0 = performance.now();
	const first = encodeReceipt(sale, store, opts);
	const receiptCold = performance.now() - t0;
	const text = new TextDecoder('gb18030').decode(first.bytes);
	const receipt: number[] = [];
	const receiptFloor: number[] = [];
	const te = new TextEncoder();
	for (let i = 0; i < n; i++) {
		t0 = performance.now();
		encodeReceipt(sale, store, opts);
		receipt.push(performance.now() - t0);
		t0 = performance.now();
		te.encode(text);
		receiptFloor.push(performance.now() - t0);
	}
	return { receiptCold, receipt, receiptFloor, receiptBytes: first.bytes.length };
}

// One stage per page.evaluate: each gets its own user activation (the choosers need one, and it
// expires after a few seconds).
window.tillDevicesBench = {
	receipt: (n) => Promise.resolve(benchReceipt(n)),
	hid: benchHid,
	serial: benchSerial
};
