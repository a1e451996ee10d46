/**
 * Migrations of the back office's people and access (0009–0014): businesses, users and
 * their stores, sessions, sign-in throttles, till pairing codes, what a till last reported,
 * a store's approval rules and who rang a sale up. Each step tolerates having been done
 * (SQLite runs migrations outside a transaction; see migrations.ts).
 */
import { randomUUID } from 'node:crypto';
import { Kysely, sql, type Migration } from 'kysely';
import { addColumnOnce } from './migration-helpers';

/** The name the migration gives the business it makes; the owner renames it at set-up. */
export const DEFAULT_BUSINESS_NAME = '我的商店';

export const accessMigrations: Record<string, Migration> = {
	'0009_businesses_users_sessions': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('businesses')
				.ifNotExists()
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('name', 'text', (c) => c.notNull())
				// 0 until the first owner is made (/office/setup claims it with one UPDATE).
				.addColumn('setup_done', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.execute();
			await addColumnOnce(db, 'stores', 'business_id', 'text');
			// Every install has one business from the start: existing stores go to it, and the
			// first visit's owner account claims it.
			const any = await sql<{ id: string }>`SELECT id FROM businesses LIMIT 1`.execute(db);
			let businessId = any.rows[0]?.id;
			if (!businessId) {
				businessId = randomUUID();
				await sql`INSERT INTO businesses (id, name, setup_done, created_at)
					VALUES (${businessId}, ${DEFAULT_BUSINESS_NAME}, 0, ${Date.now()})`.execute(db);
			}
			await sql`UPDATE stores SET business_id = ${businessId} WHERE business_id IS NULL`.execute(
				db
			);
			await db.schema
				.createIndex('stores_business')
				.ifNotExists()
				.on('stores')
				.column('business_id')
				.execute();

			await db.schema
				.createTable('users')
				.ifNotExists()
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('business_id', 'text', (c) => c.notNull().references('businesses.id'))
				// Lower-cased; null for staff who only use a till PIN.
				.addColumn('login', 'text', (c) => c.unique())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('role', 'text', (c) => c.notNull())
				.addColumn('password_hash', 'text')
				.addColumn('pin_hash', 'text')
				.addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('updated_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('users_business')
				.ifNotExists()
				.on('users')
				.column('business_id')
				.execute();
			await db.schema
				.createTable('user_stores')
				.ifNotExists()
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
				.addPrimaryKeyConstraint('user_stores_pk', ['user_id', 'store_id'])
				.execute();
			await db.schema
				.createIndex('user_stores_store')
				.ifNotExists()
				.on('user_stores')
				.column('store_id')
				.execute();
			await db.schema
				.createTable('sessions')
				.ifNotExists()
				// SHA-256 hex of the cookie's token: a copy of the table signs nobody in.
				.addColumn('token_hash', 'text', (c) => c.primaryKey())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('expires_at', 'bigint', (c) => c.notNull())
				.addColumn('last_seen_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('sessions_user')
				.ifNotExists()
				.on('sessions')
				.column('user_id')
				.execute();
			// Failed sign-ins and PINs per key (an account, an address, a staff member at a till),
			// in the database so every instance on PostgreSQL counts the same failures.
			await db.schema
				.createTable('auth_throttle')
				.ifNotExists()
				.addColumn('key', 'text', (c) => c.primaryKey())
				.addColumn('failures', 'integer', (c) => c.notNull())
				.addColumn('window_start', 'bigint', (c) => c.notNull())
				.addColumn('locked_until', 'bigint')
				.execute();
		},
		async down(db: Kysely<unknown>) {
			for (const t of ['auth_throttle', 'sessions', 'user_stores', 'users'])
				await db.schema.dropTable(t).ifExists().execute();
			await db.schema.dropIndex('stores_business').ifExists().execute();
			await db.schema.alterTable('stores').dropColumn('business_id').execute();
			await db.schema.dropTable('businesses').ifExists().execute();
		}
	},
	'0010_till_pairing': {
		async up(db: Kysely<unknown>) {
			await addColumnOnce(db, 'tills', 'last_seen_at', 'bigint');
			await addColumnOnce(db, 'tills', 'app_version', 'text');
			await addColumnOnce(db, 'tills', 'queued_sales', 'integer');
			await db.schema
				.createTable('pairing_codes')
				.ifNotExists()
				// SHA-256 hex of the code: one use, ten minutes.
				.addColumn('code_hash', 'text', (c) => c.primaryKey())
				.addColumn('till_id', 'text', (c) => c.notNull().references('tills.id'))
				.addColumn('created_by', 'text', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('expires_at', 'bigint', (c) => c.notNull())
				.addColumn('used_at', 'bigint')
				.execute();
			await db.schema
				.createIndex('pairing_codes_till')
				.ifNotExists()
				.on('pairing_codes')
				.column('till_id')
				.execute();
		},
		async down(db: Kysely<unknown>) {
			await db.schema.dropTable('pairing_codes').ifExists().execute();
			for (const c of ['queued_sales', 'app_version', 'last_seen_at'])
				await db.schema.alterTable('tills').dropColumn(c).execute();
		}
	},
	'0011_approvals_and_sale_cashier': {
		async up(db: Kysely<unknown>) {
			// A store's approval rules: a whole-sale or line discount above this many fen needs a
			// manager's PIN (null: never); the others are 0/1.
			await addColumnOnce(db, 'stores', 'approve_discount_over', 'bigint');
			await addColumnOnce(db, 'stores', 'approve_remove_paid_line', 'integer');
			await addColumnOnce(db, 'stores', 'approve_abandon_unknown', 'integer');
			await addColumnOnce(db, 'stores', 'approve_void', 'integer');
			await addColumnOnce(db, 'sales', 'cashier_id', 'text');
			await db.schema
				.createTable('approvals')
				.ifNotExists()
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
				.addColumn('till_id', 'text', (c) => c.notNull().references('tills.id'))
				.addColumn('manager_id', 'text', (c) => c.notNull().references('users.id'))
				.addColumn('cashier_id', 'text')
				.addColumn('action', 'text', (c) => c.notNull())
				.addColumn('amount', 'bigint')
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				// The sale that used it, once synced: an approval serves one sale.
				.addColumn('sale_id', 'text')
				.execute();
			await db.schema
				.createIndex('approvals_sale')
				.ifNotExists()
				.on('approvals')
				.column('sale_id')
				.execute();
		},
		async down(db: Kysely<unknown>) {
			await db.schema.dropTable('approvals').ifExists().execute();
			await db.schema.alterTable('sales').dropColumn('cashier_id').execute();
			for (const c of [
				'approve_void',
				'approve_abandon_unknown',
				'approve_remove_paid_line',
				'approve_discount_over'
			])
				await db.schema.alterTable('stores').dropColumn(c).execute();
		}
	}
};
