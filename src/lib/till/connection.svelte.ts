/**
 * Whether the till can reach its server: the browser's online flag, and every answer or failure
 * of the API client. Payment codes need the server (and through it Teegon); cash never does.
 * While the server is unreachable, a health ping every few seconds finds out when it is back.
 */
export interface ConnectionOptions {
	isOnline?: () => boolean;
	/** Pings the server; true when it answered (TillApiClient.health). */
	ping: () => Promise<boolean>;
	/** A ping found the server back: catch up on what was missed (the catalog). */
	onBack?: () => void;
	/** No health pings (unit tests). */
	pings?: boolean;
	pingMs?: number;
}

export class ConnectionState {
	online = $state(true);
	reachable = $state(true);

	readonly #options: ConnectionOptions;
	#pingTimer: ReturnType<typeof setTimeout> | null = null;
	#stopped = false;

	constructor(options: ConnectionOptions) {
		this.#options = options;
		this.online = options.isOnline?.() ?? globalThis.navigator?.onLine ?? true;
	}

	get canTakePaymentCode(): boolean {
		return this.online && this.reachable;
	}

	setOnline(online: boolean): void {
		this.online = online;
	}

	/** From the API client: true on every answer, false on every failure to get one. */
	setReachable(ok: boolean): void {
		if (this.reachable === ok) return;
		this.reachable = ok;
		if (!ok) this.#schedulePing();
	}

	#schedulePing(): void {
		if (this.#pingTimer || this.#stopped || this.#options.pings === false) return;
		this.#pingTimer = setTimeout(() => {
			this.#pingTimer = null;
			void this.#options.ping().then((ok) => {
				if (!ok) this.#schedulePing();
				else this.#options.onBack?.();
			});
		}, this.#options.pingMs ?? 5_000);
	}

	stop(): void {
		this.#stopped = true;
		if (this.#pingTimer) clearTimeout(this.#pingTimer);
		this.#pingTimer = null;
	}
}
