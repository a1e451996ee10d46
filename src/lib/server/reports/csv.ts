/**
 * CSV exports of a report's range: sales, their lines, and the store's payment-code charges.
 * Sales are chosen by the same local hour the summaries use (sales.local_hour), so an
 * export's sums are the report's figures to the fen. Money is yuan text with two decimals.
 * Streamed page by page: a year of a busy store does not sit in memory.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { formatYuan } from '../../domain/money';
import { MESSAGES, type Locale } from '../../i18n/core';
import { readFlags } from '../db/flags';
import { instantOfWall, localTimeText } from './local-time';
import type { ReportRange } from './query';

export const EXPORT_KINDS = ['sales', 'lines', 'charges'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

const PAGE = 1000;
const HOUR = 3_600_000;

/**
 * One cell. Text a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading
 * apostrophe: a product named "=HYPERLINK(…)" stays text.
 */
export function csvCell(value: string | number | null): string {
	if (value === null) return '';
	let s = String(value);
	if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: (string | number | null)[]) => cells.map(csvCell).join(',') + '\r\n';
const yuan = (fen: number) => formatYuan(Number(fen));

interface SalePage {
	id: string;
	number: string;
	till_id: string;
	cashier: string;
	created_at: string;
	local_hour: number;
	subtotal: number;
	discount: number;
	total: number;
	flags: string | null;
}

/** The range's sales in (local_hour, id) order, a page at a time. */
async function* salePages(db: Kysely<Database>, r: ReportRange): AsyncGenerator<SalePage[]> {
	let after: { hour: number; id: string } | null = null;
	for (;;) {
		let q = db
			.selectFrom('sales')
			.select([
				'id',
				'number',
				'till_id',
				'cashier',
				'created_at',
				'local_hour',
				'subtotal',
				'discount',
				'total',
				'flags'
			])
			.where('store_id', '=', r.storeId)
			.where('local_hour', '>=', r.fromDay * 24)
			.where('local_hour', '<', (r.toDay + 1) * 24)
			.orderBy('local_hour')
			.orderBy('id')
			.limit(PAGE);
		if (r.tillId !== null) q = q.where('till_id', '=', r.tillId);
		if (after) {
			const a: { hour: number; id: string } = after;
			q = q.where((eb) =>
				eb.or([
					eb('local_hour', '>', a.hour),
					eb.and([eb('local_hour', '=', a.hour), eb('id', '>', a.id)])
				])
			);
		}
		const rows = (await q.execute()).map((s) => ({ ...s, local_hour: Number(s.local_hour) }));
		if (!rows.length) return;
		yield rows;
		if (rows.length < PAGE) return;
		const last = rows[rows.length - 1]!;
		after = { hour: last.local_hour, id: last.id };
	}
}

async function tillNames(db: Kysely<Database>, storeId: string): Promise<Map<string, string>> {
	const rows = await db
		.selectFrom('tills')
		.select(['id', 'name'])
		.where('store_id', '=', storeId)
		.execute();
	return new Map(rows.map((t) => [t.id, t.name]));
}

/** The export's text, a chunk at a time (a UTF-8 BOM first, so Excel reads the Chinese). */
export async function* exportCsv(
	db: Kysely<Database>,
	kind: ExportKind,
	r: ReportRange & { timeZone: string },
	locale: Locale
): AsyncGenerator<string> {
	const h = MESSAGES[locale].officeReports.csv;
	const tills = await tillNames(db, r.storeId);
	const tz = r.timeZone;
	yield '\uFEFF';
	if (kind === 'sales') {
		yield line([
			h.id,
			h.number,
			h.till,
			h.cashier,
			h.time,
			h.gross,
			h.lineDiscounts,
			h.saleDiscount,
			h.total,
			h.cash,
			h.wechat,
			h.alipay,
			h.other,
			h.flags
		]);
		for await (const page of salePages(db, r)) {
			const ids = page.map((s) => s.id);
			const [discounts, tenders] = await Promise.all([
				db
					.selectFrom('sale_lines')
					.select((eb) => ['sale_id', eb.fn.sum<number>('discount').as('d')])
					.where('sale_id', 'in', ids)
					.groupBy('sale_id')
					.execute(),
				db
					.selectFrom('sale_tenders')
					.select(['sale_id', 'kind', 'wallet', 'amount'])
					.where('sale_id', 'in', ids)
					.execute()
			]);
			const lineDiscount = new Map(discounts.map((d) => [d.sale_id, Number(d.d)]));
			const paid = new Map<
				string,
				{ cash: number; wechat: number; alipay: number; other: number }
			>();
			for (const t of tenders) {
				let p = paid.get(t.sale_id);
				if (!p) paid.set(t.sale_id, (p = { cash: 0, wechat: 0, alipay: 0, other: 0 }));
				const col =
					t.kind === 'cash'
						? 'cash'
						: t.wallet === 'wechat' || t.wallet === 'alipay'
							? t.wallet
							: 'other';
				p[col] += Number(t.amount);
			}
			let out = '';
			for (const s of page) {
				const ld = lineDiscount.get(s.id) ?? 0;
				const p = paid.get(s.id) ?? { cash: 0, wechat: 0, alipay: 0, other: 0 };
				out += line([
					s.id,
					s.number,
					tills.get(s.till_id) ?? s.till_id,
					s.cashier,
					localTimeText(Date.parse(s.created_at), tz),
					yuan(Number(s.subtotal) + ld),
					yuan(ld),
					yuan(s.discount),
					yuan(s.total),
					yuan(p.cash),
					yuan(p.wechat),
					yuan(p.alipay),
					yuan(p.other),
					readFlags(s.flags).join(' ') || null
				]);
			}
			yield out;
		}
	} else if (kind === 'lines') {
		yield line([
			h.id,
			h.number,
			h.time,
			h.lineNo,
			h.productId,
			h.name,
			h.quantity,
			h.unitPrice,
			h.discount,
			h.lineTotal
		]);
		for await (const page of salePages(db, r)) {
			const lines = await db
				.selectFrom('sale_lines')
				.selectAll()
				.where(
					'sale_id',
					'in',
					page.map((s) => s.id)
				)
				.execute();
			const bySale = new Map<string, typeof lines>();
			for (const l of lines) {
				const list = bySale.get(l.sale_id) ?? [];
				list.push(l);
				bySale.set(l.sale_id, list);
			}
			let out = '';
			for (const s of page)
				for (const l of (bySale.get(s.id) ?? []).sort((a, b) => a.line_no - b.line_no))
					out += line([
						s.id,
						s.number,
						localTimeText(Date.parse(s.created_at), tz),
						l.line_no + 1,
						l.product_id,
						l.name,
						l.quantity,
						yuan(l.unit_price),
						yuan(l.discount),
						yuan(l.total)
					]);
			yield out;
		}
	} else {
		yield line([h.orderNo, h.till, h.time, h.amount, h.wallet, h.state, h.transactionNo, h.late]);
		// Charges have no local hour: the range's local midnights as instants.
		const from = instantOfWall(r.fromDay * 24 * HOUR, tz);
		const to = instantOfWall((r.toDay + 1) * 24 * HOUR, tz);
		let after: { at: number; id: string } | null = null;
		for (;;) {
			let q = db
				.selectFrom('charges')
				.select(['id', 'order_no', 'till_id', 'created_at', 'amount', 'wallet', 'state'])
				.select(['transaction_no', 'late'])
				.where('store_id', '=', r.storeId)
				.where('created_at', '>=', from)
				.where('created_at', '<', to)
				.orderBy('created_at')
				.orderBy('id')
				.limit(PAGE);
			if (r.tillId !== null) q = q.where('till_id', '=', r.tillId);
			if (after) {
				const a: { at: number; id: string } = after;
				q = q.where((eb) =>
					eb.or([
						eb('created_at', '>', a.at),
						eb.and([eb('created_at', '=', a.at), eb('id', '>', a.id)])
					])
				);
			}
			const rows = await q.execute();
			if (!rows.length) return;
			yield rows
				.map((c) =>
					line([
						c.order_no,
						tills.get(c.till_id) ?? c.till_id,
						localTimeText(Number(c.created_at), tz),
						yuan(c.amount),
						c.wallet,
						c.state,
						c.transaction_no,
						c.late ? 1 : 0
					])
				)
				.join('');
			if (rows.length < PAGE) return;
			const last = rows[rows.length - 1]!;
			after = { at: Number(last.created_at), id: last.id };
		}
	}
}

/** The export as a streamed response body. */
export function csvStream(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	return new ReadableStream({
		async pull(controller) {
			const next = await chunks.next();
			if (next.done) controller.close();
			else controller.enqueue(encoder.encode(next.value));
		},
		async cancel() {
			await chunks.return(undefined);
		}
	});
}
