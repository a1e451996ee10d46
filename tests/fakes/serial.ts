/**
 * A fake `navigator.serial` for Playwright (`page.addInitScript(installFakeSerial)`): serial
 * scanners and serial receipt printers. As Chromium's Web Serial:
 * - `requestPort` throws SecurityError without a user gesture, NotFoundError when the user closes
 *   the chooser (`__fakeSerial.choose(null)`), and grants the port picked;
 * - `getPorts` lists granted ports that are plugged in;
 * - `open` fails on an unplugged port and on an open one (InvalidStateError); `close` fails while
 *   a stream is locked; `readable`/`writable` exist only while open;
 * - unplugging errors the open streams (NetworkError) and fires `disconnect`, plugging back in
 *   fires `connect` (event target: the port), for granted ports only; a port plugged back in is
 *   a new SerialPort object;
 * - bytes arrive in the chunks the test gives, one task apart: a line can be split anywhere.
 * What a printer is sent is recorded; a printer can be made to fail or to hang (out of paper).
 * Self-contained (serialised into the page): no imports, no outer variables.
 */
export interface FakeSerialPortSpec {
	id: string;
	usbVendorId?: number;
	usbProductId?: number;
}

export interface FakeSerialControl {
	plug(spec: FakeSerialPortSpec): void;
	unplug(id: string): void;
	/** The port the user picks in the next chooser; null closes it. */
	choose(id: string | null): void;
	/** Bytes from the device, as chunks (each a byte array), one task apart. */
	send(id: string, chunks: number[][]): Promise<void>;
	/** One chunk from the device, now (the benchmark times from here). */
	enqueue(id: string, bytes: Uint8Array): void;
	/** Everything written to the port since it was plugged, as hex. */
	written(id: string): string;
	/** 'ok', 'error' (every write rejects), 'hang' (writes wait until the mode is 'ok' again). */
	writeMode(id: string, mode: 'ok' | 'error' | 'hang'): void;
	openOptions(id: string): { baudRate: number }[];
	isOpen(id: string): boolean;
}

declare global {
	interface Window {
		__fakeSerial: FakeSerialControl;
	}
}

export function installFakeSerial(): void {
	type Spec = FakeSerialPortSpec;

	class FakeSerialPort extends EventTarget {
		readonly spec: Spec;
		connected = true;
		readable: ReadableStream<Uint8Array> | null = null;
		writable: WritableStream<Uint8Array> | null = null;
		controller: ReadableStreamDefaultController<Uint8Array> | null = null;
		constructor(spec: Spec) {
			super();
			this.spec = spec;
		}
		getInfo() {
			return this.spec.usbVendorId === undefined
				? {}
				: { usbVendorId: this.spec.usbVendorId, usbProductId: this.spec.usbProductId };
		}
		async open(options: { baudRate: number }): Promise<void> {
			if (!this.connected) throw new DOMException('Failed to open serial port.', 'NetworkError');
			if (this.readable || this.writable)
				throw new DOMException('The port is already open.', 'InvalidStateError');
			if (!options || !(options.baudRate > 0))
				throw new TypeError('Requested baud rate must be greater than zero.');
			const list = state.opens.get(this.spec.id) ?? [];
			list.push({ baudRate: options.baudRate });
			state.opens.set(this.spec.id, list);
			this.readable = new ReadableStream<Uint8Array>({
				start: (c) => {
					this.controller = c;
				}
			});
			const id = this.spec.id;
			this.writable = new WritableStream<Uint8Array>({
				write(chunk) {
					const mode = state.modes.get(id) ?? 'ok';
					if (mode === 'error')
						return Promise.reject(new DOMException('The device has been lost.', 'NetworkError'));
					// Out of paper: the bytes wait until it is loaded (writeMode back to 'ok').
					if (mode === 'hang') return new Promise<void>((resolve) => state.hung.push(resolve));
					state.written.set(id, (state.written.get(id) ?? '') + hex(chunk));
					return Promise.resolve();
				}
			});
		}
		async close(): Promise<void> {
			if (this.readable?.locked || this.writable?.locked)
				throw new DOMException('Cannot cancel a locked stream', 'InvalidStateError');
			if (!this.readable && !this.writable)
				throw new DOMException('The port is already closed.', 'InvalidStateError');
			this.readable = null;
			this.writable = null;
			this.controller = null;
		}
		async forget(): Promise<void> {
			state.granted.delete(this.spec.id);
			save();
		}
		lose(): void {
			this.connected = false;
			try {
				this.controller?.error(new DOMException('The device has been lost.', 'NetworkError'));
			} catch {
				// already closed
			}
			this.readable = null;
			this.writable = null;
			this.controller = null;
		}
	}

	const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

	const state = {
		present: new Map<string, FakeSerialPort>(),
		granted: new Set<string>(),
		chooser: null as string | null,
		written: new Map<string, string>(),
		modes: new Map<string, 'ok' | 'error' | 'hang'>(),
		opens: new Map<string, { baudRate: number }[]>(),
		hung: [] as (() => void)[]
	};

	class FakeSerial extends EventTarget {
		async getPorts(): Promise<FakeSerialPort[]> {
			return [...state.present.values()].filter((p) => state.granted.has(p.spec.id));
		}
		async requestPort(): Promise<FakeSerialPort> {
			if (!navigator.userActivation?.isActive)
				throw new DOMException(
					"Failed to execute 'requestPort' on 'Serial': Must be handling a user gesture to show a permission request.",
					'SecurityError'
				);
			const port = state.chooser ? state.present.get(state.chooser) : undefined;
			if (!port) throw new DOMException('No port selected by the user.', 'NotFoundError');
			state.granted.add(port.spec.id);
			save();
			return port;
		}
	}
	const serial = new FakeSerial();

	function fire(type: string, port: FakeSerialPort): void {
		const e = new Event(type, { bubbles: true });
		// The real event is fired at the port and bubbles to navigator.serial: target is the port.
		Object.defineProperty(e, 'target', { value: port });
		serial.dispatchEvent(e);
	}

	// What is plugged in and granted outlives a reload, as the hardware and the browser's grants do.
	const STORE = '__fakeSerial';
	const save = () => {
		try {
			sessionStorage.setItem(
				STORE,
				JSON.stringify({
					present: [...state.present.values()].map((d) => d.spec),
					granted: [...state.granted]
				})
			);
		} catch {
			// no storage on this document (about:blank)
		}
	};
	try {
		const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null') as {
			present: Spec[];
			granted: string[];
		} | null;
		for (const spec of saved?.present ?? []) state.present.set(spec.id, new FakeSerialPort(spec));
		for (const id of saved?.granted ?? []) state.granted.add(id);
	} catch {
		// nothing saved
	}

	const control: FakeSerialControl = {
		plug(spec) {
			const port = new FakeSerialPort(spec);
			state.present.set(spec.id, port);
			save();
			state.written.set(spec.id, '');
			if (state.granted.has(spec.id)) fire('connect', port);
		},
		unplug(id) {
			const port = state.present.get(id);
			if (!port) return;
			state.present.delete(id);
			save();
			port.lose();
			if (state.granted.has(id)) fire('disconnect', port);
		},
		choose(id) {
			state.chooser = id;
		},
		async send(id, chunks) {
			for (const bytes of chunks) {
				await new Promise((r) => setTimeout(r, 0));
				state.present.get(id)?.controller?.enqueue(Uint8Array.from(bytes));
			}
		},
		enqueue(id, bytes) {
			state.present.get(id)?.controller?.enqueue(bytes);
		},
		written: (id) => state.written.get(id) ?? '',
		writeMode(id, mode) {
			state.modes.set(id, mode);
			if (mode === 'ok') for (const resolve of state.hung.splice(0)) resolve();
		},
		openOptions: (id) => state.opens.get(id) ?? [],
		isOpen: (id) => Boolean(state.present.get(id)?.readable)
	};

	Object.defineProperty(Navigator.prototype, 'serial', { get: () => serial, configurable: true });
	window.__fakeSerial = control;
}
