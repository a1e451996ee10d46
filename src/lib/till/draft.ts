/**
 * The sale being rung up survives a reload (localStorage): a reload in the middle of a payment
 * finds the cart and the sale id the resumed charge belongs to.
 */
import type { Tender } from '$lib/domain/sale';
import { totals, type Cart } from './cart';
import { readJson, STORAGE_KEYS, writeJson, type KeyValueStorage } from './storage';

export interface Draft {
	saleId: string;
	cart: Cart;
	tenders: Tender[];
}

function isDraft(x: unknown): x is Draft {
	if (!x || typeof x !== 'object') return false;
	const d = x as Draft;
	return (
		typeof d.saleId === 'string' &&
		!!d.cart &&
		Array.isArray(d.cart.lines) &&
		typeof d.cart.nextLine === 'number' &&
		Array.isArray(d.tenders)
	);
}

/** The stored draft, or null; a damaged one is dropped. */
export function readDraft(storage: KeyValueStorage | null): Draft | null {
	const draft = readJson<unknown>(storage, STORAGE_KEYS.draft);
	if (!isDraft(draft)) return null;
	try {
		totals(draft.cart); // refuses a damaged cart
		return draft;
	} catch {
		writeJson(storage, STORAGE_KEYS.draft, null);
		return null;
	}
}

/** Stores the draft; null (an empty sale) removes it. */
export function writeDraft(storage: KeyValueStorage | null, draft: Draft | null): void {
	writeJson(storage, STORAGE_KEYS.draft, draft);
}
