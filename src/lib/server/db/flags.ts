/** Flags for the owner on a charge or a sale: stored as a JSON array of text, null when none. */

export function readFlags(stored: string | null): string[] {
	if (!stored) return [];
	const value = JSON.parse(stored) as unknown;
	return Array.isArray(value) ? value.filter((f): f is string => typeof f === 'string') : [];
}

/** The stored form of `flags`: null for none. */
export function storeFlags(flags: readonly string[]): string | null {
	return flags.length ? JSON.stringify([...new Set(flags)]) : null;
}

export function withFlag(stored: string | null, flag: string): string {
	return storeFlags([...readFlags(stored), flag])!;
}
