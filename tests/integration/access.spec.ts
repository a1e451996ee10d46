/**
 * Every API route, reached by every spelling of its path a client can send (percent-encoded
 * letters, doubled slashes, dot segments, other cases, a trailing slash), without a till
 * token: refused before the handler runs, never answered 200 or 500, and nothing is stored.
 * Against the built server in live mode, so a charge that slipped through would reach the
 * sandbox gateway.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_ROUTES } from '../../src/lib/server/http/access';
import { openDatabase, type DatabaseTarget, type Db } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { createTill } from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';
import { CLIENT_ID, CLIENT_SECRET, orderNo, saleByCode, wechatCode } from '../helpers/harness';
import { freePort, startTill, type TillProcess } from '../helpers/server';
import { raw, spellings } from '../helpers/spellings';

afterAll(dropTestSchemas);

/** Route ids of every +server.ts under src/routes/api, as kit names them. */
function apiRouteIds(dir = 'src/routes/api'): string[] {
	const ids: string[] = [];
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) ids.push(...apiRouteIds(path));
		else if (name === '+server.ts') ids.push(`/${relative('src/routes', dir)}`);
	}
	return ids;
}

test('every API route has an entry in the access table, and the table names no other', () => {
	expect(apiRouteIds().sort()).toEqual(Object.keys(API_ROUTES).sort());
});

/** A concrete path for a route id (its parameters filled in). */
const concrete = (id: string, order: string) => id.replace('[order_no]', order);

async function rowCounts(db: Db): Promise<Record<string, number>> {
	const counts: Record<string, number> = {};
	for (const table of ['charges', 'auth_code_claims', 'notifications', 'sales'] as const) {
		const r = await db.db
			.selectFrom(table)
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.executeTakeFirstOrThrow();
		counts[table] = Number(r.n);
	}
	return counts;
}

describe.each(engines)('no API route runs without its credential ($name)', (engine) => {
	let sandbox: Sandbox;
	let target: DatabaseTarget;
	let till: TillProcess;
	let db: Db;
	let existingOrder: string;

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
		target = engine.fresh();
		db = await openDatabase(target);
		const { token } = await createTill(db.db, { store: 'Probe Store', name: 'Till 1' });
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
		// One real charge, so that a route reached for it would have something to show.
		existingOrder = orderNo('P');
		const r = await fetch(`${till.url}/api/charges`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
			body: JSON.stringify({
				order_no: existingOrder,
				amount: '1.00',
				subject: '探测',
				auth_code: wechatCode('06')
			})
		});
		expect(r.status).toBe(200);
	});
	afterAll(async () => {
		await till?.stop();
		await db?.close();
		await sandbox?.close();
	});

	const till_routes = Object.entries(API_ROUTES)
		.filter(([, needs]) => needs === 'till')
		.map(([id]) => id);

	test.each(till_routes)('%s', async (id) => {
		const before = await rowCounts(db);
		const path = concrete(id, existingOrder);
		const answers: string[] = [];
		const bodies: Record<string, string> = {
			'/api/charges': JSON.stringify({
				order_no: orderNo('X'),
				amount: '1.00',
				subject: '探测',
				auth_code: wechatCode('00')
			}),
			'/api/sales': JSON.stringify({ sales: [saleByCode(orderNo('S'), 100)] })
		};
		for (const spelled of spellings(path))
			for (const method of ['GET', 'POST']) {
				const body = method === 'POST' ? (bodies[id] ?? '{}') : undefined;
				let r = await raw(till.url, method, spelled, body);
				// A redirect (a trailing slash) is followed once, as a client would.
				if (r.status >= 300 && r.status < 400 && r.location)
					r = await raw(till.url, method, new URL(r.location, till.url).pathname, body);
				answers.push(`${method} ${spelled} → ${r.status}`);
				expect(
					r.status,
					`${method} ${spelled}: ${r.body.slice(0, 200)}`
				).not.toBeGreaterThanOrEqual(500);
				expect(r.status >= 200 && r.status < 300, `${method} ${spelled} answered ${r.status}`).toBe(
					false
				);
				// Whatever kit routes to this handler (any spelling it decodes to the route) is a 401.
				if (r.status !== 404 && r.status !== 405)
					expect(r.status, `${method} ${spelled}: ${r.body.slice(0, 200)}`).toBe(401);
			}
		// The encoded spellings are the same route to kit: they must be 401, not a 404 that hides a hole.
		for (const i of [0, 1, 2]) {
			const spelled = spellings(path)[i + 1]!;
			const r = await raw(till.url, 'GET', spelled);
			expect(r.status, spelled).toBe(401);
		}
		expect(await rowCounts(db), answers.join('\n')).toEqual(before);
		expect(sandbox.charges().filter((c) => c.order_no !== existingOrder)).toEqual([]);
	});

	test('no request above left a stack trace in the log', () => {
		expect(till.output()).not.toMatch(/\n\s+at .*\(.*\)|TypeError|Cannot read properties/);
	});
});
