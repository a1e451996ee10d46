/**
 * What a device (a scanner source, the printer) says about itself, for the settings page and
 * the till's top bar. Plain TypeScript with listeners: the sources run outside Svelte too
 * (tests, the benchmark); devices.svelte.ts mirrors them into `$state`.
 */
import type { DevicesMessageKey } from './messages';

export type DeviceState =
	/** The browser has no such API (Firefox, Safari, Android for WebHID) or the page is not secure. */
	| 'unsupported'
	/** Supported, nothing granted or chosen yet. */
	| 'idle'
	| 'connecting'
	| 'connected'
	/** Granted, but unplugged or closed: it reconnects when plugged back in. */
	| 'disconnected'
	| 'error';

export interface DeviceStatus {
	state: DeviceState;
	/** Product names of the connected devices. */
	devices: string[];
	/** Why, in the user's words (a key of the `devices` section of src/lib/i18n/zh-CN.ts). */
	message?: DevicesMessageKey;
	/** Values for the message ({{name}}), or a browser error's text. */
	vars?: Record<string, string>;
}

export type StatusListener = (status: DeviceStatus) => void;

export class StatusEmitter {
	#status: DeviceStatus;
	readonly #listeners = new Set<StatusListener>();

	constructor(initial: DeviceStatus) {
		this.#status = initial;
	}

	get status(): DeviceStatus {
		return this.#status;
	}

	/** Calls `listener` now and on every change; returns the unsubscribe function. */
	onStatus(listener: StatusListener): () => void {
		this.#listeners.add(listener);
		listener(this.#status);
		return () => this.#listeners.delete(listener);
	}

	protected setStatus(status: DeviceStatus): void {
		this.#status = status;
		for (const l of this.#listeners) l(status);
	}
}

/** Web Serial, WebHID, WebUSB and the camera need a secure context (https or localhost). */
export function isSecure(): boolean {
	return globalThis.isSecureContext === true;
}

/** A browser error as message variables ({{error}}). */
export function errorVars(error: unknown): Record<string, string> {
	return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}
