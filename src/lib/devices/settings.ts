/**
 * Counter hardware settings of this device, in localStorage (small, synchronous: the till reads
 * them before its first scan; IndexedDB holds the sales, not this). One key, `till.devices`,
 * plus the wedge preset, which stays where the keyboard-wedge scanner already reads it
 * (`till.scanner`, src/lib/devices/scanner/scanner-settings.ts): the till picks up a preset chosen here
 * with no change to its code. Anything unreadable falls back to the default, field by field.
 */
import type { PortRole, RoleStore } from './grants';
import type { LineEnding } from './scanner/line-splitter';
import type { PaperWidth, ReceiptCode } from './printer/receipt';

export const DEVICE_SETTINGS_KEY = 'till.devices';
/**
 * Which granted serial port is which (grants.ts keys), apart from the settings: the grants
 * write it when a port is chosen, the settings page when an option changes, and neither may
 * overwrite the other's with a stale copy.
 */
export const PORT_ROLES_KEY = 'till.devices.ports';
/** The keyboard wedge's own key (scanner-settings.ts); only `preset` is written here. */
export const WEDGE_SETTINGS_KEY = 'till.scanner';

export const WEDGE_PRESET_NAMES = ['standard', 'slowScanner', 'suffixlessScanner'] as const;
export type WedgePresetName = (typeof WEDGE_PRESET_NAMES)[number];

export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200] as const;

export interface DeviceSettings {
	hid: { enabled: boolean };
	serial: { enabled: boolean; baudRate: number; lineEnding: LineEnding };
	/** Offer scanning with the camera (only where the browser has a working detector). */
	camera: { enabled: boolean };
	wedgePreset: WedgePresetName;
	printer: {
		/** How the ESC/POS printer is connected; 'none': browser printing only. */
		connection: 'none' | 'serial' | 'usb';
		paper: PaperWidth;
		/** Baud rate of a serial printer (a USB virtual COM port ignores it). */
		baudRate: number;
		code: ReceiptCode;
		autoPrint: boolean;
		drawerAfterCash: boolean;
		drawerPin: 2 | 5;
	};
}

export const DEFAULT_DEVICE_SETTINGS: DeviceSettings = {
	hid: { enabled: true },
	serial: { enabled: true, baudRate: 9600, lineEnding: 'cr' },
	camera: { enabled: true },
	wedgePreset: 'standard',
	printer: {
		connection: 'none',
		paper: 80,
		baudRate: 9600,
		code: 'qr',
		autoPrint: false,
		drawerAfterCash: true,
		drawerPin: 2
	}
};

type Store = Pick<Storage, 'getItem' | 'setItem'>;

function defaultStorage(): Store | null {
	try {
		return globalThis.localStorage ?? null;
	} catch {
		return null;
	}
}

function readJson(storage: Store | null, key: string): Record<string, unknown> {
	try {
		const v: unknown = JSON.parse(storage?.getItem(key) ?? 'null');
		return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

const obj = (v: unknown): Record<string, unknown> =>
	v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);
const oneOf = <T>(v: unknown, options: readonly T[], d: T): T =>
	options.includes(v as T) ? (v as T) : d;

export function loadDeviceSettings(storage: Store | null = defaultStorage()): DeviceSettings {
	const d = DEFAULT_DEVICE_SETTINGS;
	const v = readJson(storage, DEVICE_SETTINGS_KEY);
	const hid = obj(v.hid);
	const serial = obj(v.serial);
	const camera = obj(v.camera);
	const printer = obj(v.printer);
	return {
		hid: { enabled: bool(hid.enabled, d.hid.enabled) },
		serial: {
			enabled: bool(serial.enabled, d.serial.enabled),
			baudRate: oneOf(serial.baudRate, BAUD_RATES, d.serial.baudRate),
			lineEnding: oneOf(serial.lineEnding, ['cr', 'lf', 'crlf'] as const, d.serial.lineEnding)
		},
		camera: { enabled: bool(camera.enabled, d.camera.enabled) },
		wedgePreset: oneOf(
			readJson(storage, WEDGE_SETTINGS_KEY).preset,
			WEDGE_PRESET_NAMES,
			d.wedgePreset
		),
		printer: {
			connection: oneOf(
				printer.connection,
				['none', 'serial', 'usb'] as const,
				d.printer.connection
			),
			paper: oneOf(printer.paper, [58, 80] as const, d.printer.paper),
			baudRate: oneOf(printer.baudRate, BAUD_RATES, d.printer.baudRate),
			code: oneOf(printer.code, ['qr', 'barcode', 'none'] as const, d.printer.code),
			autoPrint: bool(printer.autoPrint, d.printer.autoPrint),
			drawerAfterCash: bool(printer.drawerAfterCash, d.printer.drawerAfterCash),
			drawerPin: oneOf(printer.drawerPin, [2, 5] as const, d.printer.drawerPin)
		}
	};
}

export function saveDeviceSettings(
	settings: DeviceSettings,
	storage: Store | null = defaultStorage()
): void {
	if (!storage) return;
	const { wedgePreset, ...rest } = settings;
	try {
		storage.setItem(DEVICE_SETTINGS_KEY, JSON.stringify(rest));
		// Keep the wedge's other keys (suffixlessTimeoutMs, …) set by hand for odd hardware.
		const wedge = readJson(storage, WEDGE_SETTINGS_KEY);
		if (wedgePreset === 'standard') delete wedge.preset;
		else wedge.preset = wedgePreset;
		storage.setItem(WEDGE_SETTINGS_KEY, JSON.stringify(wedge));
	} catch (error) {
		console.warn('device settings not saved:', error);
	}
}

/** Where grants.ts keeps the serial port roles. */
export function portRoleStore(storage: Store | null = defaultStorage()): RoleStore {
	return {
		load: () => {
			const roles: Record<string, PortRole> = {};
			for (const [k, r] of Object.entries(readJson(storage, PORT_ROLES_KEY)))
				if (r === 'scanner' || r === 'printer') roles[k] = r;
			return roles;
		},
		save: (roles) => {
			try {
				storage?.setItem(PORT_ROLES_KEY, JSON.stringify(roles));
			} catch (error) {
				console.warn('serial port roles not saved:', error);
			}
		}
	};
}
