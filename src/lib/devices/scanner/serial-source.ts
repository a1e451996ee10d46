/// <reference types="w3c-web-serial" />
/**
 * The Web Serial ScanSource: scanners in virtual COM mode (USB CDC, or a CH340/PL2303 cable),
 * one code per line at 9600 baud 8N1 unless set otherwise. About as small as a library's, and no
 * library shares ports with a printer, so it is ours: the ports come from grants.ts, which
 * knows which granted port is the scanner.
 *
 * A granted scanner port is opened at start and again when it is plugged back in (the `connect`
 * event); reads are split into lines across chunks (line-splitter.ts).
 */
import type { ScanEmit, ScanSource } from '$lib/devices/scanner/scanner';
import type { DeviceGrants, GrantChange } from '../grants';
import { errorVars as vars, isSecure, StatusEmitter, type DeviceStatus } from '../status';
import type { DeviceScanEvent } from './events';
import { LineSplitter, type LineEnding } from './line-splitter';

export interface SerialScanOptions {
	baudRate: number;
	lineEnding: LineEnding;
}

interface OpenPort {
	reader: ReadableStreamDefaultReader<Uint8Array> | null;
	closing: boolean;
	done: Promise<void>;
}

export function portName(port: SerialPort): string {
	const info = port.getInfo();
	if (info.usbVendorId === undefined) return 'COM';
	const hex = (n: number | undefined) => (n ?? 0).toString(16).padStart(4, '0');
	return `USB ${hex(info.usbVendorId)}:${hex(info.usbProductId)}`;
}

export class SerialScanSource extends StatusEmitter implements ScanSource {
	readonly name: string;
	readonly #grants: DeviceGrants;
	#options: SerialScanOptions;
	readonly #open = new Map<SerialPort, OpenPort>();
	#emit: ScanEmit | null = null;
	#unsubscribe: (() => void) | null = null;
	#everConnected = false;

	constructor(grants: DeviceGrants, options: SerialScanOptions, name = 'serial') {
		const supported = Boolean(grants.serial) && isSecure();
		super(
			supported
				? { state: 'idle', devices: [] }
				: {
						state: 'unsupported',
						devices: [],
						message: isSecure() ? 'status.noWebSerial' : 'status.insecure'
					}
		);
		this.name = name;
		this.#grants = grants;
		this.#options = options;
	}

	get supported(): boolean {
		return this.status.state !== 'unsupported';
	}

	get options(): SerialScanOptions {
		return this.#options;
	}

	async start(emit: ScanEmit): Promise<void> {
		if (!this.supported || this.#emit) return;
		this.#emit = emit;
		this.#unsubscribe = this.#grants.onChange(this.#onChange);
		const ports = await this.#grants.portsFor('scanner');
		await Promise.all(ports.map((p) => this.#openPort(p)));
		this.#report();
	}

	async stop(): Promise<void> {
		this.#unsubscribe?.();
		this.#unsubscribe = null;
		this.#emit = null;
		await Promise.all([...this.#open.keys()].map((p) => this.#closePort(p)));
		if (this.supported) this.setStatus({ state: 'idle', devices: [] });
	}

	/** Chooser (from a click), then the port becomes this device's serial scanner. */
	async requestPort(): Promise<DeviceStatus> {
		if (!this.supported) return this.status;
		try {
			const port = await this.#grants.requestSerialPort('scanner');
			if (port) await this.#openPort(port);
		} catch (error) {
			this.setStatus({
				...this.status,
				state: 'error',
				message: 'status.failed',
				vars: vars(error)
			});
			return this.status;
		}
		this.#report();
		return this.status;
	}

	/** New baud rate or line ending: open ports are reopened with it. */
	async configure(options: SerialScanOptions): Promise<void> {
		this.#options = options;
		const ports = [...this.#open.keys()];
		await Promise.all(ports.map((p) => this.#closePort(p)));
		await Promise.all(ports.map((p) => this.#openPort(p)));
		this.#report();
	}

	readonly #onChange = (change: GrantChange): void => {
		if (change.kind !== 'serial') return;
		void (async () => {
			if (change.connected) {
				if ((await this.#grants.roleOf(change.port)) === 'scanner')
					await this.#openPort(change.port);
			} else {
				await this.#closePort(change.port);
			}
			this.#report();
		})();
	};

	async #openPort(port: SerialPort): Promise<void> {
		if (!this.#emit || this.#open.has(port)) return;
		if (!this.#grants.claim(port, this.name)) return;
		try {
			await port.open({
				baudRate: this.#options.baudRate,
				dataBits: 8,
				stopBits: 1,
				parity: 'none'
			});
		} catch (error) {
			// InvalidStateError: already open here (e.g. the same port chosen twice); else busy.
			if (!(error instanceof DOMException && error.name === 'InvalidStateError')) {
				this.#grants.release(port, this.name);
				this.setStatus({
					state: 'error',
					devices: this.#names(),
					message: 'status.openFailed',
					vars: { name: portName(port), ...vars(error) }
				});
				return;
			}
		}
		const open: OpenPort = { reader: null, closing: false, done: Promise.resolve() };
		this.#open.set(port, open);
		this.#everConnected = true;
		open.done = this.#readLoop(port, open);
	}

	async #readLoop(port: SerialPort, open: OpenPort): Promise<void> {
		const splitter = new LineSplitter(this.#options.lineEnding);
		const name = portName(port);
		// A non-fatal read error (framing, parity, buffer overrun) ends one reader; the port's
		// `readable` is then replaced, so read on with a new one.
		while (port.readable && !open.closing) {
			const reader = port.readable.getReader();
			open.reader = reader;
			try {
				for (;;) {
					const { value, done } = await reader.read();
					if (done) break;
					if (!value) continue;
					const at = Date.now();
					for (const code of splitter.push(value)) {
						const scan: DeviceScanEvent = { code, source: this.name, at, device: name };
						this.#emit?.(scan);
					}
				}
			} catch {
				splitter.reset(); // a line cut by the error is not a code
			} finally {
				reader.releaseLock();
				open.reader = null;
			}
		}
		// Unplugged (readable is null) or closed by us.
		if (!open.closing) {
			this.#open.delete(port);
			this.#grants.release(port, this.name);
			await port.close().catch(() => undefined);
			this.#report();
		}
	}

	async #closePort(port: SerialPort): Promise<void> {
		const open = this.#open.get(port);
		if (!open) return;
		open.closing = true;
		this.#open.delete(port);
		await open.reader?.cancel().catch(() => undefined);
		await open.done;
		await port.close().catch(() => undefined);
		this.#grants.release(port, this.name);
	}

	#names(): string[] {
		return [...this.#open.keys()].map(portName);
	}

	#report(): void {
		if (!this.supported) return;
		const devices = this.#names();
		if (devices.length > 0) this.setStatus({ state: 'connected', devices });
		else if (this.status.state === 'error') return;
		else if (this.#everConnected)
			this.setStatus({ state: 'disconnected', devices, message: 'status.replug' });
		else this.setStatus({ state: 'idle', devices });
	}
}
