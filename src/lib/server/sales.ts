/**
 * Sales synced from the tills (POST /api/sales). Each sale carries a device-generated id;
 * the server applies each id once and answers the same for every repeat, so a till that
 * retries after a lost reply, a crash or in two tabs never records a sale twice.
 */
import type { Kysely } from 'kysely';
import { MAX_FEN, MAX_TENDERS, type Sale, type SyncSaleResult, type Tender } from '../domain/sale';
import type { Database } from './db/schema';
import { isOrderNo } from '../domain/order-no';
import { isCleanText, TEXT_RULE, textProblem } from '../domain/text';
import { alreadyDurable } from './db';
import { readFlags, storeFlags } from './db/flags';
import {
	addToReports,
	saleLocalHour,
	storeTimeZone,
	tenderWallet,
	type StoredSale
} from './reports/summaries';
import { reportTotals, todayRange, type ReportTotals } from './reports/query';
import { dateOfDay } from './reports/local-time';

export const MAX_SALES_PER_BATCH = 500;
const MAX_LINES = 500;

type Check = { ok: true } | { ok: false; field: string; message: string };
const bad = (field: string, message: string): Check => ({
	ok: false,
	field,
	message: `${field}: ${message}`
});
const isFen = (v: unknown): v is number =>
	typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= MAX_FEN;
const isText = (v: unknown, max: number): v is string =>
	typeof v === 'string' && v.length >= 1 && v.length <= max;
const isStorable = isCleanText;
/** What the till writes (Date#toISOString) and a little more: a full date, time and offset. */
const ISO_TIME =
	/^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
// Any year: a till whose clock was reset (1970) still sold those things for that money. But a
// day the month does not have (2026-02-31) is refused, not rolled over into the next month.
const isSaleTime = (v: unknown): v is string => {
	if (typeof v !== 'string') return false;
	const m = ISO_TIME.exec(v);
	return m !== null && Number(m[3]) <= daysIn(Number(m[1]), Number(m[2]));
};
const isOptionalText = (v: unknown, max: number): boolean =>
	v === null || v === undefined || (isText(v, max) && isStorable(v));

/** The fields each part of a sale may have (domain/sale.ts); anything else is refused, not kept. */
const SALE_FIELDS = new Set([
	'id',
	'number',
	'cashier',
	'createdAt',
	'lines',
	'subtotal',
	'discount',
	'total',
	'tenders'
]);
const LINE_FIELDS = new Set([
	'lineId',
	'productId',
	'name',
	'barcode',
	'unitPrice',
	'quantity',
	'discount',
	'total'
]);
const TENDER_FIELDS: Record<string, Set<string>> = {
	cash: new Set(['kind', 'amount', 'tendered', 'change']),
	payment_code: new Set(['kind', 'amount', 'orderNo', 'chargeId', 'wallet'])
};
/** The first key of `o` outside `allowed`, or null. */
const unknownField = (o: object, allowed: Set<string>): string | null =>
	Object.keys(o).find((k) => !allowed.has(k)) ?? null;

/** Shape and arithmetic of one sale: every amount integer fen, every total adding up. */
export function checkSale(s: unknown): Check {
	if (!s || typeof s !== 'object') return bad('sale', 'must be an object');
	const sale = s as Partial<Sale>;
	const extra = unknownField(sale, SALE_FIELDS);
	if (extra !== null) return bad(extra, 'is not a field of a sale');
	if (!isText(sale.id, 64) || !/^[A-Za-z0-9_-]+$/.test(sale.id))
		return bad('id', 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -');
	if (!isText(sale.number, 64)) return bad('number', 'must be 1 to 64 characters');
	if (!isStorable(sale.number)) return bad('number', textProblem(sale.number)!);
	if (!isText(sale.cashier, 64)) return bad('cashier', 'must be 1 to 64 characters');
	if (!isStorable(sale.cashier)) return bad('cashier', textProblem(sale.cashier)!);
	if (!isSaleTime(sale.createdAt))
		return bad(
			'createdAt',
			'must be an ISO 8601 date and time with its offset, such as 2026-11-26T06:03:05.000Z'
		);
	if (!Array.isArray(sale.lines) || sale.lines.length < 1 || sale.lines.length > MAX_LINES)
		return bad('lines', `must be 1 to ${MAX_LINES} lines`);
	let sum = 0;
	for (const [i, l] of sale.lines.entries()) {
		const f = `lines[${i}]`;
		if (!l || typeof l !== 'object') return bad(f, 'must be an object');
		const extraLine = unknownField(l, LINE_FIELDS);
		if (extraLine !== null) return bad(`${f}.${extraLine}`, 'is not a field of a sale line');
		if (!isText(l.name, 200)) return bad(`${f}.name`, 'must be 1 to 200 characters');
		if (!isStorable(l.name)) return bad(`${f}.name`, textProblem(l.name)!);
		if (!isOptionalText(l.lineId, 64))
			return bad(
				`${f}.lineId`,
				`must be 1 to 64 characters that ${TEXT_RULE.replace('must ', '')}, or absent`
			);
		if (!isOptionalText(l.productId, 64))
			return bad(
				`${f}.productId`,
				`must be 1 to 64 characters that ${TEXT_RULE.replace('must ', '')}, or null`
			);
		// What was scanned: a till keeps codes up to MAX_LINE_BARCODE (cart.ts), longer ones not at all.
		if (!isOptionalText(l.barcode, 512))
			return bad(
				`${f}.barcode`,
				`must be 1 to 512 characters that ${TEXT_RULE.replace('must ', '')}, or null`
			);
		if (!Number.isSafeInteger(l.quantity) || l.quantity < 1 || l.quantity > 99_999)
			return bad(`${f}.quantity`, 'must be a whole number from 1 to 99999');
		if (!isFen(l.unitPrice) || l.unitPrice < 0)
			return bad(`${f}.unitPrice`, 'must be whole fen, 0 or more');
		if (!isFen(l.discount) || l.discount < 0)
			return bad(`${f}.discount`, 'must be whole fen, 0 or more');
		if (!isFen(l.total) || l.total !== l.unitPrice * l.quantity - l.discount || l.total < 0)
			return bad(`${f}.total`, 'must equal unitPrice × quantity − discount, and not be negative');
		sum += l.total;
	}
	if (!isFen(sale.subtotal) || sale.subtotal !== sum)
		return bad('subtotal', 'must equal the sum of the line totals');
	if (!isFen(sale.discount) || sale.discount < 0 || sale.discount > sale.subtotal)
		return bad('discount', 'must be whole fen from 0 to the subtotal');
	if (!isFen(sale.total) || sale.total !== sale.subtotal - sale.discount)
		return bad('total', 'must equal subtotal − discount');
	if (!Array.isArray(sale.tenders) || sale.tenders.length > MAX_TENDERS)
		return bad('tenders', `must be a list of at most ${MAX_TENDERS} tenders`);
	let paid = 0;
	for (const [i, t] of (sale.tenders as Tender[]).entries()) {
		const f = `tenders[${i}]`;
		if (!t || typeof t !== 'object') return bad(f, 'must be an object');
		const kind = (t as { kind?: unknown }).kind;
		const allowed =
			typeof kind === 'string' && Object.hasOwn(TENDER_FIELDS, kind) ? TENDER_FIELDS[kind] : null;
		if (!allowed) return bad(`${f}.kind`, 'must be cash or payment_code');
		const extraTender = unknownField(t, allowed);
		if (extraTender !== null)
			return bad(`${f}.${extraTender}`, `is not a field of a ${t.kind} tender`);
		if (!isFen(t.amount) || t.amount <= 0)
			return bad(`${f}.amount`, 'must be whole fen, more than 0');
		if (t.kind === 'cash') {
			if (!isFen(t.tendered) || t.tendered < t.amount)
				return bad(`${f}.tendered`, 'must be whole fen, at least the amount');
			if (!isFen(t.change) || t.change !== t.tendered - t.amount)
				return bad(`${f}.change`, 'must equal tendered − amount');
		} else if (t.kind === 'payment_code') {
			if (!isOrderNo(t.orderNo)) return bad(`${f}.orderNo`, "must be the charge's order_no");
			if (!isOptionalText(t.chargeId, 128))
				return bad(`${f}.chargeId`, "must be Teegon's charge id (1 to 128 characters), or null");
			if (
				t.wallet !== undefined &&
				t.wallet !== 'wechat' &&
				t.wallet !== 'alipay' &&
				t.wallet !== 'unknown'
			)
				return bad(`${f}.wallet`, 'must be wechat, alipay or unknown');
		} else return bad(`${f}.kind`, 'must be cash or payment_code');
		paid += t.amount;
	}
	if (paid !== sale.total) return bad('tenders', 'must add up to the total');
	return { ok: true };
}

export async function recordSales(
	db: Kysely<Database>,
	till: { id: string; storeId: string },
	sales: unknown[],
	now = Date.now(),
	/** Db.durably: the till deletes what it is told is stored, so it must outlive a power cut. */
	durably: <T>(fn: () => Promise<T>) => Promise<T> = alreadyDurable
): Promise<SyncSaleResult[]> {
	const results = new Map<number, SyncSaleResult>();
	const valid: { index: number; sale: Sale }[] = [];
	sales.forEach((s, index) => {
		const c = checkSale(s);
		const id =
			s && typeof s === 'object' && typeof (s as Sale).id === 'string' ? (s as Sale).id : '';
		if (c.ok) valid.push({ index, sale: s as Sale });
		else
			results.set(index, {
				id,
				status: 'rejected',
				error: { code: 'invalid', field: c.field, message: c.message }
			});
	});
	if (valid.length) {
		await durably(() =>
			db.transaction().execute(async (trx) => {
				// First: a change of the store's zone waits for this batch, or this batch for it.
				const timeZone = await storeTimeZone(trx, till.storeId);
				const stored: StoredSale[] = [];
				const ids = valid.map((v) => v.sale.id);
				const existing = new Map(
					(
						await trx
							.selectFrom('sales')
							.select(['id', 'store_id', 'flags'])
							.where('id', 'in', ids)
							.execute()
					).map((r) => [r.id, r])
				);
				const orderNos = valid.flatMap((v) =>
					v.sale.tenders.flatMap((t) => (t.kind === 'payment_code' ? [t.orderNo] : []))
				);
				const charges = new Map(
					orderNos.length
						? (
								await trx
									.selectFrom('charges')
									.select(['order_no', 'store_id', 'state', 'amount', 'wallet'])
									.where('order_no', 'in', orderNos)
									.execute()
							).map((c) => [c.order_no, c])
						: []
				);
				// Payment codes that already pay a sale of this store: one payment pays one sale.
				const backing = new Set(
					orderNos.length
						? (
								await trx
									.selectFrom('sale_tenders')
									.innerJoin('sales', 'sales.id', 'sale_tenders.sale_id')
									.select('sale_tenders.order_no')
									.where('sale_tenders.order_no', 'in', orderNos)
									.where('sales.store_id', '=', till.storeId)
									.execute()
							).map((r) => r.order_no)
						: []
				);
				const seen = new Set<string>();
				for (const { index, sale } of valid) {
					const prior = existing.get(sale.id);
					if (prior || seen.has(sale.id)) {
						results.set(
							index,
							prior && prior.store_id !== till.storeId
								? {
										id: sale.id,
										status: 'rejected',
										error: {
											code: 'id_conflict',
											field: 'id',
											message: 'id: already used by another store'
										}
									}
								: {
										id: sale.id,
										status: 'duplicate',
										...(prior?.flags ? { flagged: readFlags(prior.flags) } : {})
									}
						);
						continue;
					}
					seen.add(sale.id);
					// Every payment-code tender must be a paid charge of this store, for its amount.
					const flags: string[] = [];
					const ownCodes = new Set<string>();
					for (const t of sale.tenders) {
						if (t.kind !== 'payment_code') continue;
						if (backing.has(t.orderNo) || ownCodes.has(t.orderNo))
							flags.push(`charge_reused:${t.orderNo}`);
						ownCodes.add(t.orderNo);
						const c = charges.get(t.orderNo);
						if (!c || c.store_id !== till.storeId) flags.push(`charge_missing:${t.orderNo}`);
						else if (c.state !== 'paid') flags.push(`charge_not_paid:${t.orderNo}:${c.state}`);
						else if (c.amount !== t.amount) flags.push(`charge_amount_mismatch:${t.orderNo}`);
					}
					for (const o of ownCodes) backing.add(o);
					const localHour = saleLocalHour(sale, timeZone);
					const wallets = sale.tenders.map((t) =>
						tenderWallet(
							t,
							t.kind === 'payment_code' ? charges.get(t.orderNo) : undefined,
							till.storeId
						)
					);
					stored.push({ sale, tillId: till.id, localHour, wallets });
					await trx
						.insertInto('sales')
						.values({
							id: sale.id,
							store_id: till.storeId,
							till_id: till.id,
							number: sale.number,
							cashier: sale.cashier,
							created_at: new Date(sale.createdAt).toISOString(),
							received_at: now,
							subtotal: sale.subtotal,
							discount: sale.discount,
							total: sale.total,
							body: JSON.stringify(sale),
							flags: storeFlags(flags),
							local_hour: localHour
						})
						.execute();
					await trx
						.insertInto('sale_lines')
						.values(
							sale.lines.map((l, i) => ({
								sale_id: sale.id,
								line_no: i,
								product_id: l.productId ?? null,
								name: l.name,
								quantity: l.quantity,
								unit_price: l.unitPrice,
								discount: l.discount,
								total: l.total
							}))
						)
						.execute();
					if (sale.tenders.length)
						await trx
							.insertInto('sale_tenders')
							.values(
								sale.tenders.map((t, i) => ({
									sale_id: sale.id,
									tender_no: i,
									kind: t.kind,
									amount: t.amount,
									order_no: t.kind === 'payment_code' ? t.orderNo : null,
									wallet: wallets[i]
								}))
							)
							.execute();
					results.set(index, {
						id: sale.id,
						status: 'applied',
						...(flags.length ? { flagged: flags } : {})
					});
				}
				await addToReports(trx, till.storeId, stored);
			})
		);
	}
	return sales.map((_, i) => results.get(i)!);
}

export interface SalesSummary {
	count: number;
	/** Sum of sale totals, fen. */
	total: number;
	/** Sum of tender amounts by kind (cash, payment_code), fen. */
	byTender: Record<string, number>;
	flagged: number;
	/** The store's local today, the same figures as the owner's report of today. */
	today: ReportTotals & { date: string; timeZone: string };
}

/** Every local day a report can name: the all-time figures read the same summaries. */
const ALL_DAYS = 10_000_000;

export async function salesSummary(
	db: Kysely<Database>,
	storeId: string,
	tillId: string | null,
	now = Date.now()
): Promise<SalesSummary> {
	const all = await reportTotals(db, { storeId, tillId, fromDay: -ALL_DAYS, toDay: ALL_DAYS });
	const today = await todayRange(db, storeId, tillId, now);
	let q = db
		.selectFrom('sales')
		.select((eb) => eb.fn.count<number>('flags').as('flagged'))
		.where('store_id', '=', storeId);
	if (tillId) q = q.where('till_id', '=', tillId);
	const head = await q.executeTakeFirstOrThrow();
	const codes = all.tenders.wechat + all.tenders.alipay + all.tenders.other;
	return {
		count: all.sales,
		total: all.total,
		flagged: Number(head.flagged),
		byTender: {
			...(all.tenders.cash ? { cash: all.tenders.cash } : {}),
			...(codes ? { payment_code: codes } : {})
		},
		today: {
			date: dateOfDay(today.fromDay),
			timeZone: today.timeZone,
			...(await reportTotals(db, today))
		}
	};
}
