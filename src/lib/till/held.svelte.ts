/** The till's parked sales as reactive state, kept in localStorage (held.ts: what one is). */
import { isHeld, MAX_HELD, type HeldSale } from './held';
import { readJson, STORAGE_KEYS, writeJson, type KeyValueStorage } from './storage';

export { MAX_HELD, type HeldSale } from './held';

export class HeldSales {
	/** Every parked sale on the device, oldest first. */
	all = $state.raw<HeldSale[]>([]);

	readonly #storage: KeyValueStorage | null;

	constructor(storage: KeyValueStorage | null) {
		this.#storage = storage;
		const stored = readJson<unknown>(storage, STORAGE_KEYS.held);
		// A damaged entry is dropped; the others are kept.
		this.all = Array.isArray(stored) ? stored.filter(isHeld) : [];
	}

	/** The parked sales of this store. */
	forStore(storeId: string | null): HeldSale[] {
		return this.all.filter((h) => h.storeId === storeId);
	}

	full(storeId: string | null): boolean {
		return this.forStore(storeId).length >= MAX_HELD;
	}

	add(held: HeldSale): void {
		this.#save([...this.all.filter((h) => h.saleId !== held.saleId), held]);
	}

	/** Takes a parked sale off the list and returns it; null if it is not there. */
	take(saleId: string): HeldSale | null {
		const held = this.all.find((h) => h.saleId === saleId) ?? null;
		if (held) this.#save(this.all.filter((h) => h.saleId !== saleId));
		return held;
	}

	#save(list: HeldSale[]): void {
		this.all = list;
		writeJson(this.#storage, STORAGE_KEYS.held, list.length ? list : null);
	}
}
