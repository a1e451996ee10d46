/**
 * The people of a business: the first owner (set-up), signing in, staff, disabling, and
 * password changes. Every change names its actor and is checked against the actor's business
 * and stores here, so no page or action can forget it.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema';
import { installBusinessId } from './business';
import { hasRole, type OfficeUser } from './guard';
import { burnVerify, hashPassword, verifyPassword } from './passwords';
import { deleteUserSessions } from './sessions';
import { ACCOUNT_RULE, ADDRESS_RULE, Throttle } from './throttle';

/** A refusal a form shows beside its field. */
export class PeopleError extends Error {
	constructor(
		readonly code:
			| 'already_set_up'
			| 'login_taken'
			| 'wrong_password'
			| 'locked'
			| 'forbidden'
			| 'not_found'
			| 'last_owner',
		readonly field: string | null,
		readonly retryAfterMs = 0
	) {
		super(code);
	}
}

/** Sign-in names compare without case or width: 'Owner', 'ｏｗｎｅｒ' and 'owner' are one. */
export function normalLogin(login: string): string {
	return login.normalize('NFKC').trim().toLowerCase();
}

export async function needsSetup(db: Kysely<Database>): Promise<boolean> {
	const row = await db
		.selectFrom('businesses')
		.select('setup_done')
		.where('id', '=', await installBusinessId(db))
		.executeTakeFirst();
	return Number(row?.setup_done ?? 0) === 0;
}

/**
 * The first owner. One UPDATE claims the business, so of two first visits racing exactly one
 * makes the owner; the other is told it is done.
 */
export async function setupOwner(
	db: Kysely<Database>,
	input: { businessName: string; name: string; login: string; password: string },
	now = Date.now()
): Promise<string> {
	const businessId = await installBusinessId(db);
	const passwordHash = await hashPassword(input.password);
	return db.transaction().execute(async (tx) => {
		const claimed = await tx
			.updateTable('businesses')
			.set({ setup_done: 1, name: input.businessName })
			.where('id', '=', businessId)
			.where('setup_done', '=', 0)
			.executeTakeFirst();
		if (Number(claimed.numUpdatedRows) !== 1) throw new PeopleError('already_set_up', null);
		const id = randomUUID();
		await tx
			.insertInto('users')
			.values({
				id,
				business_id: businessId,
				login: normalLogin(input.login),
				name: input.name,
				role: 'owner',
				password_hash: passwordHash,
				pin_hash: null,
				disabled: 0,
				created_at: now,
				updated_at: now
			})
			.execute();
		return id;
	});
}

/**
 * Checks a login and password. Failures count per account and per address; a locked key is
 * refused before the password is looked at, with how long to wait.
 */
export async function signIn(
	db: Kysely<Database>,
	input: { login: string; password: string; address: string },
	throttle = new Throttle(db)
): Promise<string> {
	const login = normalLogin(input.login);
	const keys = [`login:${login}`, `addr:${input.address}`];
	const wait = Math.max(...(await Promise.all(keys.map((k) => throttle.retryAfterMs(k)))));
	if (wait > 0) throw new PeopleError('locked', 'login', wait);
	const user = await db
		.selectFrom('users')
		.select(['id', 'password_hash', 'disabled', 'role'])
		.where('login', '=', login)
		.executeTakeFirst();
	const ok =
		user?.password_hash && Number(user.disabled) === 0
			? await verifyPassword(user.password_hash, input.password)
			: (await burnVerify(input.password), false);
	if (!ok || !user) {
		const locks = [
			await throttle.fail(keys[0]!, ACCOUNT_RULE),
			await throttle.fail(keys[1]!, ADDRESS_RULE)
		];
		const locked = Math.max(...locks);
		if (locked > 0) throw new PeopleError('locked', 'login', locked);
		throw new PeopleError('wrong_password', 'password');
	}
	await throttle.clear(keys[0]!);
	return user.id;
}

export interface StaffRow {
	id: string;
	name: string;
	login: string | null;
	role: Role;
	disabled: boolean;
	storeIds: string[];
}

/** The staff the actor may see: the whole business for an owner, their stores' for a manager. */
export async function listStaff(db: Kysely<Database>, actor: OfficeUser): Promise<StaffRow[]> {
	const users = await db
		.selectFrom('users')
		.select(['id', 'name', 'login', 'role', 'disabled'])
		.where('business_id', '=', actor.businessId)
		.orderBy('created_at')
		.execute();
	const links = users.length
		? await db
				.selectFrom('user_stores')
				.select(['user_id', 'store_id'])
				.where(
					'user_id',
					'in',
					users.map((u) => u.id)
				)
				.execute()
		: [];
	const rows = users.map((u) => ({
		id: u.id,
		name: u.name,
		login: u.login,
		role: u.role,
		disabled: Number(u.disabled) !== 0,
		storeIds: links.filter((l) => l.user_id === u.id).map((l) => l.store_id)
	}));
	if (actor.role === 'owner') return rows;
	return rows.filter(
		(r) => r.id === actor.id || r.storeIds.some((s) => actor.storeIds.includes(s))
	);
}

/** An owner adds anyone; a manager adds cashiers, to the manager's own stores only. */
export async function addStaff(
	db: Kysely<Database>,
	actor: OfficeUser,
	input: {
		name: string;
		login: string | null;
		password: string | null;
		role: Role;
		storeIds: string[];
	},
	now = Date.now()
): Promise<string> {
	if (!hasRole(actor, 'manager')) throw new PeopleError('forbidden', null);
	if (actor.role !== 'owner' && input.role !== 'cashier')
		throw new PeopleError('forbidden', 'role');
	if (input.storeIds.some((s) => !actor.storeIds.includes(s)))
		throw new PeopleError('not_found', 'stores');
	const login = input.login ? normalLogin(input.login) : null;
	if (login) {
		const taken = await db
			.selectFrom('users')
			.select('id')
			.where('login', '=', login)
			.executeTakeFirst();
		if (taken) throw new PeopleError('login_taken', 'login');
	}
	const id = randomUUID();
	const passwordHash = input.password ? await hashPassword(input.password) : null;
	await db.transaction().execute(async (tx) => {
		await tx
			.insertInto('users')
			.values({
				id,
				business_id: actor.businessId,
				login,
				name: input.name,
				role: input.role,
				password_hash: passwordHash,
				pin_hash: null,
				disabled: 0,
				created_at: now,
				updated_at: now
			})
			.execute();
		const stores = input.role === 'owner' ? [] : input.storeIds;
		if (stores.length)
			await tx
				.insertInto('user_stores')
				.values(stores.map((store_id) => ({ user_id: id, store_id })))
				.execute();
	});
	return id;
}

/**
 * Disables (or enables) a staff member. Disabling ends every session of theirs at once. A
 * manager may disable only cashiers of their stores; nobody disables the last owner.
 */
export async function setDisabled(
	db: Kysely<Database>,
	actor: OfficeUser,
	userId: string,
	disabled: boolean,
	now = Date.now()
): Promise<void> {
	const target = (await listStaff(db, actor)).find((s) => s.id === userId);
	if (!target) throw new PeopleError('not_found', null);
	if (actor.role !== 'owner' && target.role !== 'cashier') throw new PeopleError('forbidden', null);
	if (disabled && target.role === 'owner') {
		const owners = await db
			.selectFrom('users')
			.select('id')
			.where('business_id', '=', actor.businessId)
			.where('role', '=', 'owner')
			.where('disabled', '=', 0)
			.execute();
		if (owners.length <= 1) throw new PeopleError('last_owner', null);
	}
	await db
		.updateTable('users')
		.set({ disabled: disabled ? 1 : 0, updated_at: now })
		.where('id', '=', userId)
		.where('business_id', '=', actor.businessId)
		.execute();
	if (disabled) await deleteUserSessions(db, userId);
}

/** A new password for oneself, given the current one; other sessions end. */
export async function changePassword(
	db: Kysely<Database>,
	actor: OfficeUser,
	current: string,
	next: string,
	now = Date.now()
): Promise<void> {
	const row = await db
		.selectFrom('users')
		.select('password_hash')
		.where('id', '=', actor.id)
		.executeTakeFirst();
	if (!row?.password_hash || !(await verifyPassword(row.password_hash, current)))
		throw new PeopleError('wrong_password', 'current');
	await db
		.updateTable('users')
		.set({ password_hash: await hashPassword(next), updated_at: now })
		.where('id', '=', actor.id)
		.execute();
	await deleteUserSessions(db, actor.id);
}
