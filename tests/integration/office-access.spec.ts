/**
 * The back office over HTTP, on the built server in live mode (no demo owner), both engines:
 * every office route is in the access table; signed out, every spelling of a page's path is
 * sent to the sign-in and no action runs; the first visit makes the owner once, with a
 * session cookie that scripts cannot read; a cross-site form is refused; a cashier is kept
 * out; one business's manager never sees another business's staff.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { OFFICE_ROUTES } from '../../src/lib/server/office/guard';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { dropTestSchemas, engines } from '../helpers/engines';
import { CLIENT_ID, CLIENT_SECRET } from '../helpers/harness';
import { makeBusiness, sessionCookie } from '../helpers/office';
import { freePort, startTill, type TillProcess } from '../helpers/server';
import { raw, spellings } from '../helpers/spellings';

afterAll(dropTestSchemas);

/** Route ids of every page and endpoint under src/routes/(office), as kit names them. */
function officeRouteIds(dir = 'src/routes/(office)'): string[] {
	const ids = new Set<string>();
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) officeRouteIds(path).forEach((id) => ids.add(id));
		else if (/^\+(page|server)(\.server)?\.(ts|svelte)$/.test(name))
			ids.add(`/${relative('src/routes', dir)}`);
	}
	return [...ids];
}

test('every office route has an entry in the access table, and the table names no other', () => {
	expect(officeRouteIds().sort()).toEqual(Object.keys(OFFICE_ROUTES).sort());
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

describe.each(engines)('the back office over HTTP ($name)', { timeout: 60_000 }, (engine) => {
	let sandbox: Sandbox;
	let till: TillProcess;
	let db: Db;

	beforeAll(async () => {
		sandbox = await startSandbox({
			port: 0,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			confirmDelayMs: 200,
			slowReplyMs: 200,
			notifyRetryMs: 100,
			notifyMaxAttempts: 5
		});
		const target = engine.fresh();
		db = await openDatabase(target);
		const port = await freePort();
		till = await startTill(
			{
				DATABASE_URL: engine.url(target),
				TEEGON_CLIENT_ID: CLIENT_ID,
				TEEGON_CLIENT_SECRET: CLIENT_SECRET,
				TEEGON_BASE_URL: sandbox.url,
				PUBLIC_BASE_URL: `http://127.0.0.1:${port}`
			},
			{ port }
		);
	});
	afterAll(async () => {
		await till?.stop();
		await db?.close();
		await sandbox?.close();
	});

	const userCount = async () =>
		Number(
			(
				await db.db
					.selectFrom('users')
					.select((eb) => eb.fn.countAll<number>().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);

	test('signed out: every spelling of every page is sent to the sign-in; no action runs', async () => {
		const pages = Object.entries(OFFICE_ROUTES)
			.filter(([, needs]) => needs !== 'public')
			.map(([id]) => id.replace('/(office)', ''));
		for (const path of pages)
			for (const spelled of spellings(path)) {
				const r = await raw(till.url, 'GET', spelled, undefined, undefined, {
					accept: 'text/html'
				});
				expect([303, 308, 404], `${spelled} → ${r.status}`).toContain(r.status);
				if (r.status === 303) expect(r.location).toMatch(/^\/office\/sign-in\?next=/);
				expect(r.body).not.toContain('staff-list');
			}
		const before = await userCount();
		const r = await raw(
			till.url,
			'POST',
			'/office/staff?/add',
			form({ name: '黑客', role: 'owner', login: 'evil', password: 'long enough pw' }),
			FORM,
			{ origin: till.url }
		);
		expect(r.status).toBe(401);
		expect(await userCount()).toBe(before);
	});

	test('the first visit makes the owner once; the cookie is HttpOnly and SameSite=Lax', async () => {
		const first = await raw(till.url, 'GET', '/office/sign-in', undefined, undefined, {
			accept: 'text/html'
		});
		expect(first.status).toBe(303);
		expect(first.location).toBe('/office/setup');
		const owner = {
			businessName: '王记便利店',
			name: '王芳',
			login: 'wangfang',
			password: 'a long password',
			confirm: 'a long password'
		};
		const bad = await raw(
			till.url,
			'POST',
			'/office/setup',
			form({ ...owner, confirm: 'other' }),
			FORM,
			{
				origin: till.url,
				accept: 'text/html'
			}
		);
		expect(bad.status).toBe(400);
		expect(await userCount()).toBe(0);
		const made = await raw(till.url, 'POST', '/office/setup', form(owner), FORM, {
			origin: till.url,
			accept: 'text/html'
		});
		expect(made.status).toBe(303);
		expect(made.location).toBe('/office');
		const cookie = made.cookies.find((c) => c.startsWith('till_session='))!;
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Lax/i);
		expect(cookie).not.toMatch(/Secure/i); // plain http on loopback
		const again = await raw(
			till.url,
			'POST',
			'/office/setup',
			form({ ...owner, login: 'x2y' }),
			FORM,
			{
				origin: till.url,
				accept: 'text/html'
			}
		);
		expect(again.status).toBe(303);
		expect(again.location).toBe('/office/sign-in');
		expect(await userCount()).toBe(1);

		const home = await raw(till.url, 'GET', '/office', undefined, undefined, {
			accept: 'text/html',
			cookie: cookie.split(';')[0]!
		});
		expect(home.status).toBe(200);
		expect(home.body).toContain('王芳');
		expect(home.body).not.toContain('a long password');
	});

	test('a form posted from another site is refused', async () => {
		const r = await raw(
			till.url,
			'POST',
			'/office/sign-in',
			form({ login: 'wangfang', password: 'a long password' }),
			FORM,
			{ origin: 'https://evil.example' }
		);
		expect(r.status).toBe(403);
		expect(r.cookies).toEqual([]);
	});

	test("a cashier is kept out; a manager never sees another business's staff", async () => {
		const a = await makeBusiness(db.db, { tag: 'A' });
		const b = await makeBusiness(db.db, { tag: 'B' });
		const cashier = await sessionCookie(db.db, a.users.cashier.id);
		for (const path of ['/office', '/office/staff', '/office/account']) {
			const r = await raw(till.url, 'GET', path, undefined, undefined, {
				accept: 'text/html',
				cookie: cashier
			});
			expect(r.status, path).toBe(403);
		}
		const manager = await sessionCookie(db.db, b.users.manager.id);
		const staff = await raw(till.url, 'GET', '/office/staff', undefined, undefined, {
			accept: 'text/html',
			cookie: manager
		});
		expect(staff.status).toBe(200);
		expect(staff.body).toContain('managerB');
		expect(staff.body).not.toContain('managerA');
		expect(staff.body).not.toContain('ownerA');
		// Disabling A's cashier from B's session: refused, and A's cashier stays enabled.
		const r = await raw(
			till.url,
			'POST',
			'/office/staff?/disable',
			form({ id: a.users.cashier.id }),
			FORM,
			{
				origin: till.url,
				accept: 'text/html',
				cookie: manager
			}
		);
		expect(r.status).toBe(400);
		const row = await db.db
			.selectFrom('users')
			.select('disabled')
			.where('id', '=', a.users.cashier.id)
			.executeTakeFirstOrThrow();
		expect(Number(row.disabled)).toBe(0);
	});
});
