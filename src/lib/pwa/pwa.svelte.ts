/**
 * The app's update state: a new version waits until the cashier applies it, and is never
 * applied (nor the page reloaded for it) while the till is busy taking a payment.
 *
 * The till page calls `pwa.setBusy(true)` when a payment starts and `pwa.setBusy(false)` when
 * the sale is over; the update banner (UpdateBanner.svelte) reads the rest.
 */
import { APPLY_TIMEOUT_MS } from './config';

/** Tells the waiting service worker to take over (registerSW's return value). */
export type ActivateUpdate = () => Promise<void>;

export interface PwaStateOptions {
	/** Reloads the page; default `location.reload()`. */
	reload?: () => void;
	/** How long an update may take to take over before the button comes back. */
	applyTimeoutMs?: number;
}

export class PwaState {
	/** A new version is installed and waiting (or already in control, waiting for a reload). */
	updateAvailable = $state(false);
	/** A payment, or anything else that must not be interrupted, is in progress. */
	busy = $state(false);
	/** The update was asked for; the page reloads when the new version takes over. */
	applying = $state(false);
	/** The cashier chose "later": the banner hides until the next start or the next version. */
	dismissed = $state(false);

	#activate: ActivateUpdate | null = null;
	/** The new version already controls this page: applying it is just a reload. */
	#reloadPending = false;
	readonly #reload: () => void;
	readonly #applyTimeoutMs: number;

	constructor(options: PwaStateOptions = {}) {
		this.#reload = options.reload ?? (() => location.reload());
		this.#applyTimeoutMs = options.applyTimeoutMs ?? APPLY_TIMEOUT_MS;
	}

	/** Whether the banner shows. */
	get showBanner(): boolean {
		return this.updateAvailable && !this.dismissed;
	}

	/** Whether the update button may be pressed: never while busy. */
	get canApply(): boolean {
		return this.updateAvailable && !this.busy && !this.applying;
	}

	setBusy(busy: boolean): void {
		this.busy = busy;
	}

	dismiss(): void {
		this.dismissed = true;
	}

	/** A new version is installed and waiting (registerSW's onNeedRefresh). */
	needRefresh(activate: ActivateUpdate): void {
		this.#activate = activate;
		this.updateAvailable = true;
		this.dismissed = false;
	}

	/**
	 * The new version has taken control of this page (registerSW's onNeedReload): after this
	 * till's own update, or one applied in another tab. Reloads now unless busy; if busy, the
	 * reload waits for the cashier to press the update button again.
	 */
	needReload(): void {
		if (!this.busy) {
			this.#reload();
			return;
		}
		this.#reloadPending = true;
		this.updateAvailable = true;
		this.applying = false;
		this.dismissed = false;
	}

	/** Applies the waiting version. Refused (false) while busy or when there is none. */
	async applyUpdate(): Promise<boolean> {
		if (!this.canApply) return false;
		if (this.#reloadPending) {
			this.#reload();
			return true;
		}
		if (!this.#activate) return false;
		this.applying = true;
		setTimeout(() => (this.applying = false), this.#applyTimeoutMs);
		try {
			await this.#activate();
		} catch (e) {
			this.applying = false;
			console.warn('[pwa] could not apply the update', e);
			return false;
		}
		return true;
	}
}

/** The app's one instance (browser only; it stays idle on the server). */
export const pwa = new PwaState();
