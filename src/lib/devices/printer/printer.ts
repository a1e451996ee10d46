/**
 * The ESC/POS receipt printer and the cash drawer on its kick connector.
 *
 * A printer that is missing, unplugged, out of paper or slow never holds up a sale: every call
 * resolves (never rejects) with a `PrintResult`, within a timeout, and a failure carries the
 * message to show and `fallback: 'browser'` — the till then offers the browser receipt
 * (Receipt.svelte + window.print()), which stays the default way to print.
 */
import type { Sale } from '$lib/domain/sale';
import type { DevicesMessageKey } from '../messages';
import type { DeviceGrants, GrantChange } from '../grants';
import type { DeviceSettings } from '../settings';
import { errorVars, isSecure, StatusEmitter, type DeviceStatus } from '../status';
import { portName } from '../scanner/serial-source';
import { EscPos } from './escpos';
import { encodeReceipt, type ReceiptStore } from './receipt';
import { SAMPLE_SALE, SAMPLE_STORE, SAMPLE_TIME_ZONE } from './sample';
import { SerialPrinterTransport, UsbPrinterTransport, type PrinterTransport } from './transport';

export type PrintFailure = 'disabled' | 'unsupported' | 'not_connected' | 'failed' | 'timeout';

export type PrintResult =
	| { ok: true; bytes: number; printer: string }
	| {
			ok: false;
			reason: PrintFailure;
			/** What to tell the cashier (the `devices` section of src/lib/i18n/zh-CN.ts), e.g. 打印机未连接，已改用浏览器打印. */
			message: DevicesMessageKey;
			vars?: Record<string, string>;
			/** Always the browser: the receipt is never lost to a printer. */
			fallback: 'browser';
	  };

export interface PrintOptions {
	reprint?: boolean;
	locale?: 'zh-CN' | 'en';
	/** Kick the drawer after this receipt (the caller decides: a cash sale). */
	drawer?: boolean;
	timeZone?: string;
}

type PrinterSettings = DeviceSettings['printer'];

const OWNER = 'printer';
/** Beyond the time the bytes take at the baud rate: the printer's own pace, a paper cut. */
const SLACK_MS = 5000;

function failure(
	reason: PrintFailure,
	message: DevicesMessageKey,
	vars?: Record<string, string>
): PrintResult {
	return { ok: false, reason, message, vars, fallback: 'browser' };
}

export class ReceiptPrinter extends StatusEmitter {
	readonly #grants: DeviceGrants;
	#settings: PrinterSettings;
	#transport: PrinterTransport | null = null;
	#unsubscribe: (() => void) | null = null;
	/** A stuck printer's port being closed: it frees once the printer takes its bytes. */
	#closing: Promise<void> | null = null;
	/** One job at a time: two receipts must not interleave their bytes. */
	#queue: Promise<unknown> = Promise.resolve();

	constructor(grants: DeviceGrants, settings: PrinterSettings) {
		super({ state: 'idle', devices: [] });
		this.#grants = grants;
		this.#settings = settings;
		this.#unsupportedStatus();
	}

	get settings(): PrinterSettings {
		return this.#settings;
	}

	get connected(): boolean {
		return this.#transport !== null;
	}

	/** Finds the granted printer again (page load, re-plug). Never asks the user. */
	async start(): Promise<void> {
		this.#unsubscribe ??= this.#grants.onChange(this.#onChange);
		await this.#reconnect();
	}

	async stop(): Promise<void> {
		this.#unsubscribe?.();
		this.#unsubscribe = null;
		await this.#drop();
		this.#report();
	}

	async configure(settings: PrinterSettings): Promise<void> {
		const reopen =
			settings.connection !== this.#settings.connection ||
			settings.baudRate !== this.#settings.baudRate;
		this.#settings = settings;
		if (reopen) {
			await this.#drop();
			if (this.#unsupportedStatus()) return;
			await this.#reconnect();
		}
	}

	/** The browser's chooser for a serial printer port (call from a click). */
	async connectSerial(): Promise<DeviceStatus> {
		if (!this.#grants.serial || !isSecure()) return this.status;
		try {
			const port = await this.#grants.requestSerialPort('printer');
			if (!port) return this.status;
			await this.#drop();
			this.#settings = { ...this.#settings, connection: 'serial' };
			await this.#openSerial(port);
		} catch (error) {
			this.setStatus({
				state: 'error',
				devices: [],
				message: 'status.failed',
				vars: errorVars(error)
			});
		}
		return this.status;
	}

	/** The browser's chooser for a USB printer (call from a click). */
	async connectUsb(): Promise<DeviceStatus> {
		if (!this.#grants.usb || !isSecure()) return this.status;
		try {
			const device = await this.#grants.requestUsbPrinter();
			if (!device) return this.status;
			await this.#drop();
			this.#settings = { ...this.#settings, connection: 'usb' };
			await this.#openUsb(device);
		} catch (error) {
			this.setStatus({
				state: 'error',
				devices: [],
				message: 'status.failed',
				vars: errorVars(error)
			});
		}
		return this.status;
	}

	/** Prints the receipt of `sale`; with `drawer`, kicks the drawer after the cut. */
	printReceipt(sale: Sale, store: ReceiptStore, options: PrintOptions = {}): Promise<PrintResult> {
		return this.#job(() => {
			const { bytes } = encodeReceipt(sale, store, {
				paper: this.#settings.paper,
				code: this.#settings.code,
				locale: options.locale,
				reprint: options.reprint,
				timeZone: options.timeZone,
				drawer: options.drawer,
				drawerPin: this.#settings.drawerPin
			});
			return bytes;
		});
	}

	/** ESC p alone: the drawer opens, nothing prints. */
	kickDrawer(): Promise<PrintResult> {
		return this.#job(() => new EscPos().drawerKick(this.#settings.drawerPin).encode());
	}

	/** The settings page's test print: the known sample receipt (also the tests' fixture). */
	testPrint(locale?: 'zh-CN' | 'en'): Promise<PrintResult> {
		return this.printReceipt(SAMPLE_SALE, SAMPLE_STORE, { locale, timeZone: SAMPLE_TIME_ZONE });
	}

	#job(encode: () => Uint8Array): Promise<PrintResult> {
		const run = async (): Promise<PrintResult> => {
			if (this.#settings.connection === 'none')
				return failure('disabled', 'print.fallbackDisabled');
			if (this.status.state === 'unsupported')
				return failure('unsupported', 'print.fallbackUnsupported');
			if (this.#closing) return failure('timeout', 'print.fallbackTimeout');
			if (!this.#transport) await this.#reconnect();
			const transport = this.#transport;
			if (!transport) return failure('not_connected', 'print.fallbackNotConnected');
			let bytes: Uint8Array;
			try {
				bytes = encode();
			} catch (error) {
				return failure('failed', 'print.fallbackFailed', errorVars(error));
			}
			const timeoutMs =
				(transport.kind === 'serial'
					? Math.ceil((bytes.length * 10 * 1000) / this.#settings.baudRate)
					: 0) + SLACK_MS;
			let timer: ReturnType<typeof setTimeout> | undefined;
			const timeout = new Promise<'timeout'>((resolve) => {
				timer = setTimeout(() => resolve('timeout'), timeoutMs);
			});
			try {
				const outcome = await Promise.race([
					transport.write(bytes).then(() => 'ok' as const),
					timeout
				]);
				if (outcome === 'timeout') {
					// Out of paper or cover open, flow control holding the bytes. The write cannot be
					// taken back: closing waits for it, so it runs in the background, and the port is
					// opened afresh once the printer has taken the bytes (paper loaded).
					this.#dropLater();
					this.setStatus({ state: 'error', devices: [], message: 'print.fallbackTimeout' });
					return failure('timeout', 'print.fallbackTimeout');
				}
				return { ok: true, bytes: bytes.length, printer: transport.name };
			} catch (error) {
				await this.#drop();
				this.setStatus({
					state: 'error',
					devices: [],
					message: 'print.fallbackFailed',
					vars: errorVars(error)
				});
				return failure('failed', 'print.fallbackFailed', errorVars(error));
			} finally {
				clearTimeout(timer);
			}
		};
		const job = this.#queue.then(run, run);
		this.#queue = job.catch(() => undefined);
		return job;
	}

	readonly #onChange = (change: GrantChange): void => {
		void (async () => {
			const t = this.#transport;
			if (!change.connected) {
				if (
					(t instanceof SerialPrinterTransport &&
						change.kind === 'serial' &&
						t.port === change.port) ||
					(t instanceof UsbPrinterTransport && change.kind === 'usb' && t.device === change.device)
				) {
					await this.#drop();
					this.setStatus({ state: 'disconnected', devices: [], message: 'status.replug' });
				}
				return;
			}
			if (!this.#transport) await this.#reconnect();
		})();
	};

	/** True when the chosen connection has no API in this browser (status set). */
	#unsupportedStatus(): boolean {
		const c = this.#settings.connection;
		const missing =
			(c === 'serial' && !this.#grants.serial) ||
			(c === 'usb' && !this.#grants.usb) ||
			(c !== 'none' && !isSecure());
		if (missing) {
			this.setStatus({
				state: 'unsupported',
				devices: [],
				message: !isSecure()
					? 'status.insecure'
					: c === 'serial'
						? 'status.noWebSerial'
						: 'status.noWebUsb'
			});
			return true;
		}
		if (this.status.state === 'unsupported') this.setStatus({ state: 'idle', devices: [] });
		return false;
	}

	async #reconnect(): Promise<void> {
		if (this.#transport || this.#unsupportedStatus()) return;
		try {
			if (this.#settings.connection === 'serial') {
				const [port] = await this.#grants.portsFor('printer');
				if (port) await this.#openSerial(port);
			} else if (this.#settings.connection === 'usb') {
				const [device] = await this.#grants.usbPrinters();
				if (device) await this.#openUsb(device);
			}
		} catch (error) {
			this.setStatus({
				state: 'error',
				devices: [],
				message: 'status.openFailed',
				vars: { name: '', ...errorVars(error) }
			});
			return;
		}
		this.#report();
	}

	async #openSerial(port: SerialPort): Promise<void> {
		if (!this.#grants.claim(port, OWNER)) {
			this.setStatus({
				state: 'error',
				devices: [],
				message: 'print.portInUse',
				vars: { name: portName(port) }
			});
			return;
		}
		try {
			this.#transport = await SerialPrinterTransport.open(
				port,
				this.#settings.baudRate,
				portName(port)
			);
		} catch (error) {
			this.#grants.release(port, OWNER);
			throw error;
		}
		this.#report();
	}

	async #openUsb(device: USBDevice): Promise<void> {
		if (!this.#grants.claim(device, OWNER)) return;
		try {
			this.#transport = await UsbPrinterTransport.open(device);
		} catch (error) {
			this.#grants.release(device, OWNER);
			throw error;
		}
		this.#report();
	}

	#dropLater(): void {
		const closing = this.#drop().finally(() => {
			if (this.#closing === closing) this.#closing = null;
		});
		this.#closing = closing;
	}

	async #drop(): Promise<void> {
		const t = this.#transport;
		this.#transport = null;
		if (!t) return;
		await t.close();
		if (t instanceof SerialPrinterTransport) this.#grants.release(t.port, OWNER);
		if (t instanceof UsbPrinterTransport) this.#grants.release(t.device, OWNER);
	}

	#report(): void {
		if (this.status.state === 'unsupported') return;
		if (this.#transport) this.setStatus({ state: 'connected', devices: [this.#transport.name] });
		else if (this.status.state !== 'error' && this.status.state !== 'disconnected')
			this.setStatus({ state: 'idle', devices: [] });
	}
}
