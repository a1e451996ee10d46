/**
 * Reports on both engines: the summaries kept as sales arrive give the figures computed here
 * from the seeded sales, whatever the order, repeats and lateness of arrival; they equal a
 * rebuild from the sales; the migration fills them from sales stored before it; the CSV
 * export adds up to the report.
 */
import { afterAll, describe, expect, test } from 'vitest';
import type { Kysely } from 'kysely';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { migrate, migrateTo } from '../../src/lib/server/db/migrations';
import type { Database } from '../../src/lib/server/db/schema';
import { recordSales, salesSummary } from '../../src/lib/server/sales';
import { authenticate, createTill } from '../../src/lib/server/tills';
import { buildReport, parseRange, type Report } from '../../src/lib/server/reports/query';
import { rebuildReports, setStoreTimeZone } from '../../src/lib/server/reports/summaries';
import { exportCsv } from '../../src/lib/server/reports/csv';
import { dayOfDate } from '../../src/lib/server/reports/local-time';
import { parseYuan } from '../../src/lib/domain/money';
import type { Sale, Tender } from '../../src/lib/domain/sale';
import { dropTestSchemas, engines } from '../helpers/engines';
import { expectedReport, makeSale, parseCsv, type Seeded } from '../helpers/report-data';

afterAll(dropTestSchemas);

async function twoTills(db: Db) {
	const a = await createTill(db.db, { store: '朝阳店', name: '1号' });
	const b = await createTill(db.db, { store: '朝阳店', name: '2号' });
	return [(await authenticate(db.db, a.token))!, (await authenticate(db.db, b.token))!];
}

/** Paid charges for the payment-code tenders, as the charge service would have stored them. */
async function chargesFor(db: Kysely<Database>, till: { id: string; storeId: string }, s: Sale) {
	for (const t of s.tenders as Tender[]) {
		if (t.kind !== 'payment_code' || t.orderNo.startsWith('UNK')) continue; // UNK: no charge
		const now = Date.now();
		await db
			.insertInto('charges')
			.values({
				id: crypto.randomUUID(),
				store_id: till.storeId,
				till_id: till.id,
				order_no: t.orderNo,
				amount: t.amount,
				subject: 's',
				auth_code_hash: crypto.randomUUID(),
				auth_code_last4: '0000',
				// The charge knows the wallet; the till's word (t.wallet) is not used when it does.
				wallet: t.orderNo.includes('ALI') ? 'alipay' : 'wechat',
				metadata: null,
				request_hash: 'h',
				state: 'paid',
				charge_id: null,
				channel: null,
				transaction_no: null,
				paid_at: null,
				failure: null,
				failure_code: null,
				late: 0,
				flags: null,
				last_status: null,
				created_at: Date.parse(s.createdAt),
				updated_at: now,
				deadline_at: now,
				sent_at: now,
				next_check_at: null,
				lease_owner: null,
				lease_until: null,
				absent_since: null
			})
			.execute();
	}
}

async function seed(db: Db): Promise<Seeded[]> {
	const tills = await twoTills(db);
	const seeded: Seeded[] = [];
	// 2026-11-30 … 2026-12-02 in Shanghai, including 23:59 and 00:00 local either side of midnight.
	const times = [
		'2026-11-30T15:59:59.000Z', // 11-30 23:59:59 local
		'2026-11-30T16:00:00.000Z', // 12-01 00:00 local
		'2026-12-01T01:15:00.000Z',
		'2026-12-01T01:45:00.000+08:00', // 11-30 17:45 UTC = 12-01 01:45 local
		'2026-12-01T11:00:00.000Z',
		'2026-12-02T02:30:00.000Z',
		'2026-12-02T03:30:00.000Z',
		'2026-12-02T15:59:00.000Z' // 12-02 23:59 local
	];
	times.forEach((createdAt, i) => {
		const till = tills[i % 2]!;
		seeded.push({ sale: makeSale(i, createdAt), tillId: till.id });
	});
	for (const s of seeded)
		await chargesFor(
			db.db,
			tills.find((t) => t.id === s.tillId)!,
			s.sale
		);
	// Out of order, in batches, one batch twice, the oldest last (a till that was offline).
	const byTill = (id: string) => seeded.filter((s) => s.tillId === id).map((s) => s.sale);
	for (const till of tills) {
		const mine = byTill(till.id).reverse();
		const r1 = await recordSales(db.db, till, mine.slice(0, 2));
		expect(r1.every((r) => r.status === 'applied')).toBe(true);
		const again = await recordSales(db.db, till, [...mine.slice(0, 2), ...mine.slice(2)]);
		expect(again.map((r) => r.status)).toEqual(
			mine.map((_, i) => (i < 2 ? 'duplicate' : 'applied'))
		);
	}
	return seeded;
}

const range = (storeId: string, from: string, to: string, tillId: string | null = null) => ({
	storeId,
	tillId,
	fromDay: dayOfDate(from)!,
	toDay: dayOfDate(to)!
});

async function snapshot(db: Kysely<Database>) {
	return {
		hours: await db
			.selectFrom('report_hours')
			.selectAll()
			.orderBy('store_id')
			.orderBy('hour')
			.orderBy('till_id')
			.execute(),
		cashiers: await db
			.selectFrom('report_cashiers')
			.selectAll()
			.orderBy('store_id')
			.orderBy('day')
			.orderBy('till_id')
			.orderBy('cashier')
			.execute(),
		products: await db
			.selectFrom('report_products')
			.selectAll()
			.orderBy('store_id')
			.orderBy('day')
			.orderBy('till_id')
			.orderBy('product_key')
			.execute()
	};
}

describe.each(engines)('reports on $name', (engine) => {
	test('the report equals the figures computed from the seeded sales, by till too', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const seeded = await seed(db);
			const storeId = (await db.db.selectFrom('stores').select('id').executeTakeFirstOrThrow()).id;
			for (const [from, to] of [
				['2026-12-01', '2026-12-02'],
				['2026-11-30', '2026-11-30'],
				['2026-12-02', '2026-12-02']
			] as const) {
				const report = await buildReport(db.db, range(storeId, from, to));
				expect(report).toEqual(expectedReport(seeded, { storeId, from, to, tillId: null }));
			}
			const tillId = seeded[1]!.tillId;
			const one = await buildReport(db.db, range(storeId, '2026-11-30', '2026-12-02', tillId));
			expect(one).toEqual(
				expectedReport(seeded, { storeId, from: '2026-11-30', to: '2026-12-02', tillId })
			);
		} finally {
			await db.close();
		}
	});

	test('the rows kept sale by sale equal a rebuild from the sales', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			await seed(db);
			const kept = await snapshot(db.db);
			expect(kept.hours.length).toBeGreaterThan(0);
			await rebuildReports(db.db, null);
			expect(await snapshot(db.db)).toEqual(kept);
		} finally {
			await db.close();
		}
	});

	test('concurrent batches with the same sales count them once', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const [till] = await twoTills(db);
			const sales = Array.from({ length: 40 }, (_, i) =>
				makeSale(i, new Date(Date.UTC(2026, 11, 1, 2, i)).toISOString(), { cashOnly: true })
			);
			const answers = await Promise.allSettled([
				recordSales(db.db, till!, sales),
				recordSales(db.db, till!, sales)
			]);
			for (const a of answers) if (a.status === 'rejected') await recordSales(db.db, till!, sales);
			const report = await buildReport(db.db, range(till!.storeId, '2026-12-01', '2026-12-01'));
			expect(report.totals.sales).toBe(40);
			expect(report.totals.total).toBe(sales.reduce((s, x) => s + x.total, 0));
		} finally {
			await db.close();
		}
	});

	test('the migration fills the summaries from sales stored before it', async () => {
		const target = engine.fresh();
		const before = await openDatabase(target, { migrate: false });
		const schema = target.kind === 'postgres' ? target.schema : undefined;
		let seeded: Seeded[] = [];
		let storeId = '';
		try {
			await migrateTo(before.db as never, '0008_flags_as_json', schema);
			// Sales as the server stored them before reports: no local hour, no tender wallet.
			const now = Date.now();
			await before.db
				.insertInto('stores')
				.values({ id: 'st', name: 'S', created_at: now } as never)
				.execute();
			const tillIds = ['ta', 'tb'];
			for (const id of tillIds)
				await before.db
					.insertInto('tills')
					.values({ id, store_id: 'st', name: id, token_hash: id, created_at: now })
					.execute();
			storeId = 'st';
			seeded = Array.from({ length: 12 }, (_, i) => ({
				sale: makeSale(i, new Date(Date.UTC(2026, 10, 30, 10 + i * 2)).toISOString()),
				tillId: tillIds[i % 2]!
			}));
			for (const { sale, tillId } of seeded) {
				await chargesFor(before.db, { id: tillId, storeId }, sale);
				await before.db
					.insertInto('sales')
					.values({
						id: sale.id,
						store_id: storeId,
						till_id: tillId,
						number: sale.number,
						cashier: sale.cashier,
						created_at: sale.createdAt,
						received_at: now,
						subtotal: sale.subtotal,
						discount: sale.discount,
						total: sale.total,
						body: JSON.stringify(sale),
						flags: null
					} as never)
					.execute();
				await before.db
					.insertInto('sale_lines')
					.values(
						sale.lines.map((l, n) => ({
							sale_id: sale.id,
							line_no: n,
							product_id: l.productId,
							name: l.name,
							quantity: l.quantity,
							unit_price: l.unitPrice,
							discount: l.discount,
							total: l.total
						}))
					)
					.execute();
				await before.db
					.insertInto('sale_tenders')
					.values(
						sale.tenders.map((t, n) => ({
							sale_id: sale.id,
							tender_no: n,
							kind: t.kind,
							amount: t.amount,
							order_no: t.kind === 'payment_code' ? t.orderNo : null
						})) as never
					)
					.execute();
			}
			await migrate(before.db as never, schema);
		} finally {
			await before.db.destroy();
		}
		const db = await openDatabase(target);
		try {
			const report = await buildReport(db.db, range(storeId, '2026-11-30', '2026-12-01'));
			expect(report).toEqual(
				expectedReport(seeded, { storeId, from: '2026-11-30', to: '2026-12-01', tillId: null })
			);
		} finally {
			await db.close();
		}
	});

	test('a late sale counts in the day it was made; the store’s zone decides the day', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const [till] = await twoTills(db);
			// 2026-12-01 17:30 UTC: 12-02 01:30 in Shanghai, 12-01 12:30 in New York.
			const s = makeSale(1, '2026-12-01T17:30:00.000Z', { cashOnly: true });
			await recordSales(db.db, till!, [s], Date.parse('2026-12-20T00:00:00Z'));
			const day = async (d: string) =>
				(await buildReport(db.db, range(till!.storeId, d, d))).totals.sales;
			expect([await day('2026-12-01'), await day('2026-12-02')]).toEqual([0, 1]);
			const shanghai = await buildReport(db.db, range(till!.storeId, '2026-12-02', '2026-12-02'));
			expect(shanghai.byHour.find((h) => h.sales)?.hour).toBe(1);
			await setStoreTimeZone(db.db, till!.storeId, 'America/New_York');
			expect([await day('2026-12-01'), await day('2026-12-02')]).toEqual([1, 0]);
			const ny = await buildReport(db.db, range(till!.storeId, '2026-12-01', '2026-12-01'));
			expect(ny.timeZone).toBe('America/New_York');
			expect(ny.byHour.find((h) => h.sales)?.hour).toBe(12);
			// Sales after the change go by the new zone.
			await recordSales(db.db, till!, [
				makeSale(2, '2026-12-01T23:30:00.000Z', { cashOnly: true })
			]);
			expect(await day('2026-12-01')).toBe(2);
			const kept = await snapshot(db.db);
			await rebuildReports(db.db, null);
			expect(await snapshot(db.db)).toEqual(kept);
		} finally {
			await db.close();
		}
	});

	test('the CSV exports add up to the report, to the fen', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const seeded = await seed(db);
			const storeId = seeded.length
				? (await db.db.selectFrom('stores').select('id').executeTakeFirstOrThrow()).id
				: '';
			const r = { ...range(storeId, '2026-12-01', '2026-12-02'), timeZone: 'Asia/Shanghai' };
			const report: Report = await buildReport(db.db, r);
			const text = async (kind: 'sales' | 'lines' | 'charges') => {
				let out = '';
				for await (const chunk of exportCsv(db.db, kind, r, 'en')) out += chunk;
				return out;
			};
			const sales = parseCsv(await text('sales'));
			const sum = (col: string) => sales.reduce((s, row) => s + parseYuan(row[col]!)!, 0);
			expect(sales.length).toBe(report.totals.sales);
			expect(sum('total')).toBe(report.totals.total);
			expect(sum('before discounts')).toBe(report.totals.gross);
			expect(sum('line discounts') + sum('sale discount')).toBe(report.totals.discounts);
			expect(sum('cash')).toBe(report.totals.tenders.cash);
			expect(sum('wechat')).toBe(report.totals.tenders.wechat);
			expect(sum('alipay')).toBe(report.totals.tenders.alipay);
			expect(sum('other codes')).toBe(report.totals.tenders.other);
			const lines = parseCsv(await text('lines'));
			expect(lines.reduce((s, l) => s + parseYuan(l['line total']!)!, 0)).toBe(
				report.totals.gross - sales.reduce((s, row) => s + parseYuan(row['line discounts']!)!, 0)
			);
			const top = report.topProducts[0]!;
			expect(
				lines.filter((l) => l.name === top.name).reduce((s, l) => s + Number(l.quantity), 0)
			).toBe(top.quantity);
			const charges = parseCsv(await text('charges'));
			expect(charges.reduce((s, c) => s + parseYuan(c.amount!)!, 0)).toBe(
				report.totals.tenders.wechat + report.totals.tenders.alipay
			);
			// A name that a spreadsheet would run stays text.
			expect((await text('lines')).includes("'=1+1")).toBe(true);
		} finally {
			await db.close();
		}
	});

	test('the till’s summary: all time as before, and today from the same figures as the report', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const seeded = await seed(db);
			const storeId = (await db.db.selectFrom('stores').select('id').executeTakeFirstOrThrow()).id;
			const now = Date.parse('2026-12-02T12:00:00+08:00');
			const summary = await salesSummary(db.db, storeId, null, now);
			const all = seeded.reduce((s, x) => s + x.sale.total, 0);
			expect(summary.count).toBe(seeded.length);
			expect(summary.total).toBe(all);
			expect((summary.byTender.cash ?? 0) + (summary.byTender.payment_code ?? 0)).toBe(all);
			const today = await buildReport(db.db, range(storeId, '2026-12-02', '2026-12-02'));
			expect(summary.today).toEqual({
				date: '2026-12-02',
				timeZone: 'Asia/Shanghai',
				...today.totals
			});
		} finally {
			await db.close();
		}
	});
});

test('a range is two real dates, in order, at most 373 days', () => {
	const p = (q: string) => parseRange(new URLSearchParams(q), 20_000);
	expect(p('')).toEqual({ fromDay: 20_000, toDay: 20_000 });
	expect(p('from=2026-02-30&to=2026-03-01')).toMatchObject({ field: 'from' });
	expect(p('from=2026-03-02&to=2026-03-01')).toMatchObject({ field: 'to' });
	expect(p('from=2025-01-01&to=2026-12-31')).toMatchObject({ field: 'to' });
	expect(p('from=2026-01-01&to=2026-12-31')).toEqual({
		fromDay: dayOfDate('2026-01-01'),
		toDay: dayOfDate('2026-12-31')
	});
});
