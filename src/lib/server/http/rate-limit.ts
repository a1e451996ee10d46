/**
 * A fixed-window counter per key, in memory: cheap enough to sit in front of a database
 * lookup. Per instance, so with several instances a caller gets at most that many times
 * the limit; that is enough to stop a flood of guesses, which is all it is for.
 */
export interface RateLimitOptions {
	/** Events allowed per key per window. */
	limit: number;
	windowMs: number;
	/** Keys tracked at most; the oldest windows are dropped first. */
	maxKeys?: number;
	now?: () => number;
}

export class RateLimiter {
	readonly #limit: number;
	readonly #windowMs: number;
	readonly #maxKeys: number;
	readonly #now: () => number;
	readonly #windows = new Map<string, { start: number; count: number }>();

	constructor(o: RateLimitOptions) {
		this.#limit = o.limit;
		this.#windowMs = o.windowMs;
		this.#maxKeys = o.maxKeys ?? 10_000;
		this.#now = o.now ?? Date.now;
	}

	/** Milliseconds until `key` may act again, or 0 if it may now. Does not count anything. */
	retryAfterMs(key: string): number {
		const w = this.#windows.get(key);
		const now = this.#now();
		if (!w || now - w.start >= this.#windowMs || w.count < this.#limit) return 0;
		return w.start + this.#windowMs - now;
	}

	/** Counts one event for `key`. */
	hit(key: string): void {
		const now = this.#now();
		const w = this.#windows.get(key);
		if (w && now - w.start < this.#windowMs) {
			w.count++;
			return;
		}
		this.#windows.delete(key);
		if (this.#windows.size >= this.#maxKeys) {
			// Maps iterate in insertion order: the first key has the oldest window.
			const oldest = this.#windows.keys().next().value;
			if (oldest !== undefined) this.#windows.delete(oldest);
		}
		this.#windows.set(key, { start: now, count: 1 });
	}
}
