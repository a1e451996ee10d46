/**
 * The till screen's counter hardware: the WebHID and Web Serial scanners feeding the till's
 * scanner hub (so their scans meet the same classifier as the keyboard wedge's), the ESC/POS
 * printer and cash drawer after a sale, reprints, and the camera where the browser can read
 * codes with it. The devices themselves are in $lib/devices; this is what the till makes of
 * them. A printer that is missing or fails never holds a sale up: the sale is recorded before
 * anything is printed, and a failed print is said (a notice, the done screen) with browser
 * printing offered. Browser only: start it in onMount.
 */
import {
	devicesKey,
	loadDeviceSettings,
	startDevices,
	type DeviceStatus,
	type PrintResult,
	type TillDevices
} from '$lib/devices';
import type { DevicesMessageKey } from '$lib/devices/messages';
import { cameraSupport } from '$lib/devices/scanner/camera-source';
import type { Scanner } from '$lib/devices/scanner/scanner';
import type { Sale } from '$lib/domain/sale';
import type { I18n, MessageVars } from '$lib/i18n';
import type { DeviceState } from './device.svelte';
import type { Notices } from './notices.svelte';

export interface TillHardwareOptions {
	notices: Notices;
	device: DeviceState;
	i18n: I18n;
}

/** What the done screen says about a sale's receipt that did not print. */
export interface PrintProblem {
	saleId: string;
	key: DevicesMessageKey;
	vars?: MessageVars;
}

const idle: DeviceStatus = { state: 'idle', devices: [] };

export class TillHardware {
	printer: DeviceStatus = $state(idle);
	hid: DeviceStatus = $state(idle);
	serial: DeviceStatus = $state(idle);
	camera: DeviceStatus = $state(idle);
	/** An ESC/POS printer is set up on this device (else the browser prints). */
	printerConfigured = $state(false);
	/** A camera button is offered: enabled in the settings and a detector that reads our codes. */
	cameraAvailable = $state(false);
	cameraOn = $state(false);
	/** The last receipt that did not print, for the done screen. */
	problem: PrintProblem | null = $state(null);

	readonly #o: TillHardwareOptions;
	#devices: TillDevices | null = null;
	#cleanups: (() => void)[] = [];
	#stopped = false;
	#cameraStarted = false;

	constructor(options: TillHardwareOptions) {
		this.#o = options;
	}

	/** Something set up needs a look (a printer not connected, a scanner in error): the gear says so. */
	get attention(): boolean {
		const bad = (s: DeviceStatus) => s.state === 'error' || s.state === 'disconnected';
		return (
			bad(this.hid) ||
			bad(this.serial) ||
			(this.printerConfigured && this.printer.state !== 'connected')
		);
	}

	async start(scanner: Scanner): Promise<void> {
		const settings = loadDeviceSettings();
		this.printerConfigured = settings.printer.connection !== 'none';
		const devices = await startDevices(scanner, settings);
		if (this.#stopped) {
			await devices.stop();
			return;
		}
		this.#devices = devices;
		this.#cleanups.push(
			devices.printer.onStatus((s) => (this.printer = s)),
			devices.hid.onStatus((s) => (this.hid = s)),
			devices.serial.onStatus((s) => (this.serial = s)),
			devices.camera.onStatus((s) => (this.camera = s))
		);
		const support = await cameraSupport().catch(() => null);
		this.cameraAvailable = settings.camera.enabled && support?.support === 'ok';
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		for (const c of this.#cleanups.splice(0)) c();
		this.cameraOn = false;
		await this.#devices?.stop();
		this.#devices = null;
	}

	/** A sale was recorded: its receipt when auto-print is on, the drawer after cash. */
	async afterSale(sale: Sale): Promise<void> {
		const devices = this.#devices;
		if (!devices) return;
		this.problem = null;
		const result = await devices.afterSale(sale, this.#store(), { locale: this.#o.i18n.locale });
		for (const r of [result.print, result.drawer]) {
			if (r && !r.ok) return this.#failed(sale, r);
		}
	}

	/**
	 * The receipt of `sale` on the ESC/POS printer. False when there is none set up or it failed
	 * (said): the caller prints with the browser instead.
	 */
	async print(sale: Sale, reprint: boolean): Promise<boolean> {
		const devices = this.#devices;
		if (!devices || !this.printerConfigured) return false;
		const result = await devices.printReceipt(sale, this.#store(), {
			reprint,
			locale: this.#o.i18n.locale
		});
		if (result.ok) {
			if (this.problem?.saleId === sale.id) this.problem = null;
			this.#o.notices.say('success', devicesKey('print.printed'), { printer: result.printer });
			return true;
		}
		this.#failed(sale, result);
		return false;
	}

	/** The camera dialog opens; it starts the camera once its picture is on screen. */
	showCamera(): void {
		if (this.cameraAvailable) this.cameraOn = true;
	}

	async openCamera(video: HTMLVideoElement | undefined): Promise<void> {
		const devices = this.#devices;
		if (!devices || this.#cameraStarted) return;
		this.#cameraStarted = true;
		await devices.startCamera(video);
		// Refused or no camera: the dialog shows the status; nothing keeps running.
		if (devices.camera.status.state !== 'connected') await devices.stopCamera();
	}

	async closeCamera(): Promise<void> {
		this.cameraOn = false;
		this.#cameraStarted = false;
		await this.#devices?.stopCamera();
	}

	#failed(sale: Sale, result: Extract<PrintResult, { ok: false }>): void {
		this.problem = {
			saleId: sale.id,
			key: result.message,
			...(result.vars ? { vars: result.vars } : {})
		};
		this.#o.notices.say('warn', devicesKey(result.message), result.vars);
	}

	#store() {
		const { device, i18n } = this.#o;
		return { storeName: device.storeName ?? i18n.t('app.title'), tillName: device.tillName };
	}
}
