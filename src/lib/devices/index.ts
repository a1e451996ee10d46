/**
 * Counter hardware for the till (issue 15): what the till screen calls. Browser only.
 *
 *   const devices = await startDevices(scanner);            // on mount, after the wedge source
 *   …
 *   const results = await devices.afterSale(sale, store);   // a sale is recorded
 *   const print = await devices.printReceipt(sale, store, { reprint: true });
 *   await devices.stop();                                    // on destroy
 *
 * `startDevices` adds the WebHID and Web Serial scanner sources to the till's scanner hub (they
 * reopen granted devices without asking) and finds the granted printer. Nothing here ever
 * rejects on missing hardware: statuses say what is missing, print calls return a PrintResult.
 */
import type { Sale } from '$lib/domain/sale';
import type { Scanner } from '$lib/devices/scanner/scanner';
import { DeviceGrants } from './grants';
import { ReceiptPrinter, type PrintOptions, type PrintResult } from './printer/printer';
import { prepareGb18030 } from './printer/gb18030';
import type { ReceiptStore } from './printer/receipt';
import { CameraScanSource } from './scanner/camera-source';
import { HidScanSource } from './scanner/hid-source';
import { SerialScanSource } from './scanner/serial-source';
import { loadDeviceSettings, portRoleStore, type DeviceSettings } from './settings';

export type { DeviceSettings } from './settings';
export type { DeviceStatus, DeviceState } from './status';
export type { PrintResult, PrintOptions } from './printer/printer';
export type { ReceiptStore } from './printer/receipt';
export type { DeviceScanEvent } from './scanner/events';
export { loadDeviceSettings, saveDeviceSettings } from './settings';
export { devicesKey, devicesT, type DevicesMessageKey, type DevicesT } from './messages';

export interface AfterSaleResult {
	/** Set when auto-print is on. */
	print?: PrintResult;
	/** Set for a cash sale with "open the drawer after cash" on and no receipt carrying the kick. */
	drawer?: PrintResult;
}

export class TillDevices {
	readonly grants: DeviceGrants;
	readonly hid: HidScanSource;
	readonly serial: SerialScanSource;
	/** Not in the hub until the cashier opens it: `startCamera`. */
	readonly camera: CameraScanSource;
	readonly printer: ReceiptPrinter;
	readonly #scanner: Scanner;
	#settings: DeviceSettings;

	constructor(scanner: Scanner, settings: DeviceSettings, grants?: DeviceGrants) {
		this.#scanner = scanner;
		this.#settings = settings;
		this.grants = grants ?? new DeviceGrants({ roles: portRoleStore() });
		this.hid = new HidScanSource();
		this.serial = new SerialScanSource(this.grants, settings.serial);
		this.camera = new CameraScanSource();
		this.printer = new ReceiptPrinter(this.grants, settings.printer);
	}

	get settings(): DeviceSettings {
		return this.#settings;
	}

	async start(): Promise<void> {
		const s = this.#settings;
		const adds: Promise<void>[] = [];
		if (s.hid.enabled && this.hid.supported) adds.push(this.#add(this.hid));
		if (s.serial.enabled && this.serial.supported) adds.push(this.#add(this.serial));
		adds.push(this.printer.start());
		await Promise.all(adds);
		// The GB18030 table takes ≈30 ms to build: now, not during the first receipt.
		if (s.printer.connection !== 'none') setTimeout(prepareGb18030, 0);
	}

	async stop(): Promise<void> {
		await Promise.all([
			this.#scanner.remove(this.hid.name),
			this.#scanner.remove(this.serial.name),
			this.#scanner.remove(this.camera.name),
			this.printer.stop()
		]);
	}

	/** Applies changed settings (from the settings page) without a reload. */
	async apply(settings: DeviceSettings): Promise<void> {
		const before = this.#settings;
		this.#settings = settings;
		await this.#toggle(this.hid, settings.hid.enabled && this.hid.supported);
		await this.#toggle(this.serial, settings.serial.enabled && this.serial.supported);
		if (
			settings.serial.baudRate !== before.serial.baudRate ||
			settings.serial.lineEnding !== before.serial.lineEnding
		)
			await this.serial.configure(settings.serial);
		await this.printer.configure(settings.printer);
	}

	/** Camera scanning on (a button of the till); the preview goes into `video`. */
	async startCamera(video?: HTMLVideoElement): Promise<void> {
		this.camera.attach(video ?? null);
		await this.#add(this.camera);
	}

	async stopCamera(): Promise<void> {
		await this.#scanner.remove(this.camera.name);
	}

	/**
	 * After a sale is recorded: prints its receipt when auto-print is on, and opens the drawer
	 * after a cash sale when that is on (the kick rides at the end of the receipt, after the cut).
	 * The sale is done whatever this returns; a result with `ok: false` is for the cashier to see,
	 * with browser printing offered.
	 */
	async afterSale(
		sale: Sale,
		store: ReceiptStore,
		options: PrintOptions = {}
	): Promise<AfterSaleResult> {
		const p = this.#settings.printer;
		const cash = sale.tenders.some((t) => t.kind === 'cash');
		const drawer = cash && p.drawerAfterCash && p.connection !== 'none';
		const result: AfterSaleResult = {};
		if (p.autoPrint && p.connection !== 'none') {
			result.print = await this.printer.printReceipt(sale, store, { ...options, drawer });
			// The receipt failed, so its kick did too: the drawer still has to open for the change.
			if (drawer && !result.print.ok) result.drawer = await this.printer.kickDrawer();
		} else if (drawer) {
			result.drawer = await this.printer.kickDrawer();
		}
		return result;
	}

	printReceipt(sale: Sale, store: ReceiptStore, options: PrintOptions = {}): Promise<PrintResult> {
		return this.printer.printReceipt(sale, store, options);
	}

	kickDrawer(): Promise<PrintResult> {
		return this.printer.kickDrawer();
	}

	async #add(source: HidScanSource | SerialScanSource | CameraScanSource): Promise<void> {
		if (!this.#scanner.sources.includes(source.name)) await this.#scanner.add(source);
	}

	async #toggle(source: HidScanSource | SerialScanSource, on: boolean): Promise<void> {
		const present = this.#scanner.sources.includes(source.name);
		if (on && !present) await this.#scanner.add(source);
		if (!on && present) await this.#scanner.remove(source.name);
	}
}

let current: TillDevices | null = null;

/**
 * Starts the counter hardware for `scanner` (the till's hub, started or not: sources start with
 * it). One set of devices per page: a second call stops the first.
 */
export async function startDevices(
	scanner: Scanner,
	settings: DeviceSettings = loadDeviceSettings()
): Promise<TillDevices> {
	await current?.stop();
	const devices = new TillDevices(scanner, settings);
	current = devices;
	await devices.start();
	return devices;
}

function notStarted(): PrintResult {
	return {
		ok: false,
		reason: 'not_connected',
		message: 'print.fallbackNotConnected',
		fallback: 'browser'
	};
}

/** The receipt on the ESC/POS printer of the page's devices (see startDevices). */
export function printReceipt(
	sale: Sale,
	store: ReceiptStore,
	options?: PrintOptions
): Promise<PrintResult> {
	return current ? current.printReceipt(sale, store, options) : Promise.resolve(notStarted());
}

/** ESC p on the page's printer: the cash drawer opens. */
export function kickDrawer(): Promise<PrintResult> {
	return current ? current.kickDrawer() : Promise.resolve(notStarted());
}
