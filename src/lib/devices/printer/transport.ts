/// <reference types="w3c-web-serial" />
/// <reference types="w3c-web-usb" />
/**
 * Where printer bytes go: a serial port (a serial printer, or a USB printer's virtual COM port —
 * the way on Windows, whose printer driver claims a USB printer so WebUSB cannot) or a USB
 * printer-class device over WebUSB (ChromeOS, Android, Linux, macOS).
 */

export interface PrinterTransport {
	readonly kind: 'serial' | 'usb';
	readonly name: string;
	write(bytes: Uint8Array): Promise<void>;
	close(): Promise<void>;
}

export class SerialPrinterTransport implements PrinterTransport {
	readonly kind = 'serial';
	readonly name: string;
	readonly #port: SerialPort;
	#writer: WritableStreamDefaultWriter<Uint8Array> | null = null;

	private constructor(port: SerialPort, name: string) {
		this.#port = port;
		this.name = name;
	}

	static async open(
		port: SerialPort,
		baudRate: number,
		name: string
	): Promise<SerialPrinterTransport> {
		try {
			await port.open({ baudRate, dataBits: 8, stopBits: 1, parity: 'none', flowControl: 'none' });
		} catch (error) {
			// Already open (a previous transport on the same port that was not closed): use it.
			if (!(error instanceof DOMException && error.name === 'InvalidStateError')) throw error;
		}
		return new SerialPrinterTransport(port, name);
	}

	get port(): SerialPort {
		return this.#port;
	}

	async write(bytes: Uint8Array): Promise<void> {
		const writable = this.#port.writable;
		if (!writable) throw new DOMException('The port is closed', 'InvalidStateError');
		const writer = writable.getWriter();
		this.#writer = writer;
		try {
			await writer.write(bytes);
		} finally {
			if (this.#writer === writer) {
				this.#writer = null;
				writer.releaseLock();
			}
		}
	}

	async close(): Promise<void> {
		// A write the printer never takes (out of paper, flow control) holds the stream: abort it,
		// or the port cannot close.
		const writer = this.#writer;
		this.#writer = null;
		if (writer) {
			await writer.abort().catch(() => undefined);
			writer.releaseLock();
		}
		await this.#port.close().catch(() => undefined);
	}
}

/** Bulk OUT of the printer-class interface (07), or of the first interface that has one. */
function findOut(device: USBDevice): { iface: number; alternate: number; endpoint: number } | null {
	const config = device.configuration;
	if (!config) return null;
	const candidates = [...config.interfaces].sort(
		(a, b) =>
			Number(b.alternates[0]?.interfaceClass === 7) - Number(a.alternates[0]?.interfaceClass === 7)
	);
	for (const iface of candidates) {
		for (const alt of iface.alternates) {
			const out = alt.endpoints.find((e) => e.direction === 'out' && e.type === 'bulk');
			if (out)
				return {
					iface: iface.interfaceNumber,
					alternate: alt.alternateSetting,
					endpoint: out.endpointNumber
				};
		}
	}
	return null;
}

export class UsbPrinterTransport implements PrinterTransport {
	readonly kind = 'usb';
	readonly name: string;
	readonly #device: USBDevice;
	readonly #endpoint: number;
	readonly #iface: number;

	private constructor(device: USBDevice, iface: number, endpoint: number) {
		this.#device = device;
		this.#iface = iface;
		this.#endpoint = endpoint;
		this.name = device.productName?.trim() || 'USB printer';
	}

	static async open(device: USBDevice): Promise<UsbPrinterTransport> {
		if (!device.opened) await device.open();
		if (!device.configuration) await device.selectConfiguration(1);
		const out = findOut(device);
		if (!out) throw new DOMException('No bulk OUT endpoint: not a printer', 'NotSupportedError');
		await device.claimInterface(out.iface);
		if (out.alternate !== 0) await device.selectAlternateInterface(out.iface, out.alternate);
		return new UsbPrinterTransport(device, out.iface, out.endpoint);
	}

	get device(): USBDevice {
		return this.#device;
	}

	async write(bytes: Uint8Array): Promise<void> {
		// Chunks of 16 KiB: some printers' firmware drops larger bulk transfers.
		for (let at = 0; at < bytes.length; at += 16384) {
			const chunk = bytes.slice(at, at + 16384);
			const result = await this.#device.transferOut(this.#endpoint, chunk);
			if (result.status !== 'ok')
				throw new DOMException(`USB transfer ${result.status}`, 'NetworkError');
		}
	}

	async close(): Promise<void> {
		await this.#device.releaseInterface(this.#iface).catch(() => undefined);
		await this.#device.close().catch(() => undefined);
	}
}
