/**
 * Migrations of the reports (numbers 0020–0024). Kysely runs SQLite migrations outside a
 * transaction: every step here may be run again after a crash half-way.
 */
import { Kysely, SqliteAdapter, sql, type Migration } from 'kysely';
import type { Database } from './schema';
import { fillLocalHours, rebuildReports } from '../reports/summaries';
import { DEFAULT_TIME_ZONE } from '../reports/local-time';

async function addColumnOnce(
	db: Kysely<unknown>,
	table: string,
	column: string,
	definition: string
): Promise<void> {
	if (db.getExecutor().adapter instanceof SqliteAdapter) {
		const existing = await sql<{ name: string }>`
			SELECT name FROM pragma_table_info(${table}) WHERE name = ${column}`.execute(db);
		if (existing.rows.length > 0) return;
		await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN ${sql.ref(column)} ${sql.raw(definition)}`.execute(
			db
		);
	} else
		await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN IF NOT EXISTS ${sql.ref(column)} ${sql.raw(definition)}`.execute(
			db
		);
}

export const reportMigrations: Record<string, Migration> = {
	'0020_reports': {
		// Reports read summaries kept as sales arrive, not the sales: the store's zone decides
		// each sale's local hour, the tender's wallet its column; the summaries start from the
		// sales already stored.
		async up(raw: Kysely<unknown>) {
			const db = raw as unknown as Kysely<Database>;
			await addColumnOnce(
				raw,
				'stores',
				'time_zone',
				`text NOT NULL DEFAULT '${DEFAULT_TIME_ZONE}'`
			);
			await addColumnOnce(raw, 'sales', 'local_hour', 'bigint');
			await addColumnOnce(raw, 'sale_tenders', 'wallet', 'text');
			await raw.schema
				.createIndex('sales_store_local_hour')
				.ifNotExists()
				.on('sales')
				.columns(['store_id', 'local_hour'])
				.execute();
			const money = ['sales', 'gross', 'line_discounts', 'sale_discounts', 'total', 'returns'];
			let hours = raw.schema
				.createTable('report_hours')
				.ifNotExists()
				.addColumn('store_id', 'text', (c) => c.notNull())
				.addColumn('hour', 'bigint', (c) => c.notNull())
				.addColumn('till_id', 'text', (c) => c.notNull());
			for (const c of [...money, 'cash', 'wechat', 'alipay', 'other_tenders'])
				hours = hours.addColumn(c, 'bigint', (col) => col.notNull().defaultTo(0));
			await hours
				.addPrimaryKeyConstraint('report_hours_pk', ['store_id', 'hour', 'till_id'])
				.execute();
			await raw.schema
				.createTable('report_cashiers')
				.ifNotExists()
				.addColumn('store_id', 'text', (c) => c.notNull())
				.addColumn('day', 'bigint', (c) => c.notNull())
				.addColumn('till_id', 'text', (c) => c.notNull())
				.addColumn('cashier', 'text', (c) => c.notNull())
				.addColumn('sales', 'bigint', (c) => c.notNull())
				.addColumn('discounts', 'bigint', (c) => c.notNull())
				.addColumn('total', 'bigint', (c) => c.notNull())
				.addPrimaryKeyConstraint('report_cashiers_pk', ['store_id', 'day', 'till_id', 'cashier'])
				.execute();
			await raw.schema
				.createTable('report_products')
				.ifNotExists()
				.addColumn('store_id', 'text', (c) => c.notNull())
				.addColumn('day', 'bigint', (c) => c.notNull())
				.addColumn('till_id', 'text', (c) => c.notNull())
				.addColumn('product_key', 'text', (c) => c.notNull())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('quantity', 'bigint', (c) => c.notNull())
				.addColumn('total', 'bigint', (c) => c.notNull())
				.addPrimaryKeyConstraint('report_products_pk', [
					'store_id',
					'day',
					'till_id',
					'product_key'
				])
				.execute();
			// The wallet of each payment-code tender: its charge's, else what the till said.
			await sql`UPDATE sale_tenders SET wallet = (
					SELECT c.wallet FROM charges c JOIN sales s ON s.id = sale_tenders.sale_id
					WHERE c.order_no = sale_tenders.order_no AND c.store_id = s.store_id)
				WHERE kind = 'payment_code' AND wallet IS NULL`.execute(db);
			const orphans = await db
				.selectFrom('sale_tenders')
				.innerJoin('sales', 'sales.id', 'sale_tenders.sale_id')
				.select(['sale_tenders.sale_id', 'sale_tenders.tender_no', 'sales.body'])
				.where('sale_tenders.kind', '=', 'payment_code')
				.where('sale_tenders.wallet', 'is', null)
				.execute();
			for (const o of orphans) {
				const t = (JSON.parse(o.body) as { tenders?: { wallet?: string }[] }).tenders?.[
					o.tender_no
				];
				await db
					.updateTable('sale_tenders')
					.set({ wallet: t?.wallet ?? 'unknown' })
					.where('sale_id', '=', o.sale_id)
					.where('tender_no', '=', o.tender_no)
					.execute();
			}
			await sql`UPDATE sale_tenders SET wallet = 'unknown'
				WHERE kind = 'payment_code' AND wallet NOT IN ('wechat', 'alipay')`.execute(db);
			await fillLocalHours(db, null);
			await rebuildReports(db, null);
		},
		async down(raw: Kysely<unknown>) {
			for (const t of ['report_products', 'report_cashiers', 'report_hours'])
				await raw.schema.dropTable(t).ifExists().execute();
			await raw.schema.dropIndex('sales_store_local_hour').ifExists().execute();
			await raw.schema.alterTable('sale_tenders').dropColumn('wallet').execute();
			await raw.schema.alterTable('sales').dropColumn('local_hour').execute();
			await raw.schema.alterTable('stores').dropColumn('time_zone').execute();
		}
	}
};
