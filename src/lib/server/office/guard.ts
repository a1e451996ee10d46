/**
 * Who may open which back-office page, keyed by SvelteKit's matched route id as the API's
 * access table is (http/access.ts): `/%6Ffice/staff` matches `/(office)/office/staff` and
 * meets the same check. An office route missing from the table is refused, so a new page
 * cannot ship open. Within a page, `requireStore` checks the store a request names: a user
 * sees only their own business's stores (owners: all of them; managers: theirs).
 */
import { error } from '@sveltejs/kit';
import type { Role } from '../db/schema';

export type { Role };

export interface OfficeUser {
	id: string;
	businessId: string;
	name: string;
	role: Role;
	/** The stores this user may act on: every store of the business for an owner. */
	storeIds: string[];
}

const RANK: Record<Role, number> = { cashier: 0, manager: 1, owner: 2 };

export function hasRole(user: OfficeUser, minRole: Role): boolean {
	return RANK[user.role] >= RANK[minRole];
}

/** 'public': open to anyone (sign-in, first-run set-up); otherwise the least role needed. */
export type PageAccess = 'public' | Role;

export const OFFICE_ROUTES: Readonly<Record<string, PageAccess>> = {
	'/(office)/office/sign-in': 'public',
	'/(office)/office/setup': 'public',
	'/(office)/office/sign-out': 'manager',
	'/(office)/office': 'manager',
	'/(office)/office/account': 'manager',
	'/(office)/office/staff': 'manager',
	'/(office)/office/catalog': 'manager',
	'/(office)/office/catalog/import': 'manager',
	'/(office)/office/catalog/export': 'manager',
	'/(office)/office/attention': 'manager',
	'/(office)/office/reports': 'manager',
	'/(office)/office/reports/daily': 'manager',
	'/(office)/office/reports/export': 'manager',
	// The old address: a redirect to /office/reports, which asks for the sign-in.
	'/(office)/reports': 'public'
};

export function isOfficeRoute(routeId: string | null): boolean {
	return routeId !== null && routeId.startsWith('/(office)');
}

/** The access an office route needs; `undefined` outside the office; 'unlisted' if missing. */
export function officeAccessFor(routeId: string | null): PageAccess | 'unlisted' | undefined {
	if (!isOfficeRoute(routeId)) return undefined;
	return Object.hasOwn(OFFICE_ROUTES, routeId!) ? OFFICE_ROUTES[routeId!] : 'unlisted';
}

/** The signed-in user with at least `minRole`, or a 401/403. */
export function requireRole(user: OfficeUser | null, minRole: Role): OfficeUser {
	if (!user) error(401, { message: 'sign in first', code: 'unauthorized' });
	if (!hasRole(user, minRole))
		error(403, { message: 'not allowed for this role', code: 'forbidden' });
	return user;
}

/**
 * The user may act on `storeId` with at least `minRole`. Another business's store, or one
 * of this business the user does not work in, is a 404: the answer does not tell which.
 */
export function requireStore(user: OfficeUser | null, storeId: string, minRole: Role): OfficeUser {
	const u = requireRole(user, minRole);
	if (!u.storeIds.includes(storeId)) error(404, { message: 'no such store', code: 'not_found' });
	return u;
}
