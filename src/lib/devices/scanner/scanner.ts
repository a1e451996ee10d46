/**
 * The scanner hub: the one place the till listens to, whatever the scanner is plugged in as.
 * A source (keyboard wedge today; WebHID, Web Serial, camera) turns its hardware into ScanEvents
 * and may fail on its own without taking the others down. No DOM here.
 */
export interface ScanEvent {
	/** The code as read, without the scanner's suffix (Enter/Tab/CR/LF). */
	code: string;
	/** `ScanSource.name` of the source that read it. */
	source: string;
	/** Epoch milliseconds of the read (for the keyboard wedge: the last key of the burst). */
	at: number;
}

export type ScanEmit = (scan: ScanEvent) => void;

export interface ScanSource {
	/** Unique within a hub: 'keyboard', 'webhid', 'serial', 'camera'. */
	readonly name: string;
	/**
	 * Starts reading and reports every scan through `emit`. May be async (opening a HID device or
	 * a serial port); a rejection is reported through the hub's error listeners.
	 */
	start(emit: ScanEmit): void | Promise<void>;
	/** Stops reading and releases what `start` took (listeners, devices, ports, the camera). */
	stop(): void | Promise<void>;
}

export type ScanListener = (scan: ScanEvent) => void;
export type ScanErrorListener = (error: unknown, source: string) => void;

export interface ScannerOptions {
	/**
	 * Drop a scan of the same code from a DIFFERENT source within this many ms (one scanner seen
	 * through two sources, e.g. wedge and WebHID). Repeats from one source always count: scanning
	 * an item twice means two items. 0 turns it off. Default 300.
	 */
	crossSourceDedupeMs?: number;
}

export class Scanner {
	readonly #sources = new Map<string, ScanSource>();
	readonly #listeners = new Set<ScanListener>();
	readonly #errorListeners = new Set<ScanErrorListener>();
	readonly #dedupeMs: number;
	#running = false;
	#last: ScanEvent | null = null;

	constructor(options: ScannerOptions = {}) {
		this.#dedupeMs = options.crossSourceDedupeMs ?? 300;
	}

	get running(): boolean {
		return this.#running;
	}

	get sources(): string[] {
		return [...this.#sources.keys()];
	}

	/** Adds a source; it starts at once if the hub is running. */
	async add(source: ScanSource): Promise<void> {
		if (this.#sources.has(source.name)) throw new Error(`scan source ${source.name} already added`);
		this.#sources.set(source.name, source);
		if (this.#running) await this.#start(source);
	}

	async remove(name: string): Promise<void> {
		const source = this.#sources.get(name);
		if (!source) return;
		this.#sources.delete(name);
		if (this.#running) await this.#stop(source);
	}

	/** Starts every source. Resolves when all have started or failed (failures are reported). */
	async start(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		await Promise.all([...this.#sources.values()].map((s) => this.#start(s)));
	}

	async stop(): Promise<void> {
		if (!this.#running) return;
		this.#running = false;
		await Promise.all([...this.#sources.values()].map((s) => this.#stop(s)));
	}

	/** Returns the unsubscribe function (fits Svelte's `$effect` cleanup). */
	onScan(listener: ScanListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	onError(listener: ScanErrorListener): () => void {
		this.#errorListeners.add(listener);
		return () => this.#errorListeners.delete(listener);
	}

	/** Feeds a scan as if a source had read it (manual entry of a code, tests). */
	emit(scan: ScanEvent): void {
		if (!this.#running || !scan.code) return;
		const last = this.#last;
		if (
			last &&
			this.#dedupeMs > 0 &&
			last.code === scan.code &&
			last.source !== scan.source &&
			Math.abs(scan.at - last.at) <= this.#dedupeMs
		) {
			return;
		}
		this.#last = scan;
		for (const listener of this.#listeners) {
			try {
				listener(scan);
			} catch (error) {
				this.#report(error, scan.source);
			}
		}
	}

	async #start(source: ScanSource): Promise<void> {
		try {
			await source.start((scan) => {
				// A source removed or stopped must not deliver late reads.
				if (this.#sources.get(source.name) === source) this.emit(scan);
			});
		} catch (error) {
			this.#report(error, source.name);
			return;
		}
		// Stopped or removed while it was starting (a port or device still opening when the page
		// went away): the stop it got then came too early to release anything; stop it again.
		if (!this.#running || this.#sources.get(source.name) !== source) await this.#stop(source);
	}

	async #stop(source: ScanSource): Promise<void> {
		try {
			await source.stop();
		} catch (error) {
			this.#report(error, source.name);
		}
	}

	#report(error: unknown, source: string): void {
		if (this.#errorListeners.size === 0) console.error(`scan source ${source}:`, error);
		for (const listener of this.#errorListeners) listener(error, source);
	}
}
