/**
 * State of the device settings page: the settings being edited, every device's status, the scan
 * test list. Owns its own scanner hub (the wedge plus the device sources), so the page works on
 * its own, before or without the till screen; the till uses startDevices (index.ts) instead.
 * Browser only: create it in onMount.
 */
import { classifyScan, type ScanClass } from '$lib/devices/scanner/scan-classify';
import { Scanner } from '$lib/devices/scanner/scanner';
import { WEDGE_PRESETS } from '$lib/devices/scanner/wedge';
import { createWedgeSource } from '$lib/devices/scanner/wedge-source';
import { TillDevices } from './index';
import type { PrintResult } from './printer/printer';
import { cameraSupport, type CameraSupport } from './scanner/camera-source';
import type { DeviceScanEvent } from './scanner/events';
import { loadDeviceSettings, saveDeviceSettings, type DeviceSettings } from './settings';
import type { DeviceStatus } from './status';

export interface TestScan {
	id: number;
	scan: DeviceScanEvent;
	kind: ScanClass;
}

const MAX_TEST_SCANS = 50;
const idle: DeviceStatus = { state: 'idle', devices: [] };

export class DeviceSettingsState {
	settings: DeviceSettings = $state(loadDeviceSettings());
	hid: DeviceStatus = $state(idle);
	serial: DeviceStatus = $state(idle);
	camera: DeviceStatus = $state(idle);
	printer: DeviceStatus = $state(idle);
	cameraSupport: CameraSupport | null = $state(null);
	cameraOn = $state(false);
	scans: TestScan[] = $state([]);
	/** The last test print / drawer kick, for the message under the buttons. */
	lastPrint: { action: 'print' | 'drawer'; result: PrintResult } | null = $state(null);
	busy = $state(false);

	readonly #scanner = new Scanner();
	readonly devices: TillDevices;
	#nextId = 1;
	readonly #cleanups: (() => void)[] = [];

	constructor() {
		this.devices = new TillDevices(this.#scanner, $state.snapshot(this.settings));
	}

	async start(): Promise<void> {
		const d = this.devices;
		this.#cleanups.push(
			d.hid.onStatus((s) => (this.hid = s)),
			d.serial.onStatus((s) => (this.serial = s)),
			d.camera.onStatus((s) => (this.camera = s)),
			d.printer.onStatus((s) => (this.printer = s)),
			this.#scanner.onScan((scan) => this.#record(scan)),
			this.#scanner.onError((error, source) => console.warn(`scan source ${source}:`, error))
		);
		await this.#scanner.add(this.#wedge());
		await this.#scanner.start();
		await d.start();
		this.cameraSupport = (await cameraSupport()).support;
	}

	async stop(): Promise<void> {
		for (const c of this.#cleanups.splice(0)) c();
		await this.devices.stop();
		await this.#scanner.stop();
	}

	/** Saves on the device at once and applies to the running devices. */
	async update(change: (s: DeviceSettings) => void): Promise<void> {
		const before = $state.snapshot(this.settings);
		change(this.settings);
		const next = $state.snapshot(this.settings);
		saveDeviceSettings(next);
		if (next.wedgePreset !== before.wedgePreset) {
			await this.#scanner.remove('keyboard');
			await this.#scanner.add(this.#wedge());
		}
		await this.devices.apply(next);
	}

	connectHid = async (): Promise<void> => {
		await this.devices.hid.requestDevice();
	};

	connectSerial = async (): Promise<void> => {
		await this.devices.serial.requestPort();
	};

	connectSerialPrinter = async (): Promise<void> => {
		await this.devices.printer.connectSerial();
		if (this.devices.printer.connected) await this.update((s) => (s.printer.connection = 'serial'));
	};

	connectUsbPrinter = async (): Promise<void> => {
		await this.devices.printer.connectUsb();
		if (this.devices.printer.connected) await this.update((s) => (s.printer.connection = 'usb'));
	};

	toggleCamera = async (video: HTMLVideoElement | undefined): Promise<void> => {
		if (this.cameraOn) {
			this.cameraOn = false;
			await this.devices.stopCamera();
		} else {
			this.cameraOn = true;
			await this.devices.startCamera(video);
			if (this.devices.camera.status.state !== 'connected') {
				this.cameraOn = false;
				await this.devices.stopCamera();
			}
		}
	};

	testPrint = async (locale: 'zh-CN' | 'en'): Promise<void> => {
		await this.#run('print', () => this.devices.printer.testPrint(locale));
	};

	openDrawer = async (): Promise<void> => {
		await this.#run('drawer', () => this.devices.kickDrawer());
	};

	clearScans = (): void => {
		this.scans = [];
	};

	async #run(action: 'print' | 'drawer', job: () => Promise<PrintResult>): Promise<void> {
		this.busy = true;
		try {
			this.lastPrint = { action, result: await job() };
		} finally {
			this.busy = false;
		}
	}

	#wedge() {
		const preset = WEDGE_PRESETS[this.settings.wedgePreset];
		return createWedgeSource({ ...preset });
	}

	#record(scan: DeviceScanEvent): void {
		const entry: TestScan = { id: this.#nextId++, scan, kind: classifyScan(scan.code) };
		this.scans = [entry, ...this.scans].slice(0, MAX_TEST_SCANS);
	}
}
