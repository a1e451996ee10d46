/** Order statistics for the benchmark scripts. */

export function percentile(xs: readonly number[], p: number): number {
	if (xs.length === 0) return NaN;
	const sorted = [...xs].sort((a, b) => a - b);
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[i]!;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/** "median 1.23 ms  p95 2.34 ms  p99 3.45 ms" */
export function describe(xs: readonly number[]): string {
	const f = (v: number) => `${v.toFixed(2).padStart(7)} ms`;
	return `median ${f(median(xs))}  p95 ${f(percentile(xs, 95))}  p99 ${f(percentile(xs, 99))}`;
}
