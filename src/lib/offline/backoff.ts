/** How long a failed send waits before the next attempt. */

export interface BackoffOptions {
	/** Delay after the first failure, before jitter. */
	baseMs?: number;
	/** Longest delay. */
	capMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 1_000, capMs: 60_000 };

/**
 * Delay before attempt `attempts + 1`: exponential, capped, with "equal jitter" (half fixed, half
 * random) so that tills coming back online together do not retry in step.
 */
export function backoffDelay(
	attempts: number,
	options: BackoffOptions = {},
	random: () => number = Math.random
): number {
	const { baseMs, capMs } = { ...DEFAULT_BACKOFF, ...options };
	const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
	return Math.round(exp / 2 + (random() * exp) / 2);
}
