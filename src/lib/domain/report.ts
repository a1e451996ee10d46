/**
 * The owner's report as the server computes it (server/reports/query.ts) and the office pages
 * show it. Money in fen; days are the store's local days (YYYY-MM-DD).
 */

export interface Tenders {
	cash: number;
	wechat: number;
	alipay: number;
	/** Payment codes whose wallet is not known. */
	other: number;
}

export interface ReportTotals {
	sales: number;
	/** Before discounts. */
	gross: number;
	/** Line and whole-sale discounts. */
	discounts: number;
	/** What the sales came to: gross − discounts = the tenders' sum. */
	total: number;
	/** Always 0 until the till records returns. */
	returns: number;
	/** total − returns. */
	net: number;
	/** total / sales, rounded half up to the fen; 0 without sales. */
	average: number;
	tenders: Tenders;
}

export interface Report {
	storeId: string;
	tillId: string | null;
	timeZone: string;
	from: string;
	to: string;
	totals: ReportTotals;
	/** The same number of days just before. */
	previous: { from: string; to: string; totals: ReportTotals };
	/** 24 entries, local hour of day 0–23. */
	byHour: { hour: number; sales: number; net: number }[];
	/** Every day of the range, in order. */
	byDay: { date: string; sales: number; net: number }[];
	topProducts: { key: string; name: string; quantity: number; total: number }[];
	byCashier: { cashier: string; sales: number; discounts: number; net: number }[];
	/** Empty: the till has no shifts yet. */
	byShift: { shift: string; sales: number; net: number }[];
}
