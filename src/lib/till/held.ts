/**
 * Parked sales (挂单): the cashier puts a sale aside to serve the next customer and takes it
 * back later. Kept on the device (localStorage, like the draft) because a parked sale is
 * unpaid: nothing of it belongs on the server until it is rung up. Only sales with no tender
 * may be parked, so no money is ever parked. A few per till: a queue, not a store room.
 */
import { totals, type Cart } from './cart';

/** Most sales parked at once on one till. */
export const MAX_HELD = 5;

/** The ISO time of `ms`: a value written down, never changed, so not reactive state. */
export function isoAt(ms: number): string {
	return new Date(ms).toISOString();
}

export interface HeldSale {
	saleId: string;
	cart: Cart;
	/** ISO time it was parked. */
	heldAt: string;
	/** The store it was rung up for: a tablet moved to another store does not offer it. */
	storeId: string | null;
}

export function isHeld(x: unknown): x is HeldSale {
	if (!x || typeof x !== 'object') return false;
	const h = x as HeldSale;
	if (typeof h.saleId !== 'string' || typeof h.heldAt !== 'string') return false;
	if (!h.cart || !Array.isArray(h.cart.lines) || h.cart.lines.length === 0) return false;
	try {
		totals(h.cart); // refuses a damaged cart
		return true;
	} catch {
		return false;
	}
}
