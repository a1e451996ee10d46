/**
 * The receipt of a sale as ESC/POS bytes: the same content as the browser receipt
 * (src/lib/components/Receipt.svelte), laid out in fixed columns for 58 mm (32 columns) and
 * 80 mm (48 columns) paper, Font A, Chinese mode on. Money is integer fen until formatYuan
 * turns it into text; amounts print with the full-width `￥` (see gb18030.ts for why).
 */
import { formatYuan, type Fen } from '$lib/domain/money';
import type { Sale, Tender } from '$lib/domain/sale';
import { en } from '$lib/i18n/en';
import { zhCN, type Messages } from '$lib/i18n/zh-CN';
import { rule, textWidth, twoColumns, wrap } from './columns';
import { EscPos } from './escpos';

export type PaperWidth = 58 | 80;

/** Half-width columns of Font A (12 × 24 dots) and printable dots, per paper width. */
export const PAPER: Record<PaperWidth, { columns: number; dots: number }> = {
	58: { columns: 32, dots: 384 },
	80: { columns: 48, dots: 576 }
};

export interface ReceiptStore {
	storeName: string;
	tillName: string;
	/** Address, phone: printed under the store name. */
	storeLines?: string[];
}

export type ReceiptCode = 'qr' | 'barcode' | 'none';

export interface ReceiptOptions {
	paper: PaperWidth;
	locale?: 'zh-CN' | 'en';
	reprint?: boolean;
	/** The receipt number as a QR code (default) or a CODE128 barcode, for returns. */
	code?: ReceiptCode;
	/** Time zone of the printed time; default the device's. */
	timeZone?: string;
	/** Pulse the cash drawer after the receipt (a cash sale). */
	drawer?: boolean;
	drawerPin?: 2 | 5;
}

export interface EncodedReceipt {
	bytes: Uint8Array;
	/** Characters printed as `?` (see gb18030.ts). */
	unencodable: number;
}

const MESSAGES: Record<'zh-CN' | 'en', Messages> = { 'zh-CN': zhCN, en };

/** ￥ (U+FFE5): the half-width ¥ has no two-byte GB18030 form. */
export function printYuan(fen: Fen): string {
	return fen < 0 ? `-￥${formatYuan(-fen)}` : `￥${formatYuan(fen)}`;
}

/** "2026-11-26 14:03:05" in `timeZone`: the same on every device, unlike a locale's format. */
export function printTime(iso: string, timeZone?: string): string {
	const time = Date.parse(iso);
	if (Number.isNaN(time)) return iso;
	const parts = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).formatToParts(time);
	const p = (type: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === type)?.value;
	return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')}`;
}

/** `label：value` on one line; a value too long for it goes whole on the lines below. */
function labelled(
	label: string,
	sep: string,
	value: string,
	columns: number,
	indent = ''
): string[] {
	const one = `${indent}${label}${sep}${value}`;
	if (textWidth(one) <= columns) return [one];
	return [
		`${indent}${label}${sep}`,
		...wrap(value, columns - indent.length - 2).map((l) => `${indent}  ${l}`)
	];
}

function walletLabel(m: Messages, tender: Extract<Tender, { kind: 'payment_code' }>): string {
	if (tender.wallet === 'wechat') return m.tender.wechat;
	if (tender.wallet === 'alipay') return m.tender.alipay;
	return m.tender.unknownWallet;
}

/** The largest GS w (module width in dots) at which a CODE128-B of `data` fits the paper. */
export function code128ModuleDots(data: string, dots: number): number {
	// start + data + check + stop = 11 modules each, stop has 13; 10 modules of quiet zone each side.
	const modules = 11 * (data.length + 2) + 13 + 20;
	return Math.max(1, Math.min(3, Math.floor(dots / modules)));
}

export function encodeReceipt(
	sale: Sale,
	store: ReceiptStore,
	options: ReceiptOptions
): EncodedReceipt {
	const m = MESSAGES[options.locale ?? 'zh-CN'];
	const r = m.receipt;
	const { columns, dots } = PAPER[options.paper];
	const p = new EscPos().initialize();
	const lines = (ls: string[]) => ls.forEach((l) => p.line(l));
	const sep = m === en ? ': ' : '：';

	// Header: the store name double size (half the columns), centred.
	p.align('center').bold(true).size(2, 2);
	lines(wrap(store.storeName, Math.floor(columns / 2)));
	p.size(1, 1).bold(false);
	for (const l of store.storeLines ?? []) lines(wrap(l, columns));
	p.line(options.reprint ? `${r.title}${r.reprintMark}` : r.title);
	p.align('left').line();

	const meta: [string, string][] = [
		[r.number, sale.number],
		[r.time, printTime(sale.createdAt, options.timeZone)],
		[r.till, store.tillName],
		[r.cashier, sale.cashier]
	];
	for (const [k, v] of meta) lines(labelled(k, sep, v, columns));
	p.line(rule(columns));

	for (const line of sale.lines) {
		lines(wrap(line.name, columns));
		// total + discount is the line before its discount (integer fen), as on the browser receipt.
		lines(
			twoColumns(
				`  ${line.quantity} × ${formatYuan(line.unitPrice)}`,
				formatYuan(line.total + line.discount),
				columns
			)
		);
		if (line.discount > 0)
			lines(twoColumns(`  ${r.lineDiscount}`, `-${formatYuan(line.discount)}`, columns));
	}
	p.line(rule(columns));

	lines(twoColumns(r.subtotal, printYuan(sale.subtotal), columns));
	if (sale.discount > 0) lines(twoColumns(r.discount, printYuan(-sale.discount), columns));
	// Double height, not double width: the total keeps the line's columns and stands out.
	p.bold(true).size(1, 2);
	lines(twoColumns(r.total, printYuan(sale.total), columns));
	p.size(1, 1).bold(false);
	p.line(rule(columns));

	for (const tender of sale.tenders) {
		if (tender.kind === 'cash') {
			lines(twoColumns(r.cash, printYuan(tender.amount), columns));
			lines(twoColumns(`  ${r.tendered}`, printYuan(tender.tendered), columns));
			lines(twoColumns(`  ${r.change}`, printYuan(tender.change), columns));
		} else {
			lines(twoColumns(walletLabel(m, tender), printYuan(tender.amount), columns));
			if (tender.chargeId) lines(labelled(r.chargeId, sep, tender.chargeId, columns, '  '));
			lines(labelled(r.orderNo, sep, tender.orderNo, columns, '  '));
		}
	}
	p.line(rule(columns));

	p.align('center');
	const code = options.code ?? 'qr';
	if (code === 'qr') {
		p.qr(sale.number, options.paper === 58 ? 5 : 6).line(sale.number);
	} else if (code === 'barcode') {
		p.code128(sale.number, code128ModuleDots(sale.number, dots)).line();
	}
	p.line();
	for (const l of wrap(r.thanks, columns)) p.line(l);
	p.align('left').feed(3).cut();
	if (options.drawer) p.drawerKick(options.drawerPin ?? 2);
	return { bytes: p.encode(), unencodable: p.unencodable };
}
