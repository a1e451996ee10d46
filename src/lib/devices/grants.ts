/// <reference types="w3c-web-serial" />
/// <reference types="w3c-web-usb" />
/**
 * The one owner of the page's Web Serial and WebUSB grants (issue 15: serial scanners and serial
 * printers may share the granted ports). The browser keeps one list of granted serial ports per
 * origin; which of them is the scanner and which the printer is ours to remember, here, by a key
 * that survives a reload and a re-plug (USB vendor:product and the port's place among its twins).
 *
 * A port can be open once: `claim` lets one user (the scanner source, the printer) have it, so a
 * scanner never reads from the printer's port.
 */

export type PortRole = 'scanner' | 'printer';

/** Where roles persist: settings.ts passes its storage. */
export interface RoleStore {
	load(): Record<string, PortRole>;
	save(roles: Record<string, PortRole>): void;
}

export interface GrantsOptions {
	serial?: Serial | null;
	usb?: USB | null;
	roles?: RoleStore;
}

type Change = { kind: 'serial'; port: SerialPort; connected: boolean };
type UsbChange = { kind: 'usb'; device: USBDevice; connected: boolean };
export type GrantChange = Change | UsbChange;

function memoryRoles(): RoleStore {
	let roles: Record<string, PortRole> = {};
	return { load: () => ({ ...roles }), save: (r) => (roles = { ...r }) };
}

/** USB printer class (07): what `requestUsbPrinter` offers in the chooser. */
export const USB_PRINTER_CLASS = 0x07;

export class DeviceGrants {
	readonly serial: Serial | null;
	readonly usb: USB | null;
	readonly #roles: RoleStore;
	readonly #claims = new Map<SerialPort | USBDevice, string>();
	readonly #listeners = new Set<(change: GrantChange) => void>();
	#listening = false;

	constructor(options: GrantsOptions = {}) {
		const nav = globalThis.navigator as Navigator | undefined;
		this.serial = options.serial !== undefined ? options.serial : (nav?.serial ?? null);
		this.usb = options.usb !== undefined ? options.usb : (nav?.usb ?? null);
		this.#roles = options.roles ?? memoryRoles();
	}

	/** Stable key of a granted serial port, given all granted ports (in the browser's order). */
	static portKey(port: SerialPort, all: readonly SerialPort[]): string {
		const info = port.getInfo();
		const id = `${info.usbVendorId ?? 'x'}:${info.usbProductId ?? 'x'}`;
		const twins = all.filter((p) => {
			const i = p.getInfo();
			return `${i.usbVendorId ?? 'x'}:${i.usbProductId ?? 'x'}` === id;
		});
		return `${id}#${Math.max(0, twins.indexOf(port))}`;
	}

	async serialPorts(): Promise<SerialPort[]> {
		if (!this.serial) return [];
		return this.serial.getPorts();
	}

	async roleOf(port: SerialPort): Promise<PortRole | null> {
		const all = await this.serialPorts();
		return this.#roles.load()[DeviceGrants.portKey(port, all)] ?? null;
	}

	/** The granted ports given `role`. */
	async portsFor(role: PortRole): Promise<SerialPort[]> {
		const all = await this.serialPorts();
		const roles = this.#roles.load();
		return all.filter((p) => roles[DeviceGrants.portKey(p, all)] === role);
	}

	/**
	 * Asks the user for a port (the browser's chooser: call from a click) and gives it `role`.
	 * Null when the user closed the chooser.
	 */
	async requestSerialPort(role: PortRole): Promise<SerialPort | null> {
		if (!this.serial) return null;
		let port: SerialPort;
		try {
			port = await this.serial.requestPort();
		} catch (error) {
			if (error instanceof DOMException && error.name === 'NotFoundError') return null;
			throw error;
		}
		await this.setRole(port, role);
		return port;
	}

	async setRole(port: SerialPort, role: PortRole | null): Promise<void> {
		const all = await this.serialPorts();
		const key = DeviceGrants.portKey(port, all);
		const roles = this.#roles.load();
		if (role) roles[key] = role;
		else delete roles[key];
		this.#roles.save(roles);
	}

	/** Forgets a port: its role here and the browser's grant. */
	async forgetSerialPort(port: SerialPort): Promise<void> {
		await this.setRole(port, null);
		this.#claims.delete(port);
		await port.forget?.();
	}

	async usbPrinters(): Promise<USBDevice[]> {
		if (!this.usb) return [];
		return this.usb.getDevices();
	}

	async requestUsbPrinter(): Promise<USBDevice | null> {
		if (!this.usb) return null;
		try {
			return await this.usb.requestDevice({ filters: [{ classCode: USB_PRINTER_CLASS }] });
		} catch (error) {
			if (error instanceof DOMException && error.name === 'NotFoundError') return null;
			throw error;
		}
	}

	/** Takes `device` for `owner`; false when another owner has it. */
	claim(device: SerialPort | USBDevice, owner: string): boolean {
		const holder = this.#claims.get(device);
		if (holder && holder !== owner) return false;
		this.#claims.set(device, owner);
		return true;
	}

	release(device: SerialPort | USBDevice, owner: string): void {
		if (this.#claims.get(device) === owner) this.#claims.delete(device);
	}

	/** Plug and unplug of granted serial ports and USB devices; returns the unsubscribe. */
	onChange(listener: (change: GrantChange) => void): () => void {
		this.#listeners.add(listener);
		this.#listen();
		return () => this.#listeners.delete(listener);
	}

	#listen(): void {
		if (this.#listening) return;
		this.#listening = true;
		const serialEvent = (connected: boolean) => (e: Event) => {
			const port = e.target as SerialPort | null;
			if (!port || port === (this.serial as unknown)) return;
			this.#emit({ kind: 'serial', port, connected });
		};
		this.serial?.addEventListener('connect', serialEvent(true));
		this.serial?.addEventListener('disconnect', serialEvent(false));
		const usbEvent = (connected: boolean) => (e: Event) => {
			const device = (e as USBConnectionEvent).device;
			if (device) this.#emit({ kind: 'usb', device, connected });
		};
		this.usb?.addEventListener('connect', usbEvent(true));
		this.usb?.addEventListener('disconnect', usbEvent(false));
	}

	#emit(change: GrantChange): void {
		for (const l of this.#listeners) {
			try {
				l(change);
			} catch (error) {
				console.error('device grant listener:', error);
			}
		}
	}
}
