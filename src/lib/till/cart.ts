/**
 * Cart and tender maths of the till. Immutable data and pure functions: every operation returns
 * a new Cart, so a Svelte `$state.raw` holding the cart (or an undo stack) stays trivially correct.
 *
 * Money is integer fen. Every sum and product is checked with Number.isSafeInteger, so a typo such
 * as a price of ¥9 999 999 999 999 × 9999 is refused instead of silently losing fen.
 *
 * Rounding rule (the only place money is divided): a percent discount is held in integer basis
 * points (1% = 100 bp, 12.34% = 1234 bp) and resolved to fen as
 *     discount = floor((base × bp + 5000) / 10000)
 * i.e. rounded half up to the fen, computed in BigInt so it is exact for every safe amount.
 * A discount never exceeds the amount it applies to (it is clamped when totals are computed and
 * refused when set). The whole-sale discount applies to the subtotal AFTER line discounts and is
 * not distributed across lines: the Sale record keeps it in `Sale.discount`.
 */
import type { Fen } from '$lib/domain/money';
import { MAX_FEN, type SaleLine, type Tender } from '$lib/domain/sale';

/** Whole units per line. */
export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 9999;
/** 100% in basis points. */
export const FULL_PERCENT_BP = 10_000;

export type Discount =
	| { kind: 'amount'; fen: Fen }
	/** Basis points: 0..10000 (0%..100%), two decimals of a percent. */
	| { kind: 'percent'; bp: number };

export interface CartLine {
	readonly lineId: string;
	/** Catalog product id; null for an open-price item. */
	readonly productId: string | null;
	readonly name: string;
	readonly barcode: string | null;
	readonly unitPrice: Fen;
	readonly quantity: number;
	readonly discount: Discount | null;
}

export interface Cart {
	readonly lines: readonly CartLine[];
	/** Whole-sale discount, applied to the subtotal after line discounts. */
	readonly discount: Discount | null;
	/** Source of line ids ("L1", "L2", ...): unique within the sale even after removals. */
	readonly nextLine: number;
}

/** What the cart needs from a catalog product. */
export interface CartProduct {
	id: string;
	name: string;
	price: Fen;
	barcode?: string | null;
}

export type CartErrorCode =
	| 'invalid_price'
	| 'invalid_quantity'
	| 'invalid_discount'
	| 'discount_exceeds'
	| 'overflow'
	| 'line_not_found'
	| 'empty_name'
	| 'name_too_long'
	| 'too_many_lines';

/** The server's limits for a synced sale (src/lib/server/sales.ts): a sale over them is refused. */
export const MAX_CART_LINES = 500;
export const MAX_LINE_NAME = 200;
/** A scanned code longer than this (a QR code's text, say) is not kept on the line. */
export const MAX_LINE_BARCODE = 512;

/** Thrown for input the cashier can correct; `code` maps to the message `cart.error.<code>`. */
export class CartError extends RangeError {
	readonly code: CartErrorCode;
	constructor(code: CartErrorCode, message: string) {
		super(message);
		this.name = 'CartError';
		this.code = code;
	}
}

export function emptyCart(): Cart {
	return { lines: [], discount: null, nextLine: 1 };
}

// ---- checked integer arithmetic -------------------------------------------------------------

function checked(n: number, what: string): number {
	if (!Number.isSafeInteger(n)) throw new CartError('overflow', `${what} is too large`);
	return n;
}

/** An amount the server takes in a sale (sale.ts MAX_FEN): more is refused here, not after payment. */
function checkedFen(n: number, what: string): number {
	if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_FEN)
		throw new CartError('overflow', `${what} is too large`);
	return n;
}

function addFen(a: Fen, b: Fen): Fen {
	return checkedFen(a + b, 'amount');
}

function mulFen(price: Fen, quantity: number): Fen {
	return checkedFen(price * quantity, 'line amount');
}

function assertPrice(price: Fen): void {
	if (!Number.isSafeInteger(price) || price < 0 || price > MAX_FEN) {
		throw new CartError(
			'invalid_price',
			`price must be a whole number of fen from 0 to ${MAX_FEN}, got ${price}`
		);
	}
}

function assertQuantity(quantity: number): void {
	if (!Number.isInteger(quantity) || quantity < MIN_QUANTITY || quantity > MAX_QUANTITY) {
		throw new CartError(
			'invalid_quantity',
			`quantity must be a whole number from ${MIN_QUANTITY} to ${MAX_QUANTITY}, got ${quantity}`
		);
	}
}

function assertDiscount(discount: Discount): void {
	if (discount.kind === 'amount') {
		if (!Number.isSafeInteger(discount.fen) || discount.fen < 0) {
			throw new CartError(
				'invalid_discount',
				`discount must be whole fen ≥ 0, got ${discount.fen}`
			);
		}
	} else if (!Number.isInteger(discount.bp) || discount.bp < 0 || discount.bp > FULL_PERCENT_BP) {
		throw new CartError('invalid_discount', `percent must be 0..10000 bp, got ${discount.bp}`);
	}
}

// ---- percent ---------------------------------------------------------------------------------

const PERCENT_TEXT = /^(\d{1,3})(?:[.．](\d{1,2}))?\s*[%％]?$/;

/**
 * Parses a percent typed by the cashier ("10", "12.5", "12.34", "100%") into basis points.
 * Returns null for anything else, including more than two decimals and values above 100.
 */
export function parsePercent(text: string): number | null {
	const m = PERCENT_TEXT.exec(text.trim());
	if (!m) return null;
	const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
	return bp <= FULL_PERCENT_BP ? bp : null;
}

/** "12.5" for 1250 bp, "10" for 1000 bp: the percent as text, without the % sign. */
export function formatPercent(bp: number): string {
	const whole = Math.trunc(bp / 100);
	const rest = bp - whole * 100;
	if (rest === 0) return String(whole);
	return `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}`;
}

/** Percent discount in fen on `base`: rounded half up to the fen (see the file comment). */
export function percentOf(base: Fen, bp: number): Fen {
	assertDiscount({ kind: 'percent', bp });
	if (!Number.isSafeInteger(base) || base < 0) throw new CartError('overflow', 'bad base amount');
	const fen = (BigInt(base) * BigInt(bp) + BigInt(FULL_PERCENT_BP / 2)) / BigInt(FULL_PERCENT_BP);
	return Number(fen);
}

/** A discount resolved to fen against `base`, never more than `base`. */
export function resolveDiscount(discount: Discount | null, base: Fen): Fen {
	if (!discount) return 0;
	const fen = discount.kind === 'amount' ? discount.fen : percentOf(base, discount.bp);
	return Math.min(fen, base);
}

export function amountDiscount(fen: Fen): Discount {
	const d: Discount = { kind: 'amount', fen };
	assertDiscount(d);
	return d;
}

/** From basis points (number) or percent text ("12.5"). */
export function percentDiscount(percent: number | string): Discount {
	const bp = typeof percent === 'string' ? parsePercent(percent) : percent;
	if (bp === null) throw new CartError('invalid_discount', `not a percent: ${String(percent)}`);
	const d: Discount = { kind: 'percent', bp };
	assertDiscount(d);
	return d;
}

// ---- lines -----------------------------------------------------------------------------------

function replaceLine(cart: Cart, lineId: string, f: (line: CartLine) => CartLine | null): Cart {
	const index = cart.lines.findIndex((l) => l.lineId === lineId);
	if (index < 0) throw new CartError('line_not_found', `no line ${lineId}`);
	const next = f(cart.lines[index] as CartLine);
	const lines = next
		? cart.lines.map((l, i) => (i === index ? next : l))
		: cart.lines.filter((_, i) => i !== index);
	const result = { ...cart, lines };
	totals(result); // refuses a cart whose sums would overflow
	return result;
}

function appendLine(cart: Cart, line: Omit<CartLine, 'lineId'>): Cart {
	if (cart.lines.length >= MAX_CART_LINES)
		throw new CartError('too_many_lines', `a sale holds at most ${MAX_CART_LINES} lines`);
	const barcode = line.barcode && line.barcode.length <= MAX_LINE_BARCODE ? line.barcode : null;
	const result: Cart = {
		...cart,
		lines: [...cart.lines, { lineId: `L${cart.nextLine}`, ...line, barcode }],
		nextLine: cart.nextLine + 1
	};
	totals(result);
	return result;
}

/**
 * Adds one unit of a catalog product. Scanning the same product again adds to its line (the
 * latest line of that product at the catalog price); a line whose price was changed stays apart.
 */
export function addProduct(cart: Cart, product: CartProduct, quantity = 1): Cart {
	assertPrice(product.price);
	assertQuantity(quantity);
	const existing = cart.lines.findLast(
		(l) => l.productId === product.id && l.unitPrice === product.price
	);
	if (existing) {
		return replaceLine(cart, existing.lineId, (l) => {
			const q = l.quantity + quantity;
			assertQuantity(q);
			return { ...l, quantity: q };
		});
	}
	return appendLine(cart, {
		productId: product.id,
		name: product.name,
		barcode: product.barcode ?? null,
		unitPrice: product.price,
		quantity,
		discount: null
	});
}

/** An item not in the catalog (or an unknown barcode): always a line of its own. */
export function addOpenPriceItem(
	cart: Cart,
	item: { name: string; unitPrice: Fen; quantity?: number; barcode?: string | null }
): Cart {
	const name = item.name.trim();
	if (!name) throw new CartError('empty_name', 'an open-price item needs a name');
	if (name.length > MAX_LINE_NAME)
		throw new CartError('name_too_long', `a name is at most ${MAX_LINE_NAME} characters`);
	assertPrice(item.unitPrice);
	const quantity = item.quantity ?? 1;
	assertQuantity(quantity);
	return appendLine(cart, {
		productId: null,
		name,
		barcode: item.barcode ?? null,
		unitPrice: item.unitPrice,
		quantity,
		discount: null
	});
}

/** Sets the quantity; 0 removes the line. */
export function setQuantity(cart: Cart, lineId: string, quantity: number): Cart {
	if (quantity === 0) return removeLine(cart, lineId);
	assertQuantity(quantity);
	return replaceLine(cart, lineId, (l) => ({ ...l, quantity }));
}

/** +1 / −1 (or any step); reaching 0 removes the line. */
export function changeQuantity(cart: Cart, lineId: string, by: number): Cart {
	const line = cart.lines.find((l) => l.lineId === lineId);
	if (!line) throw new CartError('line_not_found', `no line ${lineId}`);
	return setQuantity(cart, lineId, Math.max(0, line.quantity + by));
}

export function removeLine(cart: Cart, lineId: string): Cart {
	return replaceLine(cart, lineId, () => null);
}

/** Sets (or with null clears) a line discount. An amount above the line amount is refused. */
export function setLineDiscount(cart: Cart, lineId: string, discount: Discount | null): Cart {
	if (discount) assertDiscount(discount);
	return replaceLine(cart, lineId, (l) => {
		if (discount?.kind === 'amount' && discount.fen > mulFen(l.unitPrice, l.quantity)) {
			throw new CartError('discount_exceeds', 'discount is more than the line amount');
		}
		return { ...l, discount };
	});
}

/** Sets (or clears) the whole-sale discount. An amount above the subtotal is refused. */
export function setSaleDiscount(cart: Cart, discount: Discount | null): Cart {
	if (discount) {
		assertDiscount(discount);
		if (discount.kind === 'amount' && discount.fen > totals(cart).subtotal) {
			throw new CartError('discount_exceeds', 'discount is more than the subtotal');
		}
	}
	return { ...cart, discount };
}

export function isEmpty(cart: Cart): boolean {
	return cart.lines.length === 0;
}

// ---- totals ----------------------------------------------------------------------------------

export interface PricedLine extends CartLine {
	/** unitPrice × quantity. */
	readonly gross: Fen;
	/** The line discount in fen (percent resolved, clamped to gross). */
	readonly discountFen: Fen;
	/** gross − discountFen. */
	readonly total: Fen;
}

export interface CartTotals {
	readonly lines: readonly PricedLine[];
	/** Units in the cart. */
	readonly itemCount: number;
	/** Sum of unitPrice × quantity before any discount. */
	readonly gross: Fen;
	/** Sum of line discounts. */
	readonly lineDiscount: Fen;
	/** Sum of line totals (after line discounts): Sale.subtotal. */
	readonly subtotal: Fen;
	/** Whole-sale discount in fen: Sale.discount. */
	readonly discount: Fen;
	/** subtotal − discount: what the tenders must cover. */
	readonly total: Fen;
}

export function priceLine(line: CartLine): PricedLine {
	const gross = mulFen(line.unitPrice, line.quantity);
	const discountFen = resolveDiscount(line.discount, gross);
	return { ...line, gross, discountFen, total: gross - discountFen };
}

export function totals(cart: Cart): CartTotals {
	const lines = cart.lines.map(priceLine);
	let gross = 0;
	let lineDiscount = 0;
	let subtotal = 0;
	let itemCount = 0;
	for (const l of lines) {
		gross = addFen(gross, l.gross);
		lineDiscount = addFen(lineDiscount, l.discountFen);
		subtotal = addFen(subtotal, l.total);
		itemCount = checked(itemCount + l.quantity, 'item count');
	}
	const discount = resolveDiscount(cart.discount, subtotal);
	return { lines, itemCount, gross, lineDiscount, subtotal, discount, total: subtotal - discount };
}

/** The lines of the Sale record. */
export function toSaleLines(cart: Cart): SaleLine[] {
	return totals(cart).lines.map((l) => ({
		lineId: l.lineId,
		productId: l.productId,
		name: l.name,
		barcode: l.barcode,
		unitPrice: l.unitPrice,
		quantity: l.quantity,
		discount: l.discountFen,
		total: l.total
	}));
}

/** The money fields of the Sale record: `{ ...toSaleAmounts(cart), id, number, ... }`. */
export function toSaleAmounts(cart: Cart): {
	lines: SaleLine[];
	subtotal: Fen;
	discount: Fen;
	total: Fen;
} {
	const t = totals(cart);
	return { lines: toSaleLines(cart), subtotal: t.subtotal, discount: t.discount, total: t.total };
}

// ---- tenders ---------------------------------------------------------------------------------

function assertAmount(fen: Fen, what: string): void {
	if (!Number.isSafeInteger(fen) || fen < 0) {
		throw new CartError('invalid_price', `${what} must be whole fen ≥ 0, got ${fen}`);
	}
}

const QUICK_CASH_STEPS: readonly Fen[] = [1000, 5000, 10000];
const TWENTY_YUAN: Fen = 2000;

function roundUpTo(fen: Fen, step: Fen): Fen {
	const rest = fen % step;
	return rest === 0 ? fen : checked(fen - rest + step, 'amount');
}

/**
 * Amounts for the quick-cash buttons: the exact amount, then what a customer hands over in notes:
 * the next multiple of ¥10, ¥50 and ¥100 at or above the due amount, plus a single ¥20 note
 * when it covers the due. ¥23.45 → [23.45, 30, 50, 100]; ¥12 → [12, 20, 50, 100];
 * ¥123.45 → [123.45, 130, 150, 200]. Multiples of ¥20 (¥40, ¥60) are left out: they
 * crowd the row and are rarely handed over. Empty for nothing due.
 */
export function quickCashAmounts(due: Fen): Fen[] {
	assertAmount(due, 'due');
	if (due === 0) return [];
	const amounts = new Set<Fen>([due]);
	for (const step of QUICK_CASH_STEPS) {
		if (step === 5000 && due <= TWENTY_YUAN) amounts.add(TWENTY_YUAN);
		amounts.add(roundUpTo(due, step));
	}
	return [...amounts].sort((a, b) => a - b);
}

/** Sum of tender amounts (the part of the sale each pays). */
export function tenderedSoFar(tenders: readonly Pick<Tender, 'amount'>[]): Fen {
	let paid = 0;
	for (const t of tenders) {
		assertAmount(t.amount, 'tender amount');
		paid = addFen(paid, t.amount);
	}
	return paid;
}

/** What is still due after the tenders so far (split payment); 0 once covered. */
export function remainingDue(total: Fen, tenders: readonly Pick<Tender, 'amount'>[]): Fen {
	assertAmount(total, 'total');
	return Math.max(0, total - tenderedSoFar(tenders));
}

/**
 * The cash tender for `handed` fen against `due`: pays at most what is due, the rest is change.
 * A part-payment (handed < due) leaves the remainder for the next tender.
 */
export function cashTender(due: Fen, handed: Fen): Extract<Tender, { kind: 'cash' }> {
	assertAmount(due, 'due');
	assertAmount(handed, 'tendered');
	const amount = Math.min(due, handed);
	return { kind: 'cash', amount, tendered: handed, change: handed - amount };
}
