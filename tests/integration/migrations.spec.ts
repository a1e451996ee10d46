/** The versioned migrations on both engines: in order, once, and to the same schema. */
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, sql } from '../../src/lib/server/db';
import { migrate, migrateTo, migrationNames } from '../../src/lib/server/db/migrations';
import { dropTestSchemas, engines } from '../helpers/engines';

afterAll(dropTestSchemas);

describe.each(engines)('migrations on $name', (engine) => {
	it('applies every migration once, in order, and a second run does nothing', async () => {
		const target = engine.fresh();
		const db = await openDatabase(target);
		try {
			const applied = await sql<{
				name: string;
			}>`SELECT name FROM kysely_migration ORDER BY name`.execute(db.db);
			expect(applied.rows.map((r) => r.name)).toEqual(migrationNames);
			const schema = target.kind === 'postgres' ? target.schema : undefined;
			expect(await migrate(db.db as never, schema)).toEqual([]);
		} finally {
			await db.close();
		}
	});

	it('charges keep the indexes their queries use, and no other', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const found =
				db.kind === 'sqlite'
					? await sql<{
							name: string;
						}>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'charges'`.execute(
							db.db
						)
					: await sql<{
							name: string;
						}>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'charges'`.execute(
							db.db
						);
			const names = found.rows.map((r) => r.name);
			expect(names).toEqual(
				expect.arrayContaining(['charges_next_check', 'charges_store_created'])
			);
			// 0002: no query looks charges up by charge_id; 0003: the single-use check moved to
			// auth_code_claims.
			expect(names).not.toContain('charges_charge_id');
			expect(names).not.toContain('charges_auth_code');
		} finally {
			await db.close();
		}
	});

	it('0003 carries the last day’s payment codes over as claims, the newest order per code', async () => {
		const target = engine.fresh();
		const db = await openDatabase(target, { migrate: false });
		const schema = target.kind === 'postgres' ? target.schema : undefined;
		try {
			await migrateTo(db.db as never, '0002_drop_unused_charge_id_index', schema);
			const now = Date.now();
			await db.db.insertInto('stores').values({ id: 's', name: 'S', created_at: now }).execute();
			await db.db
				.insertInto('tills')
				.values({ id: 't', store_id: 's', name: 'T', token_hash: 'h', created_at: now })
				.execute();
			const charge = (order: string, hash: string, at: number) => ({
				id: order,
				store_id: 's',
				till_id: 't',
				order_no: order,
				amount: 100,
				subject: 'x',
				auth_code_hash: hash,
				auth_code_last4: '0000',
				wallet: 'wechat',
				metadata: null,
				request_hash: order,
				state: 'paid' as const,
				charge_id: null,
				channel: null,
				transaction_no: null,
				paid_at: null,
				failure: null,
				late: 0,
				flags: null,
				last_status: null,
				created_at: at,
				updated_at: at,
				deadline_at: at + 60_000,
				sent_at: at,
				next_check_at: null,
				lease_owner: null,
				lease_until: null
			});
			await db.db
				.insertInto('charges')
				.values([
					charge('A1', 'code-a', now - 120_000),
					charge('A2', 'code-a', now - 60_000),
					charge('B1', 'code-b', now - 30_000),
					charge('OLD', 'code-c', now - 3 * 24 * 3600_000)
				])
				.execute();
			expect(await migrate(db.db as never, schema)).toEqual(migrationNames.slice(2));
			const claims = await db.db
				.selectFrom('auth_code_claims')
				.select(['auth_code_hash', 'order_no'])
				.orderBy('auth_code_hash')
				.execute();
			expect(claims).toEqual([
				{ auth_code_hash: 'code-a', order_no: 'A2' },
				{ auth_code_hash: 'code-b', order_no: 'B1' }
			]);
		} finally {
			await db.close();
		}
	});

	it('0003 and 0004 finish when a crash left them half done (no transaction on SQLite)', async () => {
		const target = engine.fresh();
		const db = await openDatabase(target, { migrate: false });
		const schema = target.kind === 'postgres' ? target.schema : undefined;
		try {
			await migrateTo(db.db as never, '0002_drop_unused_charge_id_index', schema);
			// What a crash during 0003's backfill and during 0004 leaves behind.
			await sql`CREATE TABLE auth_code_claims (auth_code_hash text PRIMARY KEY, order_no text NOT NULL, claimed_at bigint NOT NULL)`.execute(
				db.db
			);
			await sql`CREATE INDEX auth_code_claims_claimed_at ON auth_code_claims (claimed_at)`.execute(
				db.db
			);
			await sql`CREATE INDEX sale_tenders_order_no ON sale_tenders (order_no)`.execute(db.db);
			expect(await migrate(db.db as never, schema)).toEqual(migrationNames.slice(2));
		} finally {
			await db.close();
		}
	});
});
