/**
 * A fake `navigator.usb` for Playwright (`page.addInitScript(installFakeUsb)`): a USB receipt
 * printer (printer class 07, one bulk OUT endpoint). As Chromium's WebUSB:
 * - `requestDevice` throws SecurityError without a user gesture, lists only devices matching a
 *   filter (classCode of an interface, vendorId/productId), NotFoundError when the user closes
 *   the chooser (`__fakeUsb.choose(null)`), and grants the device picked;
 * - `getDevices` lists granted devices that are plugged in;
 * - `configuration` is null until `selectConfiguration`; `claimInterface` needs the device open
 *   and configured (InvalidStateError), and a claimed interface; `transferOut` needs the
 *   interface claimed and an OUT endpoint on it, and fails (NetworkError) once unplugged;
 * - `connect`/`disconnect` (USBConnectionEvent: `event.device`) fire for granted devices; a
 *   device plugged back in is a new USBDevice object, closed.
 * What the printer is sent is recorded. Self-contained (serialised into the page).
 */
export interface FakeUsbDeviceSpec {
	id: string;
	vendorId: number;
	productId: number;
	productName: string;
}

export interface FakeUsbControl {
	plug(spec: FakeUsbDeviceSpec): void;
	unplug(id: string): void;
	choose(id: string | null): void;
	/** Everything transferred OUT since plugged in, as hex. */
	written(id: string): string;
	/** Calls made on the device, in order ('open', 'selectConfiguration(1)', …). */
	calls(id: string): string[];
}

declare global {
	interface Window {
		__fakeUsb: FakeUsbControl;
	}
}

export function installFakeUsb(): void {
	type Spec = FakeUsbDeviceSpec;
	const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
	const state = {
		present: new Map<string, FakeUSBDevice>(),
		granted: new Set<string>(),
		chooser: null as string | null,
		written: new Map<string, string>(),
		calls: new Map<string, string[]>()
	};
	const endpoint = { endpointNumber: 1, direction: 'out', type: 'bulk', packetSize: 64 };
	const alternate = {
		alternateSetting: 0,
		interfaceClass: 7,
		interfaceSubclass: 1,
		interfaceProtocol: 2,
		interfaceName: null,
		endpoints: [endpoint, { ...endpoint, endpointNumber: 2, direction: 'in' }]
	};

	class FakeUSBDevice {
		readonly spec: Spec;
		readonly vendorId: number;
		readonly productId: number;
		readonly productName: string;
		readonly manufacturerName = 'Fake';
		readonly serialNumber = '0001';
		opened = false;
		connected = true;
		configuration: unknown = null;
		readonly configurations = [
			{
				configurationValue: 1,
				configurationName: null,
				interfaces: [{ interfaceNumber: 0, alternate, alternates: [alternate], claimed: false }]
			}
		];
		constructor(spec: Spec) {
			this.spec = spec;
			this.vendorId = spec.vendorId;
			this.productId = spec.productId;
			this.productName = spec.productName;
		}
		#log(call: string): void {
			const list = state.calls.get(this.spec.id) ?? [];
			list.push(call);
			state.calls.set(this.spec.id, list);
		}
		#alive(): void {
			if (!this.connected) throw new DOMException('The device was disconnected.', 'NotFoundError');
		}
		async open(): Promise<void> {
			this.#alive();
			this.#log('open');
			this.opened = true;
		}
		async close(): Promise<void> {
			this.#log('close');
			this.opened = false;
			for (const i of this.configurations[0]!.interfaces) i.claimed = false;
		}
		async selectConfiguration(value: number): Promise<void> {
			this.#alive();
			if (!this.opened)
				throw new DOMException('The device must be opened first.', 'InvalidStateError');
			const c = this.configurations.find((x) => x.configurationValue === value);
			if (!c)
				throw new DOMException(
					'The configuration value provided is not supported by the device.',
					'NotFoundError'
				);
			this.#log(`selectConfiguration(${value})`);
			this.configuration = c;
		}
		#iface(n: number) {
			if (!this.opened || !this.configuration)
				throw new DOMException(
					'The device must be opened and configured first.',
					'InvalidStateError'
				);
			const i = this.configurations[0]!.interfaces.find((x) => x.interfaceNumber === n);
			if (!i)
				throw new DOMException(
					'The interface number provided is not supported by the device in its current configuration.',
					'NotFoundError'
				);
			return i;
		}
		async claimInterface(n: number): Promise<void> {
			this.#alive();
			this.#iface(n).claimed = true;
			this.#log(`claimInterface(${n})`);
		}
		async releaseInterface(n: number): Promise<void> {
			this.#iface(n).claimed = false;
			this.#log(`releaseInterface(${n})`);
		}
		async selectAlternateInterface(n: number, alt: number): Promise<void> {
			this.#iface(n);
			if (alt !== 0) throw new DOMException('Unsupported alternate', 'NotFoundError');
		}
		async transferOut(
			ep: number,
			data: BufferSource
		): Promise<{ status: string; bytesWritten: number }> {
			if (!this.connected) throw new DOMException('A transfer error has occurred.', 'NetworkError');
			const i = this.configurations[0]!.interfaces.find((x) =>
				x.alternate.endpoints.some((e) => e.endpointNumber === ep && e.direction === 'out')
			);
			if (!i)
				throw new DOMException(
					'The specified endpoint is not part of a claimed and selected alternate interface.',
					'NotFoundError'
				);
			if (!i.claimed)
				throw new DOMException(
					'The specified endpoint is not part of a claimed and selected alternate interface.',
					'InvalidStateError'
				);
			const bytes =
				data instanceof Uint8Array
					? data
					: new Uint8Array(ArrayBuffer.isView(data) ? data.buffer : data);
			state.written.set(this.spec.id, (state.written.get(this.spec.id) ?? '') + hex(bytes));
			return { status: 'ok', bytesWritten: bytes.length };
		}
	}

	type Filter = { vendorId?: number; productId?: number; classCode?: number };
	const matches = (d: FakeUSBDevice, f: Filter) =>
		(f.vendorId === undefined || f.vendorId === d.vendorId) &&
		(f.productId === undefined || f.productId === d.productId) &&
		(f.classCode === undefined || f.classCode === alternate.interfaceClass);

	class FakeUSB extends EventTarget {
		async getDevices(): Promise<FakeUSBDevice[]> {
			return [...state.present.values()].filter((d) => state.granted.has(d.spec.id));
		}
		async requestDevice(options: { filters: Filter[] }): Promise<FakeUSBDevice> {
			if (!navigator.userActivation?.isActive)
				throw new DOMException(
					"Failed to execute 'requestDevice' on 'USB': Must be handling a user gesture to show a permission request.",
					'SecurityError'
				);
			if (!options || !Array.isArray(options.filters))
				throw new TypeError(
					"Failed to execute 'requestDevice' on 'USB': required member filters is undefined."
				);
			const d = state.chooser ? state.present.get(state.chooser) : undefined;
			if (!d || (options.filters.length > 0 && !options.filters.some((f) => matches(d, f))))
				throw new DOMException('No device selected.', 'NotFoundError');
			state.granted.add(d.spec.id);
			save();
			return d;
		}
	}
	const usb = new FakeUSB();
	const fire = (type: string, device: FakeUSBDevice) => {
		const e = new Event(type);
		Object.defineProperty(e, 'device', { value: device });
		usb.dispatchEvent(e);
	};

	const STORE = '__fakeUsb';
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
			// no storage on this document
		}
	};
	try {
		const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null') as {
			present: Spec[];
			granted: string[];
		} | null;
		for (const spec of saved?.present ?? []) state.present.set(spec.id, new FakeUSBDevice(spec));
		for (const id of saved?.granted ?? []) state.granted.add(id);
	} catch {
		// nothing saved
	}

	window.__fakeUsb = {
		plug(spec) {
			const d = new FakeUSBDevice(spec);
			state.present.set(spec.id, d);
			state.written.set(spec.id, '');
			save();
			if (state.granted.has(spec.id)) fire('connect', d);
		},
		unplug(id) {
			const d = state.present.get(id);
			if (!d) return;
			state.present.delete(id);
			d.connected = false;
			d.opened = false;
			save();
			if (state.granted.has(id)) fire('disconnect', d);
		},
		choose(id) {
			state.chooser = id;
		},
		written: (id) => state.written.get(id) ?? '',
		calls: (id) => state.calls.get(id) ?? []
	};
	Object.defineProperty(Navigator.prototype, 'usb', { get: () => usb, configurable: true });
}
