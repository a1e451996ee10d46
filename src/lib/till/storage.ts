/**
 * What the till keeps in localStorage (small, synchronous, per device): the token, the identity,
 * the cashier, the paper width, the sale being rung up and the parked ones. Full or denied storage is never an
 * error: the value then lasts for this page only.
 */
export const STORAGE_KEYS = {
	token: 'till.token',
	identity: 'till.identity',
	cashier: 'till.cashier',
	draft: 'till.draft',
	held: 'till.held',
	paper: 'till.paper'
} as const;

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function browserStorage(): KeyValueStorage | null {
	try {
		return globalThis.localStorage ?? null;
	} catch {
		return null; // denied (sandboxed iframe, some private modes)
	}
}

export function readText(storage: KeyValueStorage | null, key: string): string | null {
	try {
		return storage?.getItem(key) ?? null;
	} catch {
		return null;
	}
}

/** Stores `value`, or removes the key for null. */
export function writeText(
	storage: KeyValueStorage | null,
	key: string,
	value: string | null
): void {
	try {
		if (value === null) storage?.removeItem(key);
		else storage?.setItem(key, value);
	} catch {
		// full or denied storage
	}
}

export function readJson<T>(storage: KeyValueStorage | null, key: string): T | null {
	try {
		const text = readText(storage, key);
		return text ? (JSON.parse(text) as T) : null;
	} catch {
		return null;
	}
}

export function writeJson(storage: KeyValueStorage | null, key: string, value: unknown): void {
	writeText(storage, key, value === null ? null : JSON.stringify(value));
}
