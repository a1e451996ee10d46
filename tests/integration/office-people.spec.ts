/**
 * The back office's people on both engines: the first owner made exactly once, sign-in and
 * its limits per account and per address, sessions that end at once (sign-out everywhere, a
 * disabled user, a changed password), and one business never reaching another's stores or staff.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import { requireStore, type OfficeUser } from '../../src/lib/server/office/guard';
import {
	addStaff,
	changePassword,
	listStaff,
	needsSetup,
	PeopleError,
	setDisabled,
	setupOwner,
	signIn
} from '../../src/lib/server/office/people';
import {
	createSession,
	deleteUserSessions,
	SESSION_MS,
	validateSession
} from '../../src/lib/server/office/sessions';
import { Throttle } from '../../src/lib/server/office/throttle';
import { dropTestSchemas, engines } from '../helpers/engines';
import { makeBusiness, PASSWORD } from '../helpers/office';

afterAll(dropTestSchemas);

const code = (p: Promise<unknown>) =>
	p.then(
		() => 'ok',
		(e: unknown) => (e instanceof PeopleError ? e.code : `threw ${String(e)}`)
	);

async function userOf(
	db: Awaited<ReturnType<typeof openDatabase>>,
	id: string
): Promise<OfficeUser> {
	const { token } = await createSession(db.db, id);
	return (await validateSession(db.db, token))!.user;
}

describe.each(engines)('back-office people ($name)', { timeout: 30_000 }, (engine) => {
	test('the first owner is made once: of two racing first visits exactly one wins', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			expect(await needsSetup(db.db)).toBe(true);
			const input = (login: string) => ({
				businessName: '张记小卖部',
				name: '张三',
				login,
				password: 'long enough pw'
			});
			const results = await Promise.all([
				code(setupOwner(db.db, input('zhang'))),
				code(setupOwner(db.db, input('li')))
			]);
			expect(results.sort()).toEqual(['already_set_up', 'ok']);
			expect(await needsSetup(db.db)).toBe(false);
			const owners = await db.db.selectFrom('users').select('role').execute();
			expect(owners).toEqual([{ role: 'owner' }]);
		} finally {
			await db.close();
		}
	});

	test('sign-in: right, wrong, unknown and disabled; logins compare without case', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const b = await makeBusiness(db.db);
			const at = { address: '10.0.0.1' };
			const login = b.users.manager.login;
			expect(await signIn(db.db, { login: login.toUpperCase(), password: PASSWORD, ...at })).toBe(
				b.users.manager.id
			);
			expect(await code(signIn(db.db, { login, password: 'nope', ...at }))).toBe('wrong_password');
			expect(await code(signIn(db.db, { login: 'nobody', password: PASSWORD, ...at }))).toBe(
				'wrong_password'
			);
			const owner = await userOf(db, b.users.owner.id);
			await setDisabled(db.db, owner, b.users.manager.id, true);
			expect(await code(signIn(db.db, { login, password: PASSWORD, ...at }))).toBe(
				'wrong_password'
			);
		} finally {
			await db.close();
		}
	});

	test('five wrong passwords lock the account, whatever the address; the right one then waits', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const b = await makeBusiness(db.db);
			const login = b.users.owner.login;
			const results: string[] = [];
			for (let i = 0; i < 5; i++)
				results.push(
					await code(signIn(db.db, { login, password: `guess${i}`, address: `10.0.0.${i}` }))
				);
			expect(results).toEqual([...Array(4).fill('wrong_password'), 'locked']);
			const e = await signIn(db.db, { login, password: PASSWORD, address: '10.9.9.9' }).catch(
				(x: PeopleError) => x
			);
			expect(e).toBeInstanceOf(PeopleError);
			expect((e as PeopleError).code).toBe('locked');
			expect((e as PeopleError).retryAfterMs).toBeGreaterThan(14 * 60_000);
			// Another account from another address is not held up by it.
			expect(
				await signIn(db.db, {
					login: b.users.manager.login,
					password: PASSWORD,
					address: '10.0.0.1'
				})
			).toBe(b.users.manager.id);
		} finally {
			await db.close();
		}
	});

	test('thirty failures from one address lock the address, across accounts', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const b = await makeBusiness(db.db);
			const throttle = new Throttle(db.db);
			for (let i = 0; i < 30; i++)
				await code(
					signIn(db.db, { login: `who${i}`, password: 'x', address: '10.1.1.1' }, throttle)
				);
			expect(
				await code(
					signIn(db.db, { login: b.users.owner.login, password: PASSWORD, address: '10.1.1.1' })
				)
			).toBe('locked');
			expect(
				await code(
					signIn(db.db, { login: b.users.owner.login, password: PASSWORD, address: '10.1.1.2' })
				)
			).toBe('ok');
		} finally {
			await db.close();
		}
	});

	test('sessions: expiry, sign-out everywhere, a disabled user and a changed password end them at once', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const b = await makeBusiness(db.db);
			const t0 = Date.now();
			const a = await createSession(db.db, b.users.manager.id, t0);
			const c = await createSession(db.db, b.users.manager.id, t0);
			expect((await validateSession(db.db, a.token, t0 + 1000))?.user.id).toBe(b.users.manager.id);
			expect(await validateSession(db.db, a.token, t0 + SESSION_MS + 1)).toBeNull();
			expect(await validateSession(db.db, 'x'.repeat(43), t0)).toBeNull();
			await deleteUserSessions(db.db, b.users.manager.id);
			expect(await validateSession(db.db, c.token)).toBeNull();

			const owner = await userOf(db, b.users.owner.id);
			const m = await createSession(db.db, b.users.manager.id);
			await setDisabled(db.db, owner, b.users.manager.id, true);
			expect(await validateSession(db.db, m.token)).toBeNull();
			await setDisabled(db.db, owner, b.users.manager.id, false);

			const me = await userOf(db, b.users.manager.id);
			const other = await createSession(db.db, b.users.manager.id);
			expect(await code(changePassword(db.db, me, 'wrong', 'a new long password'))).toBe(
				'wrong_password'
			);
			await changePassword(db.db, me, PASSWORD, 'a new long password');
			expect(await validateSession(db.db, other.token)).toBeNull();
			expect(
				await signIn(db.db, {
					login: b.users.manager.login,
					password: 'a new long password',
					address: '10.0.0.3'
				})
			).toBe(b.users.manager.id);
		} finally {
			await db.close();
		}
	});

	test('one business never reaches another: stores, staff lists, adding and disabling', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const mine = await makeBusiness(db.db, { tag: 'A' });
			const theirs = await makeBusiness(db.db, { tag: 'B' });
			const owner = await userOf(db, mine.users.owner.id);
			const manager = await userOf(db, mine.users.manager.id);
			expect(owner.storeIds.sort()).toEqual([...mine.storeIds].sort());
			expect(manager.storeIds).toEqual([mine.storeIds[0]]);

			expect(() => requireStore(owner, theirs.storeIds[0], 'manager')).toThrow();
			expect(() => requireStore(manager, mine.storeIds[1], 'manager')).toThrow();
			expect(requireStore(manager, mine.storeIds[0], 'manager').id).toBe(manager.id);

			const seen = (await listStaff(db.db, owner)).map((s) => s.id);
			expect(seen.sort()).toEqual(
				Object.values(mine.users)
					.map((u) => u.id)
					.sort()
			);
			const add = (storeIds: string[], role: 'cashier' | 'manager' = 'cashier') =>
				code(
					addStaff(db.db, manager, { name: '新人', login: null, password: null, role, storeIds })
				);
			expect(await add([theirs.storeIds[0]])).toBe('not_found');
			expect(await add([mine.storeIds[1]])).toBe('not_found');
			expect(await add([mine.storeIds[0]], 'manager')).toBe('forbidden');
			expect(await add([mine.storeIds[0]])).toBe('ok');
			expect(await code(setDisabled(db.db, owner, theirs.users.manager.id, true))).toBe(
				'not_found'
			);
			// A manager does not even see the owner (who works in no one store), so cannot touch them.
			expect(await code(setDisabled(db.db, manager, mine.users.owner.id, true))).toBe('not_found');
			expect(await code(setDisabled(db.db, owner, mine.users.owner.id, true))).toBe('last_owner');
			const theirUser = await db.db
				.selectFrom('users')
				.select('disabled')
				.where('id', '=', theirs.users.manager.id)
				.executeTakeFirstOrThrow();
			expect(Number(theirUser.disabled)).toBe(0);
		} finally {
			await db.close();
		}
	});
});
