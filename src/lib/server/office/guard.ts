/**
 * STAND-IN for branch `access` ("Office foundation:"), built to its stated contract so the
 * catalog and attention pages compile and can be tested: the merge takes access's file.
 */
import { error, redirect } from '@sveltejs/kit';

export type Role = 'owner' | 'manager' | 'cashier';

export interface OfficeUser {
	id: string;
	businessId: string;
	name: string;
	role: Role;
	/** The stores the user works in (an owner: every store of the business). */
	storeIds: string[];
}

const RANK: Record<Role, number> = { cashier: 0, manager: 1, owner: 2 };

/** The user, if signed in with at least `minRole` in `storeId`; otherwise sign-in or 403. */
export function requireStore(user: OfficeUser | null, storeId: string, minRole: Role): OfficeUser {
	if (!user) redirect(303, '/office/login');
	if (RANK[user.role] < RANK[minRole] || !user.storeIds.includes(storeId)) error(403, 'forbidden');
	return user;
}
