/**
 * Running the till for real, against the built server: readiness, Prometheus metrics and who
 * may read them, and migrations as a separate step for several instances (both engines).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { demoToken } from '../../src/lib/server/tills';
import { openDatabase } from '../../src/lib/server/db';
import { admin } from '../helpers/admin';
import { dropTestSchemas, engines } from '../helpers/engines';
import { startTill, type TillProcess } from '../helpers/server';

afterAll(dropTestSchemas);
const sqlite = engines.find((e) => e.name === 'sqlite')!;

describe('readiness and metrics (sandbox mode, SQLite)', () => {
	let till: TillProcess;
	beforeAll(async () => {
		till = await startTill({ DATABASE_URL: sqlite.url(sqlite.fresh()) });
	});
	afterAll(async () => till?.stop());

	test('ready when the database answers and the worker runs', async () => {
		const r = await fetch(`${till.url}/api/ready`);
		expect(r.status).toBe(200);
		expect(await r.json()).toEqual({ ready: true, problems: [] });
	});

	test('metrics from this machine: charges by outcome, Teegon call times, open work', async () => {
		const token = demoToken(DEFAULT_SANDBOX_CLIENT_SECRET);
		for (const outcome of ['00', '04'])
			await fetch(`${till.url}/api/charges`, {
				method: 'POST',
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
				body: JSON.stringify({
					order_no: `M${Date.now()}${outcome}`,
					amount: '2.00',
					subject: '测试',
					auth_code: `1345678901234567${outcome}`
				})
			});
		const r = await fetch(`${till.url}/api/metrics`);
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
		const text = await r.text();
		expect(text).toMatch(/till_charges_settled_total\{state="paid",failure_code="",late="no"\} 1/);
		expect(text).toMatch(
			/till_charges_settled_total\{state="failed",failure_code="refused",late="no"\} 1/
		);
		expect(text).toMatch(/till_teegon_call_seconds_count\{call="charge",outcome="paid"\} 1/);
		expect(text).toMatch(/till_charge_request_seconds_count\{status="200"\} 2/);
		expect(text).toMatch(/till_charges_open\{state="pending"\} 0/);
		expect(text).toMatch(/till_attention_items \d+/);
		expect(text).toMatch(/till_process_cpu_seconds_total/);
		// Nothing secret in what a scraper reads.
		expect(text).not.toContain(token);
		expect(text).not.toContain(DEFAULT_SANDBOX_CLIENT_SECRET);
	});

	test('not through a proxy, and not with a till token', async () => {
		const proxied = await fetch(`${till.url}/api/metrics`, {
			headers: { 'x-forwarded-for': '203.0.113.9' }
		});
		expect(proxied.status).toBe(401);
	});
});

describe('metrics with METRICS_TOKEN', () => {
	test('the token is required, from anywhere', async () => {
		const till = await startTill({
			DATABASE_URL: sqlite.url(sqlite.fresh()),
			METRICS_TOKEN: 'scrape-secret-1'
		});
		try {
			expect((await fetch(`${till.url}/api/metrics`)).status).toBe(401);
			const wrong = await fetch(`${till.url}/api/metrics`, {
				headers: { authorization: 'Bearer scrape-secret-2' }
			});
			expect(wrong.status).toBe(401);
			const right = await fetch(`${till.url}/api/metrics`, {
				headers: { authorization: 'Bearer scrape-secret-1', 'x-forwarded-for': '203.0.113.9' }
			});
			expect(right.status).toBe(200);
		} finally {
			await till.stop();
		}
	});
});

describe.each(engines)('migrations as a step of their own ($name)', (engine) => {
	test('MIGRATE_ON_START=off on a database not migrated stops at start naming the step; after it, starts', async () => {
		const target = engine.fresh();
		const url = engine.url(target);
		// An empty database (on PostgreSQL, the run's own schema), not migrated.
		await (await openDatabase(target, { migrate: false })).close();
		const refused = await startTill(
			{ DATABASE_URL: url, MIGRATE_ON_START: 'off' },
			{ expectExit: true }
		);
		expect(refused.proc.exitCode).toBe(78);
		expect(refused.output()).toMatch(
			/MIGRATE_ON_START: is off and \d+ migration\(s\) have not been run/
		);
		expect(refused.output()).toContain('npm run admin -- migrate');
		const migrated = await admin(['migrate'], url);
		expect(migrated.code, migrated.stderr).toBe(0);
		const till = await startTill({ DATABASE_URL: url, MIGRATE_ON_START: 'off' });
		try {
			expect((await fetch(`${till.url}/api/ready`)).status).toBe(200);
		} finally {
			await till.stop();
		}
	});
});

describe('SQLite online backup', () => {
	test('a consistent copy while the till takes charges; a PostgreSQL database is sent to pg_dump', async () => {
		const { mkdtempSync } = await import('node:fs');
		const { tmpdir } = await import('node:os');
		const { join } = await import('node:path');
		const target = sqlite.fresh();
		const till = await startTill({ DATABASE_URL: sqlite.url(target) });
		const token = demoToken(DEFAULT_SANDBOX_CLIENT_SECRET);
		let writing = true;
		const load = (async () => {
			for (let i = 0; writing; i++)
				await fetch(`${till.url}/api/charges`, {
					method: 'POST',
					headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
					body: JSON.stringify({
						order_no: `BK${Date.now()}x${i}`,
						amount: '1.00',
						subject: '测试',
						auth_code: `13${String(Date.now()).slice(-8)}${String(i).padStart(6, '0')}00`
					})
				});
		})();
		try {
			await new Promise((r) => setTimeout(r, 300));
			const dest = join(mkdtempSync(join(tmpdir(), 'till-backup-')), 'copy.db');
			const r = await admin(['backup', dest], sqlite.url(target));
			expect(r.code, r.stderr).toBe(0);
			expect(JSON.parse(r.stdout)).toMatchObject({ backup: dest });
			writing = false;
			await load;
			const copy = await openDatabase({ kind: 'sqlite', file: dest }, { migrate: false });
			try {
				expect(await copy.pendingMigrations()).toEqual([]);
				const { sql } = await import('kysely');
				const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(
					copy.db
				);
				expect(check.rows[0]!.integrity_check).toBe('ok');
				const charges = await copy.db.selectFrom('charges').select('order_no').execute();
				expect(charges.length).toBeGreaterThan(0);
			} finally {
				await copy.close();
			}
			const again = await admin(['backup', dest], sqlite.url(target));
			expect(again.code).toBe(64); // will not overwrite
		} finally {
			writing = false;
			await load;
			await till.stop();
		}
		const pg = engines.find((e) => e.name === 'postgres')!;
		const pgTarget = pg.fresh();
		await (await openDatabase(pgTarget)).close();
		const refused = await admin(['backup', '/tmp/never-written.db'], pg.url(pgTarget));
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('pg_dump');
	});
});
