/**
 * Keyboard-wedge scan detection: tells a scanner's burst of keystrokes from a person typing. A
 * pure state machine fed keydown-like records (no DOM), so it runs in unit tests and benchmarks;
 * wedge-source.ts connects it to the page.
 *
 * Scanners type 1–20 ms apart (some Zebra 50–100 ms), people ≥ 100 ms on average, and a digit
 * that reached a text field cannot be taken back cleanly: so every key that could belong to a
 * scan is held ('buffer') until the burst is decided, then either reported as a scan or
 * released to be replayed where it was aimed. Two tiers: fast (≤ 40 ms gaps, ≤ 30 ms average)
 * and slow (≤ 90 / 75 ms), the slow one only with a suffix or a code whose shape proves it
 * (a GTIN with a valid check digit, a payment code). README, "At the counter", has the settings.
 */
import { MAX_PAYMENT_CODE_LENGTH, PAYMENT_CODE_PREFIX } from '$lib/domain/payment-code';
import { classifyScan } from './scan-classify';
import { decodeKey, isModifierKey, isShortcut, namedKey } from './wedge-keys';

/** A keydown as the detector needs it. A DOM KeyboardEvent has these fields (see wedge-source.ts). */
export interface WedgeKey {
	key: string;
	code: string;
	/** Milliseconds, any monotonic origin (a KeyboardEvent's timeStamp). */
	timeStamp: number;
	keyCode?: number;
	shiftKey?: boolean;
	ctrlKey?: boolean;
	altKey?: boolean;
	metaKey?: boolean;
	/** getModifierState('AltGraph'): Ctrl+Alt on Windows is AltGr on some layouts, not a shortcut. */
	altGraph?: boolean;
	/** getModifierState('CapsLock'), for decoding letters from `code`. */
	capsLock?: boolean;
	repeat?: boolean;
	isComposing?: boolean;
}

export type WedgeDecision = 'buffer' | 'pass';

export interface HeldKey<T = unknown> {
	/** The decoded character. */
	char: string;
	key: WedgeKey;
	/**
	 * False when holding the key could not stop it (IME `Process`/keyCode 229: the input method
	 * has it already), so it must not be replayed, and a scan made of it may have reached a field.
	 */
	replay: boolean;
	/** Whatever the caller passed to `feed` with this key (the event's target, say). */
	origin: T | undefined;
}

export interface WedgeScan<T = unknown> {
	code: string;
	/** timeStamp of the last character. */
	at: number;
	/** 'Enter', 'Tab', or null for a suffixless scan ended by the timeout. */
	suffix: string | null;
	/** Largest and average gap between the characters, ms. */
	maxGapMs: number;
	avgGapMs: number;
	keys: HeldKey<T>[];
}

export interface WedgeTimer {
	set(callback: () => void, ms: number): unknown;
	clear(handle: unknown): void;
}

export interface WedgeOptions<T = unknown> {
	/** Shortest code taken for a scan. Default 6 (EAN-8 is 8; payment codes 16–24). */
	minLength?: number;
	/** Longest gap between two keys of one scan, ms. Default 40. */
	maxGapMs?: number;
	/** Largest average gap over the whole code, ms. Default 30. */
	avgGapMs?: number;
	/**
	 * Silence after the last key that ends a burst without a suffix, ms. Default 40. The timer
	 * used is the larger of this and `maxGapMs`, so a slower gap setting never cuts a scan apart.
	 */
	suffixlessTimeoutMs?: number;
	/**
	 * Slow tier: longest gap between two keys (and before the suffix) of a scan that ends with a
	 * suffix, ms. Default 90. Keys are held until this long after the last one. 0 turns the tier
	 * off (keys are then held only `suffixlessTimeoutMs`, as before the tier existed).
	 */
	slowMaxGapMs?: number;
	/** Slow tier: largest average gap over the whole code, ms. Default 75. */
	slowAvgGapMs?: number;
	/**
	 * Take a burst without Enter/Tab as a scan when silence ends it. Default true. (A slow-tier
	 * burst then also needs a content that proves it a code: see the file's comment.)
	 */
	allowSuffixless?: boolean;
	/**
	 * End a scan on the key that completes a code whose shape says it is whole (see the file's
	 * comment), without waiting for silence. Default false: for scanners set to send no suffix.
	 */
	endOnCompleteCode?: boolean;
	/** Keys that end a scan. Default ['Enter', 'Tab']. */
	suffixKeys?: readonly string[];
	/** Characters a scan may contain. Default: printable ASCII without space (U+0021–U+007E). */
	isScanChar?: (char: string) => boolean;
	onScan?: (scan: WedgeScan<T>) => void;
	/** Held keys found to be typed by a person: replay them, in order, now. */
	onRelease?: (keys: HeldKey<T>[]) => void;
	/** Injectable for tests; default setTimeout/clearTimeout. */
	timer?: WedgeTimer;
}

export const WEDGE_DEFAULTS = {
	minLength: 6,
	maxGapMs: 40,
	avgGapMs: 30,
	suffixlessTimeoutMs: 40,
	slowMaxGapMs: 90,
	slowAvgGapMs: 75,
	allowSuffixless: true,
	endOnCompleteCode: false,
	suffixKeys: ['Enter', 'Tab'] as readonly string[]
} as const;

/** Settings for the till's scanner setting screen. */
export const WEDGE_PRESETS = {
	/** Datalogic, Honeywell, Netum and most others. */
	standard: {},
	/**
	 * Zebra models typing 80–100 ms apart: Enter suffix required, longer gaps accepted. (The
	 * default slow tier, 90/75 ms with Enter, already reads scanners at 50–70 ms per key.)
	 */
	slowScanner: { maxGapMs: 130, avgGapMs: 110, allowSuffixless: false },
	/**
	 * Scanners set to send no suffix: product and payment codes end on their last digit, at
	 * any speed up to the slow tier's (other codes still end after the silence).
	 */
	suffixlessScanner: { endOnCompleteCode: true }
} as const satisfies Record<string, WedgeOptions>;

const defaultScanChar = (c: string): boolean => c >= '!' && c <= '~' && c.length === 1;

/** A code whose shape shows it is a code, not a person's typing: a valid GTIN or a payment code. */
export function isProvenCode(code: string): boolean {
	return classifyScan(code).kind !== 'other';
}

/**
 * A code that cannot go on: WeChat's 18 digits, Alipay's longest (24), or an EAN-13 with a valid
 * check digit that could not be the first 13 digits of a payment code.
 */
export function isCompleteCode(code: string): boolean {
	const c = classifyScan(code);
	if (c.kind === 'wechat') return true;
	if (c.kind === 'alipay') return code.length === MAX_PAYMENT_CODE_LENGTH;
	return c.kind === 'ean13' && !PAYMENT_CODE_PREFIX.test(code);
}

const defaultTimer: WedgeTimer = {
	set: (callback, ms) => setTimeout(callback, ms),
	clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

// ---- the detector ----------------------------------------------------------------------------

export class WedgeDetector<T = unknown> {
	readonly minLength: number;
	readonly maxGapMs: number;
	readonly avgGapMs: number;
	readonly suffixlessTimeoutMs: number;
	/** 0 when the slow tier is off. */
	readonly slowMaxGapMs: number;
	readonly slowAvgGapMs: number;
	readonly allowSuffixless: boolean;
	readonly endOnCompleteCode: boolean;
	readonly #suffixKeys: ReadonlySet<string>;
	readonly #isScanChar: (char: string) => boolean;
	readonly #timer: WedgeTimer;
	#onScan: (scan: WedgeScan<T>) => void;
	#onRelease: (keys: HeldKey<T>[]) => void;

	#held: HeldKey<T>[] = [];
	#lastAt = 0;
	#timerHandle: unknown = null;
	/** timeStamp of the last character of a scan decided without a suffix; a late suffix is its. */
	#suffixlessScanAt: number | null = null;
	/**
	 * timeStamp of the suffix that ended the last scan: a second suffix key right after it is the
	 * scanner's too (a CR LF suffix typed as Enter, Enter; or Enter + Tab).
	 */
	#suffixAt: number | null = null;

	constructor(options: WedgeOptions<T> = {}) {
		this.minLength = Math.max(1, options.minLength ?? WEDGE_DEFAULTS.minLength);
		this.maxGapMs = options.maxGapMs ?? WEDGE_DEFAULTS.maxGapMs;
		this.avgGapMs = options.avgGapMs ?? WEDGE_DEFAULTS.avgGapMs;
		this.suffixlessTimeoutMs = options.suffixlessTimeoutMs ?? WEDGE_DEFAULTS.suffixlessTimeoutMs;
		this.slowMaxGapMs = Math.max(0, options.slowMaxGapMs ?? WEDGE_DEFAULTS.slowMaxGapMs);
		this.slowAvgGapMs = options.slowAvgGapMs ?? WEDGE_DEFAULTS.slowAvgGapMs;
		this.allowSuffixless = options.allowSuffixless ?? WEDGE_DEFAULTS.allowSuffixless;
		this.endOnCompleteCode = options.endOnCompleteCode ?? WEDGE_DEFAULTS.endOnCompleteCode;
		this.#suffixKeys = new Set(options.suffixKeys ?? WEDGE_DEFAULTS.suffixKeys);
		this.#isScanChar = options.isScanChar ?? defaultScanChar;
		this.#timer = options.timer ?? defaultTimer;
		this.#onScan = options.onScan ?? (() => {});
		this.#onRelease = options.onRelease ?? (() => {});
	}

	set onScan(f: (scan: WedgeScan<T>) => void) {
		this.#onScan = f;
	}

	set onRelease(f: (keys: HeldKey<T>[]) => void) {
		this.#onRelease = f;
	}

	/** Keys are held back: a burst is undecided. */
	get buffering(): boolean {
		return this.#held.length > 0;
	}

	/** The silence after which a fast-tier burst without a suffix is decided (scan or not), ms. */
	get idleTimeoutMs(): number {
		return Math.max(this.suffixlessTimeoutMs, this.maxGapMs);
	}

	/** The longest gap that keeps a burst together: `maxGapMs`, or the slow tier's if larger. */
	get #burstGapMs(): number {
		return Math.max(this.maxGapMs, this.slowMaxGapMs);
	}

	/** The silence after which held keys are released at the latest, ms. */
	get holdTimeoutMs(): number {
		return Math.max(this.idleTimeoutMs, this.#burstGapMs);
	}

	/**
	 * Feeds one keydown. 'buffer': hold it back (preventDefault and stopPropagation); 'pass': let
	 * it through. Callbacks (`onRelease` first, then possibly `onScan`) run before this returns.
	 */
	feed(k: WedgeKey, origin?: T): WedgeDecision {
		// Shift comes before every capital of a scan: neutral, and it does not count as a gap.
		if (isModifierKey(k)) return 'pass';

		// A timer that should have ended the burst may run after this key (a busy main thread):
		// decide by the key's own timestamp, not by the timer.
		const gap = k.timeStamp - this.#lastAt;
		if (this.#held.length > 0 && gap > this.maxGapMs) this.#fastIdle();
		if (this.#held.length > 0 && gap > this.#burstGapMs) this.#slowIdle();
		const afterSuffixless = this.#suffixlessScanAt;
		this.#suffixlessScanAt = null;
		const afterSuffix = this.#suffixAt;
		this.#suffixAt = null;

		// A key typed into an open IME composition (isComposing, key 'Process') may still be a
		// scanner's: the cashier left pinyin half typed and scanned. Its character comes from
		// `code`, and the rhythm decides as for any key; the IME has it, so it is never replayed.
		if (isShortcut(k) || k.repeat) {
			this.#release();
			return 'pass';
		}

		const named = namedKey(k);
		if (this.#suffixKeys.has(named)) {
			if (this.#held.length === 0) {
				// The scanner's own suffix, late after a scan the silence or the content ended.
				if (afterSuffixless !== null && k.timeStamp - afterSuffixless <= this.holdTimeoutMs) {
					this.#suffixAt = k.timeStamp; // its second key (CR LF) is the scanner's too
					return 'buffer';
				}
				// The second key of a two-key suffix, at the scanner's rhythm.
				if (afterSuffix !== null && k.timeStamp - afterSuffix <= this.#burstGapMs) {
					this.#suffixAt = k.timeStamp;
					return 'buffer';
				}
				return 'pass';
			}
			const run = this.#fastRun();
			if (gap <= this.maxGapMs && run !== null) {
				this.#emit(run, named);
				this.#suffixAt = k.timeStamp;
				return 'buffer';
			}
			if (this.#slowQualifies()) {
				this.#emit(0, named);
				this.#suffixAt = k.timeStamp;
				return 'buffer';
			}
			this.#release();
			return 'pass';
		}

		const char = decodeKey(k);
		if (char === null || !this.#isScanChar(char)) {
			this.#release();
			return 'pass';
		}

		// keyCode 229: the IME has the key before we see it; preventDefault cannot stop it.
		const imeHas = k.keyCode === 229 || k.key === 'Process' || k.isComposing === true;
		this.#held.push({ char, key: k, replay: !imeHas, origin });
		this.#lastAt = k.timeStamp;
		if (this.endOnCompleteCode && this.#endOnContent()) return 'buffer';
		this.#arm();
		return 'buffer';
	}

	/** Ends the current burst now, as the timeouts would (the window lost focus, say). */
	flush(): void {
		this.#fastIdle();
		this.#slowIdle();
	}

	/**
	 * A pointer action (a tap, a click) came between keys: a person is at the till, so the next
	 * key is not the scanner's late or second suffix, however soon it comes (a cashier who taps
	 * "¥50" and presses Enter right after a scan must have that Enter).
	 */
	interrupt(): void {
		this.#suffixAt = null;
		this.#suffixlessScanAt = null;
	}

	/** Drops held keys without replaying them and stops the timer. */
	reset(): void {
		this.#disarm();
		this.#held = [];
	}

	/** `endOnCompleteCode`: the key just held completes a code at scanner rhythm → a scan now. */
	#endOnContent(): boolean {
		const run = this.#fastRun();
		if (run !== null && isCompleteCode(this.#code(run))) {
			this.#emit(run, null);
			return true;
		}
		if (this.#slowQualifies() && isCompleteCode(this.#code(0))) {
			this.#emit(0, null);
			return true;
		}
		return false;
	}

	#code(from: number): string {
		let code = '';
		for (let i = from; i < this.#held.length; i++) code += this.#held[i]?.char ?? '';
		return code;
	}

	#gaps(keys: HeldKey<T>[]): { max: number; avg: number } {
		let max = 0;
		for (let i = 1; i < keys.length; i++) {
			max = Math.max(max, (keys[i]?.key.timeStamp ?? 0) - (keys[i - 1]?.key.timeStamp ?? 0));
		}
		const first = keys[0]?.key.timeStamp ?? 0;
		const last = keys[keys.length - 1]?.key.timeStamp ?? 0;
		return { max, avg: keys.length > 1 ? (last - first) / (keys.length - 1) : 0 };
	}

	/**
	 * Where the fast-tier run ends the held keys with (the keys after the last gap > `maxGapMs`)
	 * starts, when that run is a fast-tier scan; else null.
	 */
	#fastRun(): number | null {
		const held = this.#held;
		let start = held.length - 1;
		while (
			start > 0 &&
			(held[start]?.key.timeStamp ?? 0) - (held[start - 1]?.key.timeStamp ?? 0) <= this.maxGapMs
		) {
			start--;
		}
		const run = held.slice(start);
		if (run.length < this.minLength) return null;
		const { max, avg } = this.#gaps(run);
		return max <= this.maxGapMs && avg <= this.avgGapMs ? start : null;
	}

	/** All held keys make a slow-tier scan (if the suffix comes now). */
	#slowQualifies(): boolean {
		if (this.slowMaxGapMs <= 0 || this.#held.length < this.minLength) return false;
		const { max, avg } = this.#gaps(this.#held);
		return max <= this.slowMaxGapMs && avg <= this.slowAvgGapMs;
	}

	/** What the silence of `idleTimeoutMs` decides: a suffixless fast-tier scan, or nothing yet. */
	#fastIdle(): void {
		if (this.#held.length === 0 || !this.allowSuffixless) return;
		const run = this.#fastRun();
		if (run !== null) this.#emit(run, null);
	}

	/**
	 * What the silence of `holdTimeoutMs` decides once the fast tier has not: a suffixless
	 * slow-tier scan if the whole burst has the rhythm and its content proves it a code; else the
	 * held keys were typed, and are released.
	 */
	#slowIdle(): void {
		if (this.#held.length === 0) return;
		if (this.allowSuffixless && this.#slowQualifies() && isProvenCode(this.#code(0))) {
			this.#emit(0, null);
			return;
		}
		this.#release();
	}

	/** Emits held[from..] as a scan; the keys before `from` were typed and are released first. */
	#emit(from: number, suffix: string | null): void {
		const before = this.#held.slice(0, from);
		const keys = this.#held.slice(from);
		const { max, avg } = this.#gaps(keys);
		this.reset();
		this.#suffixlessScanAt =
			suffix === null ? (keys[keys.length - 1]?.key.timeStamp ?? null) : null;
		if (before.length > 0) this.#onRelease(before);
		this.#onScan({
			code: keys.map((h) => h.char).join(''),
			at: keys[keys.length - 1]?.key.timeStamp ?? 0,
			suffix,
			maxGapMs: max,
			avgGapMs: avg,
			keys
		});
	}

	#release(): void {
		const keys = this.#held;
		this.reset();
		if (keys.length > 0) this.#onRelease(keys);
	}

	#arm(): void {
		this.#disarm();
		const idle = this.idleTimeoutMs;
		this.#timerHandle = this.#timer.set(() => {
			this.#timerHandle = null;
			this.#fastIdle();
			if (this.#held.length === 0) return;
			// Not a fast scan (yet): a slow scan's next key or suffix may still come.
			const rest = this.holdTimeoutMs - idle;
			if (rest <= 0) {
				this.#slowIdle();
				return;
			}
			this.#timerHandle = this.#timer.set(() => {
				this.#timerHandle = null;
				this.#slowIdle();
			}, rest);
		}, idle);
	}

	#disarm(): void {
		if (this.#timerHandle !== null) this.#timer.clear(this.#timerHandle);
		this.#timerHandle = null;
	}
}
