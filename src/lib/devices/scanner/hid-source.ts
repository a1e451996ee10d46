/// <reference types="w3c-web-hid" />
/**
 * The WebHID ScanSource: scanners in HID POS mode (usage page 0x8C).
 *
 * Our own rather than `@point-of-sale/webhid-barcode-scanner` 1.2.2: that one filters the
 * chooser to four vendor ids (the cheap Chinese HID POS scanners are not among them) and decodes
 * byte by byte (Chinese QR text breaks). Here the chooser asks for the HID POS usage page, so
 * any vendor's scanner in that mode is offered, and reports are joined before decoding
 * (hid-report.ts).
 *
 * - The first connection needs the browser's chooser, so `requestDevice` must run in a click.
 *   After that `start` opens the granted devices (`getDevices`), and a granted scanner plugged
 *   back in is opened again on the `connect` event.
 * - A scanner in keyboard mode types into the page (the keyboard wedge reads it) and WebHID
 *   cannot see it: Chromium blocks the keyboard usage page. The chooser also lists the known
 *   vendors' devices so that one showing no HID POS collection can be named and explained
 *   (status message 'hid.keyboardMode'), with the setup code to scan.
 * - Honeywell (and its Metrologic and 优解 Youjie brands, vendor 0x0C2E / 0x23D0) send no
 *   scanned data in HID POS mode until the host enables it with feature report 0xFE = 01 (what
 *   @point-of-sale/webhid-barcode-scanner does for them); it is sent on every open.
 */
import type { ScanEmit, ScanSource } from '$lib/devices/scanner/scanner';
import { errorVars as vars, isSecure, StatusEmitter, type DeviceStatus } from '../status';
import {
	HID_POS_SCANNER_USAGE,
	HID_POS_USAGE_PAGE,
	HidReportJoiner,
	type JoinedScan
} from './hid-report';
import type { DeviceScanEvent } from './events';

interface KnownVendor {
	vendorId: number;
	brand: string;
	/** Feature report that turns on scanned-data reports in HID POS mode. */
	enable?: { reportId: number; data: number[] };
	/** What to scan (from the manual) to leave keyboard mode. */
	setupCode?: string;
}

export const KNOWN_HID_VENDORS: readonly KnownVendor[] = [
	{
		vendorId: 0x0c2e,
		brand: 'Honeywell',
		enable: { reportId: 0xfe, data: [0x01] },
		setupCode: 'PAP131'
	},
	{ vendorId: 0x23d0, brand: 'Metrologic', enable: { reportId: 0xfe, data: [0x01] } },
	{ vendorId: 0x05e0, brand: 'Zebra' },
	{ vendorId: 0x05f9, brand: 'Datalogic' }
];

export function isHidPosScanner(device: HIDDevice): boolean {
	return device.collections.some(
		(c) => c.usagePage === HID_POS_USAGE_PAGE && c.usage === HID_POS_SCANNER_USAGE
	);
}

function deviceName(device: HIDDevice): string {
	const vendor = KNOWN_HID_VENDORS.find((v) => v.vendorId === device.vendorId);
	const name = device.productName?.trim();
	return name || `${vendor?.brand ?? 'HID'} ${hex(device.vendorId)}:${hex(device.productId)}`;
}

const hex = (n: number) => n.toString(16).padStart(4, '0');

export interface HidScanSourceOptions {
	name?: string;
	/** Default `navigator.hid`. */
	hid?: HID | null;
}

export class HidScanSource extends StatusEmitter implements ScanSource {
	readonly name: string;
	readonly #hid: HID | null;
	readonly #open = new Map<HIDDevice, HidReportJoiner>();
	#emit: ScanEmit | null = null;
	#everConnected = false;

	constructor(options: HidScanSourceOptions = {}) {
		const hid =
			options.hid !== undefined ? options.hid : (globalThis.navigator?.hid as HID | undefined);
		const supported = Boolean(hid) && isSecure();
		super(
			supported
				? { state: 'idle', devices: [] }
				: {
						state: 'unsupported',
						devices: [],
						message: isSecure() ? 'status.noWebHid' : 'status.insecure'
					}
		);
		this.name = options.name ?? 'webhid';
		this.#hid = supported ? (hid ?? null) : null;
	}

	get supported(): boolean {
		return this.#hid !== null;
	}

	async start(emit: ScanEmit): Promise<void> {
		if (!this.#hid || this.#emit) return;
		this.#emit = emit;
		this.#hid.addEventListener('connect', this.#onConnect);
		this.#hid.addEventListener('disconnect', this.#onDisconnect);
		const granted = await this.#hid.getDevices();
		await Promise.all(granted.filter(isHidPosScanner).map((d) => this.#openDevice(d)));
		this.#report();
	}

	async stop(): Promise<void> {
		if (!this.#hid) return;
		this.#hid.removeEventListener('connect', this.#onConnect);
		this.#hid.removeEventListener('disconnect', this.#onDisconnect);
		this.#emit = null;
		const open = [...this.#open.keys()];
		this.#open.clear();
		await Promise.all(
			open.map(async (d) => {
				d.removeEventListener('inputreport', this.#onInput);
				await d.close().catch(() => undefined);
			})
		);
		if (this.status.state !== 'unsupported') this.setStatus({ state: 'idle', devices: [] });
	}

	/**
	 * Shows the browser's chooser (call it from a click: the browser refuses otherwise) and opens
	 * what the user picks. Resolves with the status to show.
	 */
	async requestDevice(): Promise<DeviceStatus> {
		if (!this.#hid) return this.status;
		let picked: HIDDevice[];
		try {
			picked = await this.#hid.requestDevice({
				filters: [
					{ usagePage: HID_POS_USAGE_PAGE },
					...KNOWN_HID_VENDORS.map((v) => ({ vendorId: v.vendorId }))
				]
			});
		} catch (error) {
			this.setStatus({
				...this.status,
				state: 'error',
				message: 'status.failed',
				vars: vars(error)
			});
			return this.status;
		}
		if (picked.length === 0) {
			// Closed the chooser: most often because the scanner was not in the list.
			this.setStatus({ ...this.status, message: 'hid.notListed', vars: undefined });
			return this.status;
		}
		const keyboard = picked.filter((d) => !isHidPosScanner(d));
		await Promise.all(picked.filter(isHidPosScanner).map((d) => this.#openDevice(d)));
		this.#report();
		if (keyboard.length > 0 && this.#open.size === 0) {
			const d = keyboard[0]!;
			const vendor = KNOWN_HID_VENDORS.find((v) => v.vendorId === d.vendorId);
			this.setStatus({
				...this.status,
				message: vendor?.setupCode ? 'hid.keyboardModeCode' : 'hid.keyboardMode',
				vars: { name: deviceName(d), code: vendor?.setupCode ?? '' }
			});
		}
		return this.status;
	}

	async #openDevice(device: HIDDevice): Promise<void> {
		if (this.#open.has(device) || !this.#emit) return;
		try {
			if (!device.opened) await device.open();
			const vendor = KNOWN_HID_VENDORS.find((v) => v.vendorId === device.vendorId);
			if (vendor?.enable) {
				// Older firmware has no such report and refuses it: the scanner then sends anyway.
				await device
					.sendFeatureReport(vendor.enable.reportId, Uint8Array.from(vendor.enable.data))
					.catch(() => undefined);
			}
		} catch (error) {
			this.setStatus({
				state: 'error',
				devices: this.#names(),
				message: 'status.openFailed',
				vars: { name: deviceName(device), ...vars(error) }
			});
			return;
		}
		this.#open.set(device, new HidReportJoiner());
		device.addEventListener('inputreport', this.#onInput);
		this.#everConnected = true;
	}

	readonly #onInput = (e: Event): void => {
		const { device, reportId, data } = e as HIDInputReportEvent;
		const joiner = this.#open.get(device);
		if (!joiner || !this.#emit) return;
		const at = Date.now();
		const scan: JoinedScan | null = joiner.push(reportId, data, at);
		if (!scan) return;
		const event: DeviceScanEvent = {
			code: scan.code,
			source: this.name,
			at,
			symbology: scan.symbology,
			device: deviceName(device)
		};
		this.#emit(event);
	};

	readonly #onConnect = (e: Event): void => {
		const device = (e as HIDConnectionEvent).device;
		if (!isHidPosScanner(device)) return;
		void this.#openDevice(device).then(() => this.#report());
	};

	readonly #onDisconnect = (e: Event): void => {
		const device = (e as HIDConnectionEvent).device;
		if (!this.#open.delete(device)) return;
		device.removeEventListener('inputreport', this.#onInput);
		this.#report();
	};

	#names(): string[] {
		return [...this.#open.keys()].map(deviceName);
	}

	#report(): void {
		if (this.status.state === 'unsupported') return;
		const devices = this.#names();
		if (devices.length > 0) this.setStatus({ state: 'connected', devices });
		else if (this.status.state === 'error') return;
		else if (this.#everConnected)
			this.setStatus({ state: 'disconnected', devices, message: 'status.replug' });
		else this.setStatus({ state: 'idle', devices });
	}
}
