/** Steps shared by the migration modules (migrations.ts and migrations-<area>.ts). */
import { Kysely, SqliteAdapter, sql } from 'kysely';

/**
 * ALTER TABLE … ADD COLUMN that may be run again: PostgreSQL runs each migration in a
 * transaction (IF NOT EXISTS covers it anyway); SQLite runs them outside one, so a crash
 * half-way leaves the column there for the rerun, and SQLite has no IF NOT EXISTS for columns.
 */
export async function addColumnOnce(
	db: Kysely<unknown>,
	table: string,
	column: string,
	type: 'text' | 'bigint' | 'integer'
): Promise<void> {
	if (db.getExecutor().adapter instanceof SqliteAdapter) {
		const existing = await sql<{ name: string }>`
			SELECT name FROM pragma_table_info(${table}) WHERE name = ${column}`.execute(db);
		if (existing.rows.length > 0) return;
		await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN ${sql.ref(column)} ${sql.raw(type)}`.execute(
			db
		);
	} else
		await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN IF NOT EXISTS ${sql.ref(column)} ${sql.raw(type)}`.execute(
			db
		);
}
