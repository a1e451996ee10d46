/**
 * Sales for the report tests, and the report they must give, computed here straight from the
 * sales with Shanghai's fixed UTC+8 and none of the server's report code: the e2e suite and
 * the integration suite compare the server's figures with these.
 */
import type { Sale, SaleLine, Tender } from '../../src/lib/domain/sale';

export interface Seeded {
	sale: Sale;
	tillId: string;
}

const PRODUCTS = [
	{ id: 'water', name: '矿泉水', price: 200 },
	{ id: 'cola', name: '可乐', price: 350 },
	{ id: 'noodle', name: '方便面', price: 450 },
	{ id: null, name: '=1+1', price: 990 }, // an open-price item a spreadsheet would run
	{ id: null, name: '散装花生', price: 1280 }
];
const CASHIERS = ['王芳', '李雷', 'Zhang'];

/**
 * Sale number `i`: lines, discounts, cashier and tenders vary with i. Payment codes: order
 * numbers with WX are WeChat charges, ALI Alipay (the till wrongly says unknown: the charge
 * decides), UNK has no charge (an unknown wallet).
 */
export function makeSale(i: number, createdAt: string, opts: { cashOnly?: boolean } = {}): Sale {
	const lines: SaleLine[] = [];
	for (let n = 0; n <= i % 3; n++) {
		const p = PRODUCTS[(i + n * 2) % PRODUCTS.length]!;
		const quantity = 1 + ((i + n) % 4);
		const discount = (i + n) % 5 === 0 ? 30 : 0;
		lines.push({
			lineId: `l${n}`,
			productId: p.id,
			name: p.name,
			barcode: null,
			unitPrice: p.price,
			quantity,
			discount,
			total: p.price * quantity - discount
		});
	}
	const subtotal = lines.reduce((s, l) => s + l.total, 0);
	const discount = i % 4 === 1 ? 50 : 0;
	const total = subtotal - discount;
	const id = `sale-${i}-${crypto.randomUUID()}`;
	const code = (tag: string, amount: number): Tender => ({
		kind: 'payment_code',
		amount,
		orderNo: `${tag}${i}X${id.slice(-12)}`,
		chargeId: null,
		wallet: tag === 'WX' ? 'wechat' : 'unknown'
	});
	const cash = (amount: number): Tender => ({
		kind: 'cash',
		amount,
		tendered: amount + 100,
		change: 100
	});
	const mode = opts.cashOnly ? 0 : i % 5;
	const tenders: Tender[] =
		mode === 0
			? [cash(total)]
			: mode === 1
				? [code('WX', total)]
				: mode === 2
					? [code('ALI', total)]
					: mode === 3
						? [cash(100), code('WX', total - 100)]
						: [code('UNK', total)];
	return {
		id,
		number: `T1-${i}`,
		cashier: CASHIERS[i % CASHIERS.length]!,
		createdAt,
		lines,
		subtotal,
		discount,
		total,
		tenders
	};
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const local = (iso: string) => new Date(Date.parse(iso) + 8 * HOUR);
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Column = 'cash' | 'wechat' | 'alipay' | 'other';

/** With charges (seeded by the integration suite) the charge's wallet; without, the till's word. */
const walletOf =
	(charges: boolean) =>
	(t: Tender): Column => {
		if (t.kind === 'cash') return 'cash';
		if (!charges) return t.wallet === 'wechat' || t.wallet === 'alipay' ? t.wallet : 'other';
		if (t.orderNo.startsWith('UNK')) return 'other';
		return t.orderNo.startsWith('ALI') ? 'alipay' : 'wechat';
	};

function totals(sales: Sale[], wallet: (t: Tender) => Column) {
	const t = {
		sales: sales.length,
		gross: 0,
		discounts: 0,
		total: 0,
		returns: 0,
		net: 0,
		average: 0,
		tenders: { cash: 0, wechat: 0, alipay: 0, other: 0 }
	};
	for (const s of sales) {
		const lineDiscounts = s.lines.reduce((x, l) => x + l.discount, 0);
		t.gross += s.lines.reduce((x, l) => x + l.unitPrice * l.quantity, 0);
		t.discounts += lineDiscounts + s.discount;
		t.total += s.total;
		for (const tender of s.tenders) t.tenders[wallet(tender)] += tender.amount;
	}
	t.net = t.total;
	t.average = sales.length ? Math.floor((2 * t.total + sales.length) / (2 * sales.length)) : 0;
	return t;
}

/** What the server's report must say about these sales for a store, days and till. */
export function expectedReport(
	seeded: Seeded[],
	q: { storeId: string; from: string; to: string; tillId: string | null; charges?: boolean }
) {
	const wallet = walletOf(q.charges ?? true);
	const fromMs = Date.parse(`${q.from}T00:00:00Z`);
	const toMs = Date.parse(`${q.to}T00:00:00Z`);
	const days = (toMs - fromMs) / DAY + 1;
	const inDays = (a: number, b: number) =>
		seeded
			.filter((s) => q.tillId === null || s.tillId === q.tillId)
			.map((s) => s.sale)
			.filter((s) => {
				const d = Date.parse(`${local(s.createdAt).toISOString().slice(0, 10)}T00:00:00Z`);
				return d >= a && d <= b;
			});
	const sales = inDays(fromMs, toMs);
	const previous = inDays(fromMs - days * DAY, fromMs - DAY);
	const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, sales: 0, net: 0 }));
	const byDay = Array.from({ length: days }, (_, i) => ({
		date: dateOf(fromMs + i * DAY),
		sales: 0,
		net: 0
	}));
	const products = new Map<
		string,
		{ key: string; name: string; quantity: number; total: number }
	>();
	const cashiers = new Map<
		string,
		{ cashier: string; sales: number; discounts: number; net: number }
	>();
	for (const s of sales) {
		const at = local(s.createdAt);
		const h = byHour[at.getUTCHours()]!;
		h.sales++;
		h.net += s.total;
		const d = byDay.find((x) => x.date === at.toISOString().slice(0, 10))!;
		d.sales++;
		d.net += s.total;
		for (const l of s.lines) {
			const key = l.productId ? `p:${l.productId}` : `n:${l.name}`;
			const p = products.get(key) ?? { key, name: l.name, quantity: 0, total: 0 };
			p.quantity += l.quantity;
			p.total += l.total;
			products.set(key, p);
		}
		const c = cashiers.get(s.cashier) ?? { cashier: s.cashier, sales: 0, discounts: 0, net: 0 };
		c.sales++;
		c.discounts += s.discount + s.lines.reduce((x, l) => x + l.discount, 0);
		c.net += s.total;
		cashiers.set(s.cashier, c);
	}
	const order =
		<T>(key: (x: T) => string, amount: (x: T) => number) =>
		(a: T, b: T) =>
			amount(b) - amount(a) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
	return {
		storeId: q.storeId,
		tillId: q.tillId,
		timeZone: 'Asia/Shanghai',
		from: q.from,
		to: q.to,
		totals: totals(sales, wallet),
		previous: {
			from: dateOf(fromMs - days * DAY),
			to: dateOf(fromMs - DAY),
			totals: totals(previous, wallet)
		},
		byHour,
		byDay,
		topProducts: [...products.values()]
			.sort(
				order(
					(p) => p.key,
					(p) => p.total
				)
			)
			.slice(0, 10),
		byCashier: [...cashiers.values()].sort(
			order(
				(c) => c.cashier,
				(c) => c.net
			)
		),
		byShift: []
	};
}

/** A CSV export as records by header (quotes, doubled quotes, CRLF; a BOM first). */
export function parseCsv(text: string): Record<string, string>[] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	const s = text.replace(/^\uFEFF/, '');
	for (let i = 0; i < s.length; i++) {
		const ch = s[i]!;
		if (quoted) {
			if (ch === '"' && s[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (ch === '"') quoted = false;
			else cell += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ',') {
			row.push(cell);
			cell = '';
		} else if (ch === '\r' && s[i + 1] === '\n') {
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
			i++;
		} else cell += ch;
	}
	if (cell || row.length) rows.push([...row, cell]);
	const [head, ...body] = rows;
	return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}
