/**
 * `npm run bench:reports`: the owner's reports on a store with BENCH_SALES sales (1,000,000)
 * over a year, on SQLite (a file) and PostgreSQL (a schema of its own, dropped after), as
 * BENCH_ENGINES says (`sqlite,postgres`).
 * 1. Seeds the sales in bulk (multi-row inserts, no charges, a short body), then builds the
 *    summaries from them with rebuildReports (the migration's full recomputation): timed.
 * 2. Records BENCH_INCREMENTAL (2,000) more through recordSales, the till's own path, in
 *    batches of 100, some of them late, a batch sent twice: the summaries are kept sale by
 *    sale; then checks that they equal a full recomputation, row for row.
 * 3. Times the reports: a month (November 2026), a year, a month of one till, the till's today.
 * Targets (docs/benchmarks.md): a month under 300 ms, a year under 1 s, on both engines.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { openDatabase, type DatabaseTarget, type Db } from '../src/lib/server/db';
import type { Database } from '../src/lib/server/db/schema';
import { recordSales, salesSummary } from '../src/lib/server/sales';
import { buildReport } from '../src/lib/server/reports/query';
import { displayYuan } from '../src/lib/domain/money';
import { rebuildReports } from '../src/lib/server/reports/summaries';
import { dayOfDate, localHourOf } from '../src/lib/server/reports/local-time';
import type { Sale, SaleLine, Tender } from '../src/lib/domain/sale';
import { describe } from './bench/stats';

const SALES = Number(process.env.BENCH_SALES ?? 1_000_000);
const INCREMENTAL = Number(process.env.BENCH_INCREMENTAL ?? 2_000);
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',');
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The year before 2026-12-01 00:00 Shanghai.
const END = Date.parse('2026-12-01T00:00:00+08:00');
const START = END - 365 * DAY;
const PRODUCTS = Array.from({ length: 200 }, (_, i) => ({
	id: `p${i}`,
	name: `商品${i}`,
	price: 100 + ((i * 37) % 50) * 50
}));
const CASHIERS = ['王芳', '李雷', '张伟', '刘洋', '陈静'];

/** A cheap deterministic generator: the same data every run. */
function rng(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

function makeSale(i: number, at: number, rand: () => number, prefix: string): Sale {
	const lines: SaleLine[] = [];
	const n = 1 + Math.floor(rand() * 4);
	for (let k = 0; k < n; k++) {
		// A few products sell far more than the rest, as in a shop.
		const p = PRODUCTS[Math.floor(rand() ** 2 * PRODUCTS.length)]!;
		const quantity = 1 + Math.floor(rand() * 3);
		const discount = rand() < 0.1 ? 50 : 0;
		lines.push({
			lineId: `l${k}`,
			productId: p.id,
			name: p.name,
			barcode: null,
			unitPrice: p.price,
			quantity,
			discount: Math.min(discount, p.price * quantity),
			total: p.price * quantity - Math.min(discount, p.price * quantity)
		});
	}
	const subtotal = lines.reduce((s, l) => s + l.total, 0);
	const discount = rand() < 0.05 ? Math.min(100, subtotal) : 0;
	const total = subtotal - discount;
	const r = rand();
	const code = (wallet: 'wechat' | 'alipay', amount: number): Tender => ({
		kind: 'payment_code',
		amount,
		orderNo: `${prefix}${i}${wallet[0]}`,
		chargeId: null,
		wallet
	});
	const cash = (amount: number): Tender => ({ kind: 'cash', amount, tendered: amount, change: 0 });
	const tenders: Tender[] =
		total === 0
			? []
			: r < 0.45
				? [code('wechat', total)]
				: r < 0.8
					? [code('alipay', total)]
					: r < 0.95 || total < 2
						? [cash(total)]
						: [cash(1), code('wechat', total - 1)];
	return {
		id: `${prefix}${i}`,
		number: `${prefix}${i}`,
		cashier: CASHIERS[i % CASHIERS.length]!,
		createdAt: new Date(at).toISOString(),
		lines,
		subtotal,
		discount,
		total,
		tenders
	};
}

/** A sale's time: a day of the year, an hour of the shop's day (8:00–22:00, busier at noon). */
function saleTime(rand: () => number): number {
	const day = Math.floor(rand() * 365);
	const hour = 8 + Math.floor(((rand() + rand() + rand()) / 3) * 14);
	return START + day * DAY + hour * HOUR + Math.floor(rand() * HOUR);
}

async function seed(db: Kysely<Database>, storeId: string, tills: string[]) {
	const rand = rng(42);
	const CHUNK = 1000;
	for (let from = 0; from < SALES; from += CHUNK) {
		const sales: { sale: Sale; till: string }[] = [];
		for (let i = from; i < Math.min(SALES, from + CHUNK); i++)
			sales.push({ sale: makeSale(i, saleTime(rand), rand, 'B'), till: tills[i % tills.length]! });
		await db.transaction().execute(async (trx) => {
			await trx
				.insertInto('sales')
				.values(
					sales.map(({ sale, till }) => ({
						id: sale.id,
						store_id: storeId,
						till_id: till,
						number: sale.number,
						cashier: sale.cashier,
						created_at: sale.createdAt,
						received_at: Date.parse(sale.createdAt),
						subtotal: sale.subtotal,
						discount: sale.discount,
						total: sale.total,
						body: '{}',
						flags: null,
						local_hour: localHourOf(Date.parse(sale.createdAt), TZ)
					}))
				)
				.execute();
			const lines = sales.flatMap(({ sale }) =>
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
			);
			for (let k = 0; k < lines.length; k += 2000)
				await trx
					.insertInto('sale_lines')
					.values(lines.slice(k, k + 2000))
					.execute();
			const tenders = sales.flatMap(({ sale }) =>
				sale.tenders.map((t, n) => ({
					sale_id: sale.id,
					tender_no: n,
					kind: t.kind,
					amount: t.amount,
					order_no: t.kind === 'payment_code' ? t.orderNo : null,
					wallet: t.kind === 'payment_code' ? t.wallet : null
				}))
			);
			if (tenders.length) await trx.insertInto('sale_tenders').values(tenders).execute();
		});
		if ((from / CHUNK) % 100 === 99) process.stdout.write(`  ${from + CHUNK} sales\r`);
	}
}

async function summaryRows(db: Kysely<Database>) {
	return JSON.stringify([
		await db
			.selectFrom('report_hours')
			.selectAll()
			.orderBy('store_id')
			.orderBy('hour')
			.orderBy('till_id')
			.execute(),
		await db
			.selectFrom('report_cashiers')
			.selectAll()
			.orderBy('store_id')
			.orderBy('day')
			.orderBy('till_id')
			.orderBy('cashier')
			.execute(),
		await db
			.selectFrom('report_products')
			.selectAll()
			.orderBy('store_id')
			.orderBy('day')
			.orderBy('till_id')
			.orderBy('product_key')
			.execute()
	]);
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
	const t0 = performance.now();
	const v = await fn();
	return [performance.now() - t0, v];
}

async function times(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
	const out: number[] = [];
	for (let i = 0; i < runs; i++) out.push((await timed(fn))[0]);
	return out;
}

async function run(engine: string): Promise<boolean> {
	let target: DatabaseTarget;
	let schema: string | null = null;
	if (engine === 'sqlite') {
		target = {
			kind: 'sqlite',
			file: join(mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'bench-reports-')), 'till.db')
		};
	} else {
		schema = `bench_reports_${randomBytes(4).toString('hex')}`;
		target = { kind: 'postgres', url: PG_URL, schema };
	}
	const db: Db = await openDatabase(target);
	try {
		const storeId = 'bench-store';
		const now = Date.now();
		await db.db
			.insertInto('stores')
			.values({ id: storeId, name: '基准店', created_at: now })
			.execute();
		const tills = ['t1', 't2', 't3'];
		for (const id of tills)
			await db.db
				.insertInto('tills')
				.values({ id, store_id: storeId, name: id, token_hash: `${id}-${now}`, created_at: now })
				.execute();
		console.log(`\n## ${engine}: ${SALES.toLocaleString('en')} sales over a year, 3 tills`);
		const [seedMs] = await timed(() => seed(db.db, storeId, tills));
		console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);
		const [rebuildMs] = await timed(() => rebuildReports(db.db, storeId));
		console.log(`full recomputation of the summaries: ${(rebuildMs / 1000).toFixed(1)} s`);

		// The till's path: batches of 100, spread over the year (late), one batch sent twice.
		const rand = rng(7);
		const incremental = Array.from({ length: INCREMENTAL }, (_, i) =>
			makeSale(i, saleTime(rand), rand, 'I')
		);
		const batchTimes: number[] = [];
		for (let i = 0; i < incremental.length; i += 100) {
			const batch = incremental.slice(i, i + 100);
			const till = { id: tills[(i / 100) % 3]!, storeId };
			batchTimes.push(
				(await timed(() => recordSales(db.db, till, batch, Date.now(), db.durably)))[0]
			);
			if (i === 0) await recordSales(db.db, till, batch, Date.now(), db.durably);
		}
		console.log(`recordSales, a batch of 100 with its summaries: ${describe(batchTimes)}`);
		const kept = await summaryRows(db.db);
		await rebuildReports(db.db, storeId);
		const rebuilt = await summaryRows(db.db);
		const agree = kept === rebuilt;
		console.log(
			`incremental summaries ${agree ? 'EQUAL' : 'DIFFER FROM'} a full recomputation (${kept.length.toLocaleString('en')} characters of rows)`
		);

		const range = (from: string, to: string, tillId: string | null = null) => ({
			storeId,
			tillId,
			fromDay: dayOfDate(from)!,
			toDay: dayOfDate(to)!
		});
		const month = range('2026-11-01', '2026-11-30');
		const year = range('2025-12-01', '2026-11-30');
		const report = await buildReport(db.db, month);
		const yearReport = await buildReport(db.db, year);
		console.log(
			`month: ${report.totals.sales} sales, ${displayYuan(report.totals.net)}; year: ${yearReport.totals.sales} sales`
		);
		const results: [string, number[], number][] = [
			['report, a month', await times(20, () => buildReport(db.db, month)), 300],
			[
				'report, a month, one till',
				await times(20, () => buildReport(db.db, { ...month, tillId: 't1' })),
				300
			],
			['report, a year', await times(10, () => buildReport(db.db, year)), 1000],
			[
				"the till's summary (all time + today)",
				await times(20, () => salesSummary(db.db, storeId, 't1')),
				300
			]
		];
		let ok = agree && yearReport.totals.sales === SALES + INCREMENTAL;
		for (const [name, xs, limit] of results) {
			const worst = Math.max(...xs);
			const pass = [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! < limit;
			ok &&= pass;
			console.log(
				`${name.padEnd(40)} ${describe(xs)}  max ${worst.toFixed(1)} ms  ${pass ? 'ok' : `OVER ${limit} ms`}`
			);
		}
		if (target.kind === 'sqlite')
			console.log(`database file: ${(statSync(target.file).size / 2 ** 20).toFixed(0)} MiB`);
		return ok;
	} finally {
		await db.close();
		if (schema) {
			const client = new pg.Client({ connectionString: PG_URL });
			await client.connect();
			await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
			await client.end();
		}
	}
}

let allOk = true;
for (const engine of ENGINES) allOk = (await run(engine)) && allOk;
console.log(allOk ? '\nall targets met' : '\nSOME TARGETS MISSED');
process.exit(allOk ? 0 : 1);
