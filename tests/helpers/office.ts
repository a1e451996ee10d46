/**
 * Businesses, stores and staff for the back-office suites, written straight to the database,
 * and a signed-in session for them. A second business (which the product itself never makes
 * in one install) is how the suites check that one business never sees another's data.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../../src/lib/server/db/schema';
import { installBusinessId } from '../../src/lib/server/office/business';
import { hashPassword } from '../../src/lib/server/office/passwords';
import { createSession, SESSION_COOKIE } from '../../src/lib/server/office/sessions';

export const PASSWORD = 'correct horse battery';

export interface TestBusiness {
	id: string;
	storeIds: [string, string];
	users: Record<Role, { id: string; login: string }>;
}

/** A business with two stores, and an owner, a manager (store 1) and a cashier (store 1). */
export async function makeBusiness(
	db: Kysely<Database>,
	opts: { install?: boolean; tag?: string } = {}
): Promise<TestBusiness> {
	const tag = opts.tag ?? randomUUID().slice(0, 6);
	const now = Date.now();
	let id: string;
	if (opts.install) {
		id = await installBusinessId(db);
		await db.updateTable('businesses').set({ setup_done: 1 }).where('id', '=', id).execute();
	} else {
		id = randomUUID();
		await db
			.insertInto('businesses')
			.values({ id, name: `商户${tag}`, setup_done: 1, created_at: now })
			.execute();
	}
	const storeIds: [string, string] = [randomUUID(), randomUUID()];
	for (const [i, sid] of storeIds.entries())
		await db
			.insertInto('stores')
			.values({ id: sid, name: `${tag}店${i + 1}`, created_at: now, business_id: id })
			.execute();
	const hash = await hashPassword(PASSWORD);
	const users = {} as TestBusiness['users'];
	for (const role of ['owner', 'manager', 'cashier'] as const) {
		const uid = randomUUID();
		const login = `${role}-${tag}`.toLowerCase();
		await db
			.insertInto('users')
			.values({
				id: uid,
				business_id: id,
				login,
				name: `${role}${tag}`,
				role,
				password_hash: hash,
				pin_hash: null,
				disabled: 0,
				created_at: now,
				updated_at: now
			})
			.execute();
		if (role !== 'owner')
			await db.insertInto('user_stores').values({ user_id: uid, store_id: storeIds[0] }).execute();
		users[role] = { id: uid, login };
	}
	return { id, storeIds, users };
}

/** A `cookie` header value signing `userId` in. */
export async function sessionCookie(db: Kysely<Database>, userId: string): Promise<string> {
	const { token } = await createSession(db, userId);
	return `${SESSION_COOKIE}=${token}`;
}
