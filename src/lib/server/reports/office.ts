/**
 * Who may see which store's reports: owners and managers of the store, through the back
 * office's guard (office/guard.ts, `requireStore(user, storeId, minRole)`, which refuses, or
 * sends a signed-out visitor to sign in, by throwing). The report pages and the export call
 * only this, so the rule is in one place.
 */
import type { Kysely } from 'kysely';
import { requireRole, requireStore } from '../office/guard';
import type { Database } from '../db/schema';
import type { Option } from '../../office/reports/view';

const MIN_ROLE = 'manager';

/**
 * The store asked for (`?store=`, else the first the user may see) once the guard lets the
 * user see it, and every store the user may see, for the store picker.
 */
export async function reportStore(
	db: Kysely<Database>,
	user: App.Locals['user'],
	asked: string | null
): Promise<{ storeId: string; stores: Option[] }> {
	// The guard first: a signed-out visitor is sent to sign in, a cashier refused, before
	// anything is read for them; then only this user's own stores are read.
	const u = requireRole(user, MIN_ROLE);
	const stores = u.storeIds.length
		? await db
				.selectFrom('stores')
				.select(['id', 'name'])
				.where('id', 'in', u.storeIds)
				.orderBy('name')
				.execute()
		: [];
	const first = asked ?? stores[0]?.id ?? '';
	requireStore(u, first, MIN_ROLE);
	return { storeId: first, stores };
}

/** The export's guard: the store must be named and the user one of its owners or managers. */
export async function exportStore(user: App.Locals['user'], asked: string | null): Promise<string> {
	requireStore(user, asked ?? '', MIN_ROLE);
	return asked ?? '';
}
