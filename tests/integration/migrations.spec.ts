/** The versioned migrations on both engines: in order, once, and to the same schema. */
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, sql } from '../../src/lib/server/db';
import { migrate, migrationNames } from '../../src/lib/server/db/migrations';
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

	it('0002 leaves charges without the unused charge_id index', async () => {
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
				expect.arrayContaining(['charges_auth_code', 'charges_next_check', 'charges_store_created'])
			);
			expect(names).not.toContain('charges_charge_id');
		} finally {
			await db.close();
		}
	});
});
