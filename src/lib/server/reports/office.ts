/**
 * Who may see which store's reports: owners and managers of the store, through the back
 * office's guard (office/guard.ts, `requireStore(user, storeId, minRole)`, which refuses, or
 * sends a signed-out visitor to sign in, by throwing). The report pages and the export call
 * only this, so the rule is in one place.
 */
import type { Kysely } from 'kysely';
import { requireStore } from '../office/guard';
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
	const all = await db.selectFrom('stores').select(['id', 'name']).orderBy('name').execute();
	// The guard first, for the store asked or the first one: a signed-out visitor is sent to
	// sign in, a cashier refused, before anything is read for them.
	const first = asked ?? all[0]?.id ?? '';
	await requireStore(user, first, MIN_ROLE);
	const stores: Option[] = [];
	for (const s of all) {
		try {
			await requireStore(user, s.id, MIN_ROLE);
			stores.push(s);
		} catch {
			// not one of this user's stores
		}
	}
	return { storeId: first, stores };
}

/** The export's guard: the store must be named and the user one of its owners or managers. */
export async function exportStore(user: App.Locals['user'], asked: string | null): Promise<string> {
	await requireStore(user, asked ?? '', MIN_ROLE);
	return asked ?? '';
}
