/**
 * One sync at a time per device: Web Locks elect the tab that sends (two tabs once synced the same
 * offline orders twice, Odoo #152259), BroadcastChannel passes the others' nudges to it, and an
 * in-realm mutex serialises runs on one database where Web Locks are missing.
 */

/** The part of `navigator.locks` the sync uses. */
export interface LockManagerLike {
	request<T>(
		name: string,
		options: { signal?: AbortSignal; ifAvailable?: boolean },
		callback: (lock: unknown) => Promise<T>
	): Promise<T>;
}

/** The part of BroadcastChannel the sync uses. */
export interface ChannelLike {
	postMessage(message: unknown): void;
	addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
	removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
	close(): void;
}

export function browserLocks(): LockManagerLike | null {
	return (globalThis.navigator?.locks as LockManagerLike | undefined) ?? null;
}

export function browserChannel(): ((name: string) => ChannelLike) | null {
	return typeof BroadcastChannel === 'function' ? (name) => new BroadcastChannel(name) : null;
}

const mutexes = new Map<string, Promise<void>>();

/** Runs `fn` after every earlier run under `key` in this realm has finished. */
export async function withTabMutex<T>(key: string, fn: () => Promise<T>): Promise<T> {
	const previous = mutexes.get(key) ?? Promise.resolve();
	let release!: () => void;
	const mine = new Promise<void>((resolve) => (release = resolve));
	const tail = previous.then(() => mine);
	mutexes.set(key, tail);
	await previous;
	try {
		return await fn();
	} finally {
		release();
		if (mutexes.get(key) === tail) mutexes.delete(key);
	}
}
