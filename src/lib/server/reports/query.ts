/**
 * The owner's reports, read from the summaries only (summaries.ts): a month is a few thousand
 * rows whatever the number of sales. One store, any local days, all tills or one. The till's
 * "today" (GET /api/sales/summary) is `reportTotals` over today.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Report, ReportTotals, Tenders } from '../../domain/report';
import { dateOfDay, dayOfDate, DEFAULT_TIME_ZONE, localDayOf } from './local-time';

export type { Report, ReportTotals, Tenders };

export interface ReportRange {
	storeId: string;
	/** null: every till of the store. */
	tillId: string | null;
	/** Local days, inclusive: day numbers (local-time.ts). */
	fromDay: number;
	toDay: number;
}

/** The longest range a report covers (a year and a bit: a leap year plus a week). */
export const MAX_REPORT_DAYS = 373;

const empty = (): Omit<ReportTotals, 'average' | 'net'> => ({
	sales: 0,
	gross: 0,
	discounts: 0,
	total: 0,
	returns: 0,
	tenders: { cash: 0, wechat: 0, alipay: 0, other: 0 }
});

/** total / count in whole fen, half up, in integers. */
export function averageFen(total: number, count: number): number {
	if (count <= 0) return 0;
	const t = BigInt(total);
	const c = BigInt(count);
	return Number((2n * t + c) / (2n * c));
}

interface HourRow {
	hour: number;
	sales: number;
	gross: number;
	discounts: number;
	total: number;
	returns: number;
	cash: number;
	wechat: number;
	alipay: number;
	other: number;
}

async function hourRows(db: Kysely<Database>, r: ReportRange): Promise<HourRow[]> {
	let q = db
		.selectFrom('report_hours')
		.select((eb) => [
			'hour',
			eb.fn.sum<number>('sales').as('sales'),
			eb.fn.sum<number>('gross').as('gross'),
			eb.fn.sum<number>(eb('line_discounts', '+', eb.ref('sale_discounts'))).as('discounts'),
			eb.fn.sum<number>('total').as('total'),
			eb.fn.sum<number>('returns').as('returns'),
			eb.fn.sum<number>('cash').as('cash'),
			eb.fn.sum<number>('wechat').as('wechat'),
			eb.fn.sum<number>('alipay').as('alipay'),
			eb.fn.sum<number>('other_tenders').as('other')
		])
		.where('store_id', '=', r.storeId)
		.where('hour', '>=', r.fromDay * 24)
		.where('hour', '<', (r.toDay + 1) * 24)
		.groupBy('hour');
	if (r.tillId !== null) q = q.where('till_id', '=', r.tillId);
	return (await q.execute()).map((row) => {
		const out = {} as HourRow;
		for (const [k, v] of Object.entries(row)) out[k as keyof HourRow] = Number(v);
		return out;
	});
}

function totalsOf(rows: HourRow[]): ReportTotals {
	const t = empty();
	for (const r of rows) {
		t.sales += r.sales;
		t.gross += r.gross;
		t.discounts += r.discounts;
		t.total += r.total;
		t.returns += r.returns;
		t.tenders.cash += r.cash;
		t.tenders.wechat += r.wechat;
		t.tenders.alipay += r.alipay;
		t.tenders.other += r.other;
	}
	return { ...t, net: t.total - t.returns, average: averageFen(t.total, t.sales) };
}

/** The totals alone: the till's today and the comparison period. */
export async function reportTotals(db: Kysely<Database>, r: ReportRange): Promise<ReportTotals> {
	return totalsOf(await hourRows(db, r));
}

export async function timeZoneOf(db: Kysely<Database>, storeId: string): Promise<string> {
	const row = await db
		.selectFrom('stores')
		.select('time_zone')
		.where('id', '=', storeId)
		.executeTakeFirst();
	return row?.time_zone ?? DEFAULT_TIME_ZONE;
}

/** The store's local today as a range. */
export async function todayRange(
	db: Kysely<Database>,
	storeId: string,
	tillId: string | null,
	now = Date.now()
): Promise<ReportRange & { timeZone: string }> {
	const timeZone = await timeZoneOf(db, storeId);
	const day = localDayOf(now, timeZone);
	return { storeId, tillId, fromDay: day, toDay: day, timeZone };
}

export async function buildReport(
	db: Kysely<Database>,
	r: ReportRange,
	opts: { topProducts?: number } = {}
): Promise<Report> {
	const days = r.toDay - r.fromDay + 1;
	const previousRange = { ...r, fromDay: r.fromDay - days, toDay: r.fromDay - 1 };
	let products = db
		.selectFrom('report_products')
		.select((eb) => [
			'product_key',
			eb.fn.max('name').as('name'),
			eb.fn.sum<number>('quantity').as('quantity'),
			eb.fn.sum<number>('total').as('total')
		])
		.where('store_id', '=', r.storeId)
		.where('day', '>=', r.fromDay)
		.where('day', '<=', r.toDay)
		.groupBy('product_key')
		.orderBy('total', 'desc')
		.orderBy('product_key')
		.limit(opts.topProducts ?? 10);
	let cashiers = db
		.selectFrom('report_cashiers')
		.select((eb) => [
			'cashier',
			eb.fn.sum<number>('sales').as('sales'),
			eb.fn.sum<number>('discounts').as('discounts'),
			eb.fn.sum<number>('total').as('total')
		])
		.where('store_id', '=', r.storeId)
		.where('day', '>=', r.fromDay)
		.where('day', '<=', r.toDay)
		.groupBy('cashier')
		.orderBy('total', 'desc')
		.orderBy('cashier');
	if (r.tillId !== null) {
		products = products.where('till_id', '=', r.tillId);
		cashiers = cashiers.where('till_id', '=', r.tillId);
	}
	const [rows, previous, productRows, cashierRows, timeZone] = await Promise.all([
		hourRows(db, r),
		reportTotals(db, previousRange),
		products.execute(),
		cashiers.execute(),
		timeZoneOf(db, r.storeId)
	]);
	const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, sales: 0, net: 0 }));
	const byDay = Array.from({ length: days }, (_, i) => ({
		date: dateOfDay(r.fromDay + i),
		sales: 0,
		net: 0
	}));
	for (const h of rows) {
		const hourOfDay = ((h.hour % 24) + 24) % 24;
		const day = (h.hour - hourOfDay) / 24;
		for (const b of [byHour[hourOfDay], byDay[day - r.fromDay]]) {
			if (!b) continue;
			b.sales += h.sales;
			b.net += h.total - h.returns;
		}
	}
	return {
		storeId: r.storeId,
		tillId: r.tillId,
		timeZone,
		from: dateOfDay(r.fromDay),
		to: dateOfDay(r.toDay),
		totals: totalsOf(rows),
		previous: {
			from: dateOfDay(previousRange.fromDay),
			to: dateOfDay(previousRange.toDay),
			totals: previous
		},
		byHour,
		byDay,
		topProducts: productRows
			.map((p) => ({
				key: p.product_key,
				name: String(p.name),
				quantity: Number(p.quantity),
				total: Number(p.total)
			}))
			.sort(
				largestFirst(
					(p) => p.key,
					(p) => p.total
				)
			),
		byCashier: cashierRows
			.map((c) => ({
				cashier: c.cashier,
				sales: Number(c.sales),
				discounts: Number(c.discounts),
				// No returns yet: a cashier's net is what their sales came to.
				net: Number(c.total)
			}))
			.sort(
				largestFirst(
					(c) => c.cashier,
					(c) => c.net
				)
			),
		byShift: []
	};
}

/** Largest amount first; equal amounts by name in code-unit order, the same on both engines. */
const largestFirst =
	<T>(name: (x: T) => string, amount: (x: T) => number) =>
	(a: T, b: T) =>
		amount(b) - amount(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);

export type RangeProblem = { field: string; message: string };

/**
 * A report's range from its query text: `from` and `to` as YYYY-MM-DD (inclusive), `to` not
 * before `from`, at most MAX_REPORT_DAYS days.
 */
export function parseRange(
	params: URLSearchParams,
	fallbackDay: number
): { fromDay: number; toDay: number } | RangeProblem {
	const read = (name: 'from' | 'to') => {
		const text = params.get(name);
		if (text === null || text === '') return fallbackDay;
		return dayOfDate(text);
	};
	const fromDay = read('from');
	if (fromDay === null) return { field: 'from', message: 'from: must be a date as YYYY-MM-DD' };
	const toDay = read('to');
	if (toDay === null) return { field: 'to', message: 'to: must be a date as YYYY-MM-DD' };
	if (toDay < fromDay) return { field: 'to', message: 'to: must not be before from' };
	if (toDay - fromDay + 1 > MAX_REPORT_DAYS)
		return { field: 'to', message: `to: the range must be at most ${MAX_REPORT_DAYS} days` };
	return { fromDay, toDay };
}
