/**
 * The catalog admin's and the owner's attention list's migrations (numbers 0015–0019), merged
 * into the record in migrations.ts. Kysely runs SQLite migrations outside a transaction, so each
 * step tolerates having been done already (a crash half-way, then a rerun).
 */
import { SqliteAdapter, sql, type Kysely, type Migration } from 'kysely';

export const catalogMigrations: Record<string, Migration> = {
	'0015_products_active': {
		// A product is deactivated, never deleted: sales name it, and the owner may want it back.
		// Who last changed it and when, for the back office's list.
		async up(db: Kysely<unknown>) {
			await addColumnOnce(db, 'products', 'active', 'integer', { notNullDefault: 1 });
			await addColumnOnce(db, 'products', 'updated_at', 'bigint');
			await addColumnOnce(db, 'products', 'updated_by', 'text');
		},
		async down(db: Kysely<unknown>) {
			for (const c of ['updated_by', 'updated_at', 'active'])
				await db.schema.alterTable('products').dropColumn(c).execute();
		}
	},
	'0016_owner_reviews_by': {
		// Who marked an attention item dealt with: a back-office user's id and the name they had
		// then (the list still says who after the user is renamed or removed). Null: the command line.
		async up(db: Kysely<unknown>) {
			await addColumnOnce(db, 'owner_reviews', 'reviewed_by', 'text');
			await addColumnOnce(db, 'owner_reviews', 'reviewed_by_name', 'text');
		},
		async down(db: Kysely<unknown>) {
			await db.schema.alterTable('owner_reviews').dropColumn('reviewed_by_name').execute();
			await db.schema.alterTable('owner_reviews').dropColumn('reviewed_by').execute();
		}
	}
};

/**
 * ALTER TABLE … ADD COLUMN that may be run again (SQLite has no IF NOT EXISTS for columns).
 * A NOT NULL column needs its default in the same statement: existing rows take it.
 */
async function addColumnOnce(
	db: Kysely<unknown>,
	table: string,
	column: string,
	type: 'text' | 'bigint' | 'integer',
	opts: { notNullDefault?: number } = {}
): Promise<void> {
	const tail =
		opts.notNullDefault === undefined
			? sql.raw(type)
			: sql.raw(`${type} NOT NULL DEFAULT ${Math.trunc(opts.notNullDefault)}`);
	if (db.getExecutor().adapter instanceof SqliteAdapter) {
		const existing = await sql<{ name: string }>`
			SELECT name FROM pragma_table_info(${table}) WHERE name = ${column}`.execute(db);
		if (existing.rows.length > 0) return;
		await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN ${sql.ref(column)} ${tail}`.execute(db);
	} else
		await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN IF NOT EXISTS ${sql.ref(column)} ${tail}`.execute(
			db
		);
}
