/**
 * The payment-code charges this device has started, so that a reload asks the server how each
 * ended instead of charging the customer again, and a sale is never charged twice at once.
 */
import type { Fen } from '$lib/domain/money';
import type { Tender } from '$lib/domain/sale';
import type { DeviceCharge, DeviceChargeState, TillDb } from './db';

/** Written before the charge's request leaves. */
export async function recordChargeStarted(
	db: TillDb,
	charge: { orderNo: string; saleDraftId: string; amount: Fen },
	now: () => number = Date.now
): Promise<void> {
	const at = new Date(now()).toISOString();
	await db.charges.put({ ...charge, state: 'pending', startedAt: at, updatedAt: at });
}

export async function setChargeState(
	db: TillDb,
	orderNo: string,
	state: DeviceChargeState,
	now: () => number = Date.now
): Promise<boolean> {
	const n = await db.charges.update(orderNo, { state, updatedAt: new Date(now()).toISOString() });
	return n > 0;
}

export function deviceCharge(db: TillDb, orderNo: string): Promise<DeviceCharge | undefined> {
	return db.charges.get(orderNo);
}

/** Still pending at the provider, or paid but their sale not yet recorded; oldest first. */
export function chargesToResume(db: TillDb): Promise<DeviceCharge[]> {
	return db.charges.where('state').anyOf(['pending', 'paid']).sortBy('startedAt');
}

/**
 * A charge of this sale whose outcome is still open on the device: pending, or paid but not yet
 * among the sale's tenders. While there is one, the sale must not be charged again.
 */
export function unsettledCharge(
	db: TillDb,
	saleDraftId: string,
	tenders: readonly Tender[]
): Promise<DeviceCharge | undefined> {
	const settled = new Set(tenders.flatMap((t) => (t.kind === 'payment_code' ? [t.orderNo] : [])));
	return db.charges
		.where('state')
		.anyOf(['pending', 'paid'])
		.filter((c) => c.saleDraftId === saleDraftId && !settled.has(c.orderNo))
		.first();
}
