/**
 * Versioned migrations, in code so the built server carries them. They run at start-up
 * (hooks.server.ts init) and from `npm run admin -- migrate`. Never edit a released one:
 * add the next.
 */
import { Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { addColumnOnce } from './migration-helpers';
import { accessMigrations } from './migrations-access';
import { catalogMigrations } from './migrations-catalog';
import { reportMigrations } from './migrations-reports';

const migrations: Record<string, Migration> = {
	'0001_initial': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('stores')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('tills')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('token_hash', 'text', (c) => c.notNull().unique())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('charges')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
				.addColumn('till_id', 'text', (c) => c.notNull().references('tills.id'))
				.addColumn('order_no', 'text', (c) => c.notNull().unique())
				.addColumn('amount', 'bigint', (c) => c.notNull())
				.addColumn('subject', 'text', (c) => c.notNull())
				.addColumn('auth_code_hash', 'text', (c) => c.notNull())
				.addColumn('auth_code_last4', 'text', (c) => c.notNull())
				.addColumn('wallet', 'text', (c) => c.notNull())
				.addColumn('metadata', 'text')
				.addColumn('request_hash', 'text', (c) => c.notNull())
				.addColumn('state', 'text', (c) => c.notNull())
				.addColumn('charge_id', 'text')
				.addColumn('channel', 'text')
				.addColumn('transaction_no', 'text')
				.addColumn('paid_at', 'text')
				.addColumn('failure', 'text')
				.addColumn('late', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('flags', 'text')
				.addColumn('last_status', 'text')
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('updated_at', 'bigint', (c) => c.notNull())
				.addColumn('deadline_at', 'bigint', (c) => c.notNull())
				.addColumn('sent_at', 'bigint')
				.addColumn('next_check_at', 'bigint')
				.addColumn('checks', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('rev', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('lease_owner', 'text')
				.addColumn('lease_until', 'bigint')
				.execute();
			await db.schema
				.createIndex('charges_auth_code')
				.on('charges')
				.columns(['auth_code_hash', 'created_at'])
				.execute();
			await db.schema
				.createIndex('charges_next_check')
				.on('charges')
				.column('next_check_at')
				.execute();
			await db.schema.createIndex('charges_charge_id').on('charges').column('charge_id').execute();
			await db.schema
				.createIndex('charges_store_created')
				.on('charges')
				.columns(['store_id', 'created_at'])
				.execute();

			await db.schema
				.createTable('notifications')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('digest', 'text', (c) => c.notNull().unique())
				.addColumn('received_at', 'bigint', (c) => c.notNull())
				.addColumn('order_no', 'text')
				.addColumn('charge_id', 'text')
				.addColumn('fields', 'text', (c) => c.notNull())
				.addColumn('outcome', 'text', (c) => c.notNull())
				.addColumn('store_id', 'text')
				.execute();
			await db.schema
				.createIndex('notifications_order_no')
				.on('notifications')
				.column('order_no')
				.execute();

			await db.schema
				.createTable('sales')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
				.addColumn('till_id', 'text', (c) => c.notNull().references('tills.id'))
				.addColumn('number', 'text', (c) => c.notNull())
				.addColumn('cashier', 'text', (c) => c.notNull())
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addColumn('received_at', 'bigint', (c) => c.notNull())
				.addColumn('subtotal', 'bigint', (c) => c.notNull())
				.addColumn('discount', 'bigint', (c) => c.notNull())
				.addColumn('total', 'bigint', (c) => c.notNull())
				.addColumn('body', 'text', (c) => c.notNull())
				.addColumn('flags', 'text')
				.execute();
			await db.schema
				.createIndex('sales_store_created')
				.on('sales')
				.columns(['store_id', 'created_at'])
				.execute();
			await db.schema
				.createTable('sale_lines')
				.addColumn('sale_id', 'text', (c) => c.notNull().references('sales.id'))
				.addColumn('line_no', 'integer', (c) => c.notNull())
				.addColumn('product_id', 'text')
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('quantity', 'integer', (c) => c.notNull())
				.addColumn('unit_price', 'bigint', (c) => c.notNull())
				.addColumn('discount', 'bigint', (c) => c.notNull())
				.addColumn('total', 'bigint', (c) => c.notNull())
				.addPrimaryKeyConstraint('sale_lines_pk', ['sale_id', 'line_no'])
				.execute();
			await db.schema
				.createTable('sale_tenders')
				.addColumn('sale_id', 'text', (c) => c.notNull().references('sales.id'))
				.addColumn('tender_no', 'integer', (c) => c.notNull())
				.addColumn('kind', 'text', (c) => c.notNull())
				.addColumn('amount', 'bigint', (c) => c.notNull())
				.addColumn('order_no', 'text')
				.addPrimaryKeyConstraint('sale_tenders_pk', ['sale_id', 'tender_no'])
				.execute();

			await db.schema
				.createTable('products')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('price', 'bigint', (c) => c.notNull())
				.addColumn('barcodes', 'text', (c) => c.notNull())
				.addColumn('category', 'text')
				.addColumn('pinyin', 'text')
				.addColumn('favourite', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('version', 'bigint', (c) => c.notNull())
				.addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
				.execute();
			await db.schema
				.createIndex('products_store_version')
				.on('products')
				.columns(['store_id', 'version'])
				.execute();
		},
		async down(db: Kysely<unknown>) {
			for (const t of [
				'products',
				'sale_tenders',
				'sale_lines',
				'sales',
				'notifications',
				'charges',
				'tills',
				'stores'
			])
				await db.schema.dropTable(t).execute();
		}
	},
	'0002_drop_unused_charge_id_index': {
		// No query looks a charge up by Teegon's charge_id (notifications carry order_no), and
		// every charge's two writes paid for the index: one more page in the SQLite log each.
		async up(db: Kysely<unknown>) {
			await db.schema.dropIndex('charges_charge_id').ifExists().execute();
		},
		async down(db: Kysely<unknown>) {
			await db.schema.createIndex('charges_charge_id').on('charges').column('charge_id').execute();
		}
	},
	'0003_auth_code_claims': {
		// The single-use check was a SELECT on charges then the INSERT: two orders with one
		// payment code at the same moment could both pass it. A claim per code, taken by one
		// upsert, cannot. The charges index that served the SELECT has no reader left.
		// Kysely runs SQLite migrations outside a transaction: every step may be run again
		// after a crash half-way, so each one tolerates having been done.
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('auth_code_claims')
				.ifNotExists()
				.addColumn('auth_code_hash', 'text', (c) => c.primaryKey())
				.addColumn('order_no', 'text', (c) => c.notNull())
				.addColumn('claimed_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('auth_code_claims_claimed_at')
				.ifNotExists()
				.on('auth_code_claims')
				.column('claimed_at')
				.execute();
			// Codes used in the last day keep their claim across the upgrade (newest order wins).
			const recent = await sql<{ auth_code_hash: string; order_no: string; created_at: number }>`
				SELECT auth_code_hash, order_no, created_at FROM charges
				WHERE created_at > ${Date.now() - 24 * 3600_000} ORDER BY created_at`.execute(db);
			const latest = new Map(recent.rows.map((r) => [r.auth_code_hash, r]));
			for (const r of latest.values()) {
				await sql`INSERT INTO auth_code_claims (auth_code_hash, order_no, claimed_at)
					VALUES (${r.auth_code_hash}, ${r.order_no}, ${Number(r.created_at)})
					ON CONFLICT (auth_code_hash) DO NOTHING`.execute(db);
			}
			await db.schema.dropIndex('charges_auth_code').ifExists().execute();
		},
		async down(db: Kysely<unknown>) {
			await db.schema
				.createIndex('charges_auth_code')
				.on('charges')
				.columns(['auth_code_hash', 'created_at'])
				.execute();
			await db.schema.dropTable('auth_code_claims').execute();
		}
	},
	'0004_sale_tenders_order_no': {
		// The owner's list of paid charges that no sale names looks tenders up by order_no.
		async up(db: Kysely<unknown>) {
			await db.schema
				.createIndex('sale_tenders_order_no')
				.ifNotExists()
				.on('sale_tenders')
				.column('order_no')
				.execute();
		},
		async down(db: Kysely<unknown>) {
			await db.schema.dropIndex('sale_tenders_order_no').execute();
		}
	},
	'0005_owner_reviews': {
		// The owner marks an item of the attention list as dealt with (refunded in the Teegon
		// account, say), with a note; it leaves the list. Keyed by what it was about and the
		// kind it had: a charge reviewed as `unknown` that later turns out `late` is listed again.
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('owner_reviews')
				.ifNotExists()
				.addColumn('subject', 'text', (c) => c.notNull())
				.addColumn('kind', 'text', (c) => c.notNull())
				.addColumn('reviewed_at', 'bigint', (c) => c.notNull())
				.addColumn('note', 'text', (c) => c.notNull())
				.addPrimaryKeyConstraint('owner_reviews_pk', ['subject', 'kind'])
				.execute();
		},
		async down(db: Kysely<unknown>) {
			await db.schema.dropTable('owner_reviews').execute();
		}
	},
	'0006_charge_failure_code': {
		// Why a charge failed, as a code the till reads (domain/charge.ts), instead of the
		// till matching the English text of `failure`.
		async up(db: Kysely<unknown>) {
			await addColumnOnce(db, 'charges', 'failure_code', 'text');
			await sql`UPDATE charges SET failure_code = CASE
				WHEN failure = 'customer did not confirm in time' THEN 'deadline'
				WHEN failure LIKE 'Teegon: %' THEN 'declined'
				ELSE 'refused' END
				WHERE state = 'failed' AND failure_code IS NULL`.execute(db);
		},
		async down(db: Kysely<unknown>) {
			await db.schema.alterTable('charges').dropColumn('failure_code').execute();
		}
	},
	'0007_charge_absent_since': {
		// A charge whose reply was lost is asked about by order_no; when Teegon keeps saying it
		// has no such charge, the charge is failed (not_at_teegon) instead of unknown forever.
		async up(db: Kysely<unknown>) {
			await addColumnOnce(db, 'charges', 'absent_since', 'bigint');
		},
		async down(db: Kysely<unknown>) {
			await db.schema.alterTable('charges').dropColumn('absent_since').execute();
		}
	},
	'0008_flags_as_json': {
		// Flags were delimited text, charges with ',' and sales with '|': one form for both, a
		// JSON array, so a flag may hold either character.
		async up(db: Kysely<unknown>) {
			for (const [table, separator] of [
				['charges', ','],
				['sales', '|']
			] as const) {
				const rows = await sql<{ id: string; flags: string }>`
					SELECT id, flags FROM ${sql.table(table)} WHERE flags IS NOT NULL`.execute(db);
				for (const r of rows.rows) {
					if (r.flags.startsWith('[')) continue; // a rerun after a crash half-way
					const json = JSON.stringify(r.flags.split(separator).filter(Boolean));
					await sql`UPDATE ${sql.table(table)} SET flags = ${json} WHERE id = ${r.id}`.execute(db);
				}
			}
		},
		async down(db: Kysely<unknown>) {
			for (const [table, separator] of [
				['charges', ','],
				['sales', '|']
			] as const) {
				const rows = await sql<{ id: string; flags: string }>`
					SELECT id, flags FROM ${sql.table(table)} WHERE flags IS NOT NULL`.execute(db);
				for (const r of rows.rows) {
					const text = (JSON.parse(r.flags) as string[]).join(separator);
					await sql`UPDATE ${sql.table(table)} SET flags = ${text} WHERE id = ${r.id}`.execute(db);
				}
			}
		}
	},
	...accessMigrations,
	...catalogMigrations,
	...reportMigrations
};

const provider: MigrationProvider = {
	getMigrations: () => Promise.resolve(migrations)
};

/** Runs every pending migration; throws with the failing migration's name. */
export async function migrate(db: Kysely<unknown>, schema?: string): Promise<string[]> {
	return migrateTo(db, null, schema);
}

/** Runs the migrations up to `target` (null: all). Upgrade tests start from an older schema. */
export async function migrateTo(
	db: Kysely<unknown>,
	target: string | null,
	schema?: string
): Promise<string[]> {
	// With a schema of its own (PostgreSQL tests), name it: Kysely otherwise finds another
	// schema's migration tables and skips creating its own.
	const migrator = new Migrator({
		db,
		provider,
		...(schema ? { migrationTableSchema: schema } : {})
	});
	const { error, results } = await (target === null
		? migrator.migrateToLatest()
		: migrator.migrateTo(target));
	const failed = results?.find((r) => r.status === 'Error');
	if (error) {
		const cause = error instanceof Error ? error.message : String(error);
		throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${cause}`, { cause: error });
	}
	return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations not yet run on this database, oldest first. */
export async function pendingMigrations(db: Kysely<unknown>, schema?: string): Promise<string[]> {
	const migrator = new Migrator({
		db,
		provider,
		...(schema ? { migrationTableSchema: schema } : {})
	});
	return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

/** Exposed for tests that check the schema is the same on both engines. */
export const migrationNames = Object.keys(migrations);
export { sql };
