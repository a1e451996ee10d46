/**
 * A fake `navigator.hid` for Playwright (`page.addInitScript(installFakeHid)`), standing in at
 * the API boundary for scanners the test machines do not have. It behaves as Chromium's does
 * where the till depends on it:
 * - `requestDevice` throws SecurityError without a user gesture (transient activation; note
 *   that Playwright's `page.evaluate` counts as one, a click in the page does too), shows
 *   "the chooser" (answers what the test set with `__fakeHid.choose`) listing only devices that
 *   match a filter, and grants what was picked; an empty answer is the user closing it;
 * - `getDevices` lists granted devices that are plugged in;
 * - `connect` / `disconnect` fire on navigator.hid for granted devices only; a device plugged back
 *   in is a NEW HIDDevice object, closed, as in Chromium;
 * - `inputreport` fires only on an opened device, one event per report (a code split across
 *   packets arrives as several events, in separate tasks);
 * - the keyboard usage page is not exposed: a keyboard-mode scanner has no collections the page
 *   can see.
 * Self-contained (serialised into the page): no imports, no outer variables.
 */
export interface FakeHidDeviceSpec {
	id: string;
	vendorId: number;
	productId: number;
	productName: string;
	/** false: a scanner in keyboard mode (only a vendor collection, or none, is visible). */
	hidPos: boolean;
}

export interface FakeHidControl {
	plug(spec: FakeHidDeviceSpec): void;
	unplug(id: string): void;
	/** What the user picks in the next chooser (device ids); [] closes it. */
	choose(ids: string[]): void;
	/** Sends reports (each a byte array) as input reports of the device, one task apart. */
	input(id: string, reportId: number, reports: number[][]): Promise<void>;
	featureReports(id: string): { reportId: number; data: number[] }[];
	openCount(id: string): number;
}

declare global {
	interface Window {
		__fakeHid: FakeHidControl;
	}
}

export function installFakeHid(): void {
	type Spec = FakeHidDeviceSpec;
	type Filter = { vendorId?: number; productId?: number; usagePage?: number; usage?: number };

	class FakeHIDDevice extends EventTarget {
		readonly vendorId: number;
		readonly productId: number;
		readonly productName: string;
		readonly collections: { usagePage: number; usage: number }[];
		opened = false;
		connected = true;
		readonly spec: Spec;
		constructor(spec: Spec) {
			super();
			this.spec = spec;
			this.vendorId = spec.vendorId;
			this.productId = spec.productId;
			this.productName = spec.productName;
			this.collections = spec.hidPos
				? [{ usagePage: 0x8c, usage: 0x02 }]
				: [{ usagePage: 0xff00, usage: 0x01 }]; // the keyboard collection is hidden
		}
		async open(): Promise<void> {
			if (!this.connected) throw new DOMException('Failed to open the device.', 'NotAllowedError');
			if (this.opened) throw new DOMException('The device is already open.', 'InvalidStateError');
			this.opened = true;
			state.opens.set(this.spec.id, (state.opens.get(this.spec.id) ?? 0) + 1);
		}
		async close(): Promise<void> {
			this.opened = false;
		}
		async sendFeatureReport(reportId: number, data: BufferSource): Promise<void> {
			if (!this.opened)
				throw new DOMException('The device must be opened first.', 'InvalidStateError');
			const bytes = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer);
			const list = state.features.get(this.spec.id) ?? [];
			list.push({ reportId, data: [...bytes] });
			state.features.set(this.spec.id, list);
		}
		async sendReport(): Promise<void> {}
		async receiveFeatureReport(): Promise<DataView> {
			return new DataView(new ArrayBuffer(0));
		}
		async forget(): Promise<void> {
			state.granted.delete(this.spec.id);
			save();
		}
	}

	const state = {
		present: new Map<string, FakeHIDDevice>(),
		granted: new Set<string>(),
		chooser: [] as string[],
		features: new Map<string, { reportId: number; data: number[] }[]>(),
		opens: new Map<string, number>()
	};

	const matches = (d: FakeHIDDevice, f: Filter) =>
		(f.vendorId === undefined || f.vendorId === d.vendorId) &&
		(f.productId === undefined || f.productId === d.productId) &&
		(f.usagePage === undefined ||
			d.collections.some(
				(c) => c.usagePage === f.usagePage && (f.usage === undefined || c.usage === f.usage)
			));

	class FakeHID extends EventTarget {
		async getDevices(): Promise<FakeHIDDevice[]> {
			return [...state.present.values()].filter((d) => state.granted.has(d.spec.id));
		}
		async requestDevice(options: { filters: Filter[] }): Promise<FakeHIDDevice[]> {
			if (!navigator.userActivation?.isActive)
				throw new DOMException(
					"Failed to execute 'requestDevice' on 'HID': Must be handling a user gesture to show a permission request.",
					'SecurityError'
				);
			const listed = [...state.present.values()].filter((d) =>
				options.filters.some((f) => matches(d, f))
			);
			const picked = listed.filter((d) => state.chooser.includes(d.spec.id));
			for (const d of picked) state.granted.add(d.spec.id);
			save();
			return picked;
		}
	}
	const hid = new FakeHID();

	function connectionEvent(type: string, device: FakeHIDDevice): Event {
		const e = new Event(type);
		Object.defineProperty(e, 'device', { value: device });
		return e;
	}

	// What is plugged in and granted outlives a reload, as the hardware and the browser's grants do.
	const STORE = '__fakeHid';
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
		for (const spec of saved?.present ?? []) state.present.set(spec.id, new FakeHIDDevice(spec));
		for (const id of saved?.granted ?? []) state.granted.add(id);
	} catch {
		// nothing saved
	}

	const control: FakeHidControl = {
		plug(spec) {
			const device = new FakeHIDDevice(spec);
			state.present.set(spec.id, device);
			save();
			if (state.granted.has(spec.id)) hid.dispatchEvent(connectionEvent('connect', device));
		},
		unplug(id) {
			const device = state.present.get(id);
			if (!device) return;
			state.present.delete(id);
			save();
			device.connected = false;
			device.opened = false;
			if (state.granted.has(id)) hid.dispatchEvent(connectionEvent('disconnect', device));
		},
		choose(ids) {
			state.chooser = ids;
		},
		async input(id, reportId, reports) {
			for (const bytes of reports) {
				await new Promise((r) => setTimeout(r, 0));
				const device = state.present.get(id);
				if (!device?.opened) continue;
				const e = new Event('inputreport');
				const data = new DataView(Uint8Array.from(bytes).buffer);
				Object.defineProperties(e, {
					device: { value: device },
					reportId: { value: reportId },
					data: { value: data }
				});
				device.dispatchEvent(e);
			}
		},
		featureReports: (id) => state.features.get(id) ?? [],
		openCount: (id) => state.opens.get(id) ?? 0
	};

	Object.defineProperty(Navigator.prototype, 'hid', { get: () => hid, configurable: true });
	window.__fakeHid = control;
}
