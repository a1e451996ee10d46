/**
 * PLACEHOLDER for the back office's guard, which the `access` branch writes (its
 * "Office foundation:" commit): on merge, take that branch's file and drop this one. Until then
 * it refuses everyone, so the reports are open to no one.
 */
import { error } from '@sveltejs/kit';

export type Role = 'owner' | 'manager' | 'cashier';

/** Throws unless `user` is an owner, or a `minRole` or higher, of the store. */
export function requireStore(user: App.Locals['user'], storeId: string, minRole: Role): void {
	void user;
	void storeId;
	void minRole;
	error(403, { message: 'the back office is not set up on this server yet', code: 'forbidden' });
}
