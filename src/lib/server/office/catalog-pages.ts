/**
 * What the catalog and attention pages share on the server: the stores a user may manage (a
 * manager's own, an owner's every store; a cashier none) and the one a page or form names,
 * checked with requireStore before anything is read or written.
 */
import { error, redirect } from '@sveltejs/kit';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { requireStore, type OfficeUser } from './guard';

export interface StoreChoice {
	id: string;
	name: string;
}

/** The signed-in manager or owner; sign-in for nobody, 403 for a cashier. */
export function requireManager(user: OfficeUser | null): OfficeUser {
	if (!user) redirect(303, '/office/login');
	if (user.role === 'cashier') error(403, 'forbidden');
	return user;
}

export async function managedStores(
	db: Kysely<Database>,
	user: OfficeUser
): Promise<StoreChoice[]> {
	if (user.storeIds.length === 0) return [];
	const rows = await db
		.selectFrom('stores')
		.select(['id', 'name'])
		.where('id', 'in', user.storeIds)
		.execute();
	return rows.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
}

/**
 * The store a request names (`?store=` or a form's `store`), or the user's first when it names
 * none; any other store is refused by requireStore (403), whatever id was typed into the URL.
 */
export function chooseStore(
	user: OfficeUser,
	stores: StoreChoice[],
	requested: string | null | undefined
): StoreChoice {
	const id = requested || stores[0]?.id;
	if (!id) error(404, 'no store');
	requireStore(user, id, 'manager');
	const store = stores.find((s) => s.id === id);
	if (!store) error(403, 'forbidden');
	return store;
}
