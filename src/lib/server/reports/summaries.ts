/**
 * The report summaries (report_hours, report_cashiers, report_products): added to in the
 * transaction that inserts the sales (sales.ts), so a report never scans the sales, and a
 * sale that is rolled back, refused as a duplicate or arrives late counts exactly once, in the
 * hour it was made. `rebuildReports` computes the same rows from the sales alone: the
 * migration fills the tables with it and the benchmark checks the two agree.
 */
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import type { Sale, Tender } from '../../domain/sale';
import type {
	Database,
	ReportCashiersTable,
	ReportHoursTable,
	ReportProductsTable
} from '../db/schema';
import { dayOfHour, DEFAULT_TIME_ZONE, localHourOf } from './local-time';

export type Wallet = 'wechat' | 'alipay' | 'unknown';

/**
 * Which wallet paid a payment-code tender: the charge's, which the server learnt from the code
 * itself; the till's word only when the charge is not this store's (a flagged sale).
 */
export function tenderWallet(
	t: Tender,
	charge: { store_id: string; wallet: string } | undefined,
	storeId: string
): Wallet | null {
	if (t.kind !== 'payment_code') return null;
	const w = charge && charge.store_id === storeId ? charge.wallet : t.wallet;
	return w === 'wechat' || w === 'alipay' ? w : 'unknown';
}

/** One sale as stored, for the summaries. */
export interface StoredSale {
	sale: Sale;
	tillId: string;
	localHour: number;
	/** Per tender, in order: tenderWallet's answer. */
	wallets: (Wallet | null)[];
}

/** The store's time zone, read so that a change of zone (setStoreTimeZone) waits for this batch. */
export async function storeTimeZone(
	trx: Kysely<Database> | Transaction<Database>,
	storeId: string
): Promise<string> {
	let q = trx.selectFrom('stores').select('time_zone').where('id', '=', storeId);
	if (trx.getExecutor().adapter instanceof PostgresAdapter) q = q.forShare();
	const row = await q.executeTakeFirst();
	return row?.time_zone ?? DEFAULT_TIME_ZONE;
}

export const saleLocalHour = (sale: Sale, tz: string): number =>
	localHourOf(Date.parse(sale.createdAt), tz);

type Row<T> = { [K in keyof T]: T[K] };
const keyOf = (parts: (string | number)[]) => JSON.stringify(parts);

/** What the sales add to each summary row, one row per key. */
export function summaryDeltas(storeId: string, sales: StoredSale[]) {
	const hours = new Map<string, Row<ReportHoursTable>>();
	const cashiers = new Map<string, Row<ReportCashiersTable>>();
	const products = new Map<string, Row<ReportProductsTable>>();
	for (const { sale, tillId, localHour, wallets } of sales) {
		const day = dayOfHour(localHour);
		const lineDiscounts = sale.lines.reduce((s, l) => s + l.discount, 0);
		const hk = keyOf([localHour, tillId]);
		let h = hours.get(hk);
		if (!h)
			hours.set(
				hk,
				(h = {
					store_id: storeId,
					hour: localHour,
					till_id: tillId,
					sales: 0,
					gross: 0,
					line_discounts: 0,
					sale_discounts: 0,
					total: 0,
					returns: 0,
					cash: 0,
					wechat: 0,
					alipay: 0,
					other_tenders: 0
				})
			);
		h.sales += 1;
		h.gross += sale.subtotal + lineDiscounts;
		h.line_discounts += lineDiscounts;
		h.sale_discounts += sale.discount;
		h.total += sale.total;
		sale.tenders.forEach((t, i) => {
			const w = wallets[i];
			if (t.kind === 'cash') h.cash += t.amount;
			else if (w === 'wechat') h.wechat += t.amount;
			else if (w === 'alipay') h.alipay += t.amount;
			else h.other_tenders += t.amount;
		});
		const ck = keyOf([day, tillId, sale.cashier]);
		let c = cashiers.get(ck);
		if (!c)
			cashiers.set(
				ck,
				(c = {
					store_id: storeId,
					day,
					till_id: tillId,
					cashier: sale.cashier,
					sales: 0,
					discounts: 0,
					total: 0
				})
			);
		c.sales += 1;
		c.discounts += lineDiscounts + sale.discount;
		c.total += sale.total;
		for (const l of sale.lines) {
			const productKey = l.productId != null ? `p:${l.productId}` : `n:${l.name}`;
			const pk = keyOf([day, tillId, productKey]);
			let p = products.get(pk);
			if (!p)
				products.set(
					pk,
					(p = {
						store_id: storeId,
						day,
						till_id: tillId,
						product_key: productKey,
						name: l.name,
						quantity: 0,
						total: 0
					})
				);
			if (utf8After(l.name, p.name)) p.name = l.name; // the rule of MAX(name) in rebuildReports
			p.quantity += l.quantity;
			p.total += l.total;
		}
	}
	// One order for every writer: two batches on PostgreSQL lock shared rows in the same order.
	const sorted = <T>(m: Map<string, T>) =>
		[...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
	return { hours: sorted(hours), cashiers: sorted(cashiers), products: sorted(products) };
}

/**
 * A product sold under several names keeps the greatest in UTF-8 byte order: SQLite's order,
 * PostgreSQL's with COLLATE "C", so the incremental rows and a rebuild agree on both engines.
 */
const utf8After = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0;
const byteOrder = (db: Kysely<Database> | Transaction<Database>) =>
	db.getExecutor().adapter instanceof PostgresAdapter ? sql.raw(' COLLATE "C"') : sql``;

const CHUNK = 400;
function* chunks<T>(rows: T[]): Generator<T[]> {
	for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}

/** Adds the sales to the summaries; call in the transaction that inserted them. */
export async function addToReports(
	trx: Transaction<Database>,
	storeId: string,
	sales: StoredSale[]
): Promise<void> {
	if (!sales.length) return;
	const { hours, cashiers, products } = summaryDeltas(storeId, sales);
	const plus = <T extends string>(table: string, cols: readonly T[]) =>
		Object.fromEntries(
			cols.map((c) => [c, sql`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`])
		);
	const hourSums = [
		'sales',
		'gross',
		'line_discounts',
		'sale_discounts',
		'total',
		'returns',
		'cash',
		'wechat',
		'alipay',
		'other_tenders'
	] as const;
	for (const rows of chunks(hours))
		await trx
			.insertInto('report_hours')
			.values(rows)
			.onConflict((oc) =>
				oc.columns(['store_id', 'hour', 'till_id']).doUpdateSet(plus('report_hours', hourSums))
			)
			.execute();
	for (const rows of chunks(cashiers))
		await trx
			.insertInto('report_cashiers')
			.values(rows)
			.onConflict((oc) =>
				oc
					.columns(['store_id', 'day', 'till_id', 'cashier'])
					.doUpdateSet(plus('report_cashiers', ['sales', 'discounts', 'total'] as const))
			)
			.execute();
	for (const rows of chunks(products))
		await trx
			.insertInto('report_products')
			.values(rows)
			.onConflict((oc) =>
				oc.columns(['store_id', 'day', 'till_id', 'product_key']).doUpdateSet({
					...plus('report_products', ['quantity', 'total'] as const),
					name: sql`CASE WHEN excluded.name${byteOrder(trx)} > report_products.name THEN excluded.name ELSE report_products.name END`
				})
			)
			.execute();
}

/** floor(local_hour / 24) in SQL, the same on both engines for negative hours too. */
const DAY_SQL = sql`((s.local_hour - ((s.local_hour % 24) + 24) % 24) / 24)`;

/**
 * Recomputes the summaries from the sales (one store, or all): what the migration runs and
 * what the benchmark compares the incremental rows with. Sales must have their local_hour.
 */
export async function rebuildReports(db: Kysely<Database>, storeId: string | null): Promise<void> {
	const only = (col: string) => (storeId === null ? sql`` : sql`AND ${sql.ref(col)} = ${storeId}`);
	const ofStore =
		storeId === null
			? sql``
			: sql`WHERE sale_id IN (SELECT id FROM sales WHERE store_id = ${storeId})`;
	for (const t of ['report_hours', 'report_cashiers', 'report_products'] as const) {
		let q = db.deleteFrom(t);
		if (storeId !== null) q = q.where('store_id', '=', storeId);
		await q.execute();
	}
	await sql`
		INSERT INTO report_hours (store_id, hour, till_id, sales, gross, line_discounts, sale_discounts,
			total, returns, cash, wechat, alipay, other_tenders)
		SELECT s.store_id, s.local_hour, s.till_id, COUNT(*), SUM(s.subtotal + COALESCE(l.d, 0)),
			SUM(COALESCE(l.d, 0)), SUM(s.discount), SUM(s.total), 0, SUM(COALESCE(t.cash, 0)),
			SUM(COALESCE(t.wechat, 0)), SUM(COALESCE(t.alipay, 0)), SUM(COALESCE(t.other, 0))
		FROM sales s
		LEFT JOIN (SELECT sale_id, SUM(discount) AS d FROM sale_lines ${ofStore} GROUP BY sale_id) l
			ON l.sale_id = s.id
		LEFT JOIN (
			SELECT sale_id,
				SUM(CASE WHEN kind = 'cash' THEN amount ELSE 0 END) AS cash,
				SUM(CASE WHEN kind <> 'cash' AND wallet = 'wechat' THEN amount ELSE 0 END) AS wechat,
				SUM(CASE WHEN kind <> 'cash' AND wallet = 'alipay' THEN amount ELSE 0 END) AS alipay,
				SUM(CASE WHEN kind <> 'cash' AND (wallet IS NULL OR wallet NOT IN ('wechat', 'alipay'))
					THEN amount ELSE 0 END) AS other
			FROM sale_tenders ${ofStore} GROUP BY sale_id) t ON t.sale_id = s.id
		WHERE s.local_hour IS NOT NULL ${only('s.store_id')}
		GROUP BY s.store_id, s.local_hour, s.till_id`.execute(db);
	await sql`
		INSERT INTO report_cashiers (store_id, day, till_id, cashier, sales, discounts, total)
		SELECT s.store_id, ${DAY_SQL}, s.till_id, s.cashier, COUNT(*),
			SUM(s.discount + COALESCE(l.d, 0)), SUM(s.total)
		FROM sales s
		LEFT JOIN (SELECT sale_id, SUM(discount) AS d FROM sale_lines ${ofStore} GROUP BY sale_id) l
			ON l.sale_id = s.id
		WHERE s.local_hour IS NOT NULL ${only('s.store_id')}
		GROUP BY s.store_id, ${DAY_SQL}, s.till_id, s.cashier`.execute(db);
	await sql`
		INSERT INTO report_products (store_id, day, till_id, product_key, name, quantity, total)
		SELECT s.store_id, ${DAY_SQL}, s.till_id,
			COALESCE('p:' || l.product_id, 'n:' || l.name), MAX(l.name${byteOrder(db)}), SUM(l.quantity), SUM(l.total)
		FROM sales s JOIN sale_lines l ON l.sale_id = s.id
		WHERE s.local_hour IS NOT NULL ${only('s.store_id')}
		GROUP BY s.store_id, ${DAY_SQL}, s.till_id, COALESCE('p:' || l.product_id, 'n:' || l.name)`.execute(
		db
	);
}

/**
 * Changes the store's time zone and re-buckets its sales: every sale's local hour again, then
 * the store's summaries from them, in one transaction (a batch of sales waits: storeTimeZone).
 * A store with many sales takes a while; a zone is set once, when the shop is set up.
 */
export async function setStoreTimeZone(
	db: Kysely<Database>,
	storeId: string,
	timeZone: string
): Promise<void> {
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('stores')
			.set({ time_zone: timeZone })
			.where('id', '=', storeId)
			.execute();
		await trx
			.updateTable('sales')
			.set({ local_hour: null })
			.where('store_id', '=', storeId)
			.execute();
		await fillLocalHours(trx, storeId);
		await rebuildReports(trx, storeId);
	});
}

/** Runs `fn` in a transaction of its own, or in the migration's one (PostgreSQL). */
const inTransaction = (db: Kysely<Database>, fn: (t: Kysely<Database>) => Promise<void>) =>
	db.isTransaction ? fn(db) : db.transaction().execute(fn);

/**
 * Sets sales.local_hour where it is missing, from each sale's time and its store's zone, in
 * chunks (a large database is not read into memory at once).
 */
export async function fillLocalHours(db: Kysely<Database>, storeId: string | null): Promise<void> {
	const zones = new Map(
		(await db.selectFrom('stores').select(['id', 'time_zone']).execute()).map((s) => [
			s.id,
			s.time_zone
		])
	);
	for (;;) {
		let q = db
			.selectFrom('sales')
			.select(['id', 'store_id', 'created_at'])
			.where('local_hour', 'is', null)
			.limit(2000);
		if (storeId !== null) q = q.where('store_id', '=', storeId);
		const rows = await q.execute();
		if (!rows.length) return;
		await inTransaction(db, async (t) => {
			for (let i = 0; i < rows.length; i += 500) {
				const part = rows.slice(i, i + 500);
				const cases = sql.join(
					part.map(
						(r) =>
							sql`WHEN ${r.id} THEN CAST(${localHourOf(Date.parse(r.created_at), zones.get(r.store_id) ?? DEFAULT_TIME_ZONE)} AS bigint)`
					),
					sql` `
				);
				await sql`UPDATE sales SET local_hour = CASE id ${cases} END
					WHERE id IN (${sql.join(part.map((r) => r.id))})`.execute(t);
			}
		});
	}
}
