/**
 * Asks the browser not to evict the device database: a private window or a cleared browser lost
 * offline orders that way elsewhere (OCA/pos #172). The answer is kept in meta.
 */
import { setMeta, type PersistState, type TillDb } from './db';

interface StorageLike {
	persist?: () => Promise<boolean>;
}

export async function requestPersistence(
	db: TillDb,
	storage: StorageLike | undefined = globalThis.navigator?.storage
): Promise<PersistState> {
	let state: PersistState;
	if (!storage || typeof storage.persist !== 'function') state = 'unsupported';
	else {
		try {
			state = (await storage.persist()) ? 'granted' : 'denied';
		} catch {
			state = 'denied';
		}
	}
	await setMeta(db, 'persistState', state);
	return state;
}
