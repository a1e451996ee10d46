import { describe, expect, test } from 'vitest';
import { parseYuan } from '$lib/domain/money';
import {
	addOpenPriceItem,
	addProduct,
	amountDiscount,
	CartError,
	cashTender,
	changeQuantity,
	emptyCart,
	formatPercent,
	MAX_QUANTITY,
	parsePercent,
	percentDiscount,
	percentOf,
	quickCashAmounts,
	remainingDue,
	removeLine,
	setLineDiscount,
	setQuantity,
	setSaleDiscount,
	toSaleAmounts,
	toSaleLines,
	totals,
	type Cart,
	type CartErrorCode,
	type CartProduct
} from '$lib/till/cart';

const cola: CartProduct = {
	id: 'p-cola',
	name: '可口可乐 330ml',
	price: 350,
	barcode: '6901234567892'
};
const gum: CartProduct = { id: 'p-gum', name: '口香糖', price: 10 };

function fen(yuan: string): number {
	const f = parseYuan(yuan);
	if (f === null) throw new Error(`bad yuan ${yuan}`);
	return f;
}

function expectCartError(f: () => unknown, code: CartErrorCode): void {
	let caught: unknown;
	try {
		f();
	} catch (e) {
		caught = e;
	}
	expect(caught).toBeInstanceOf(CartError);
	expect((caught as CartError).code).toBe(code);
}

function lineId(cart: Cart, index = 0): string {
	const line = cart.lines[index];
	if (!line) throw new Error(`no line ${index}`);
	return line.lineId;
}

describe('adding items', () => {
	test('same product again increments its quantity', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = addProduct(cart, gum);
		cart = addProduct(cart, cola);
		expect(cart.lines.map((l) => [l.productId, l.quantity])).toEqual([
			['p-cola', 2],
			['p-gum', 1]
		]);
		expect(totals(cart).total).toBe(710);
		expect(totals(cart).itemCount).toBe(3);
	});

	test('3 × ¥0.10 is exactly 30 fen', () => {
		let cart = emptyCart();
		for (let i = 0; i < 3; i++) cart = addProduct(cart, gum);
		expect(totals(cart)).toMatchObject({ subtotal: 30, discount: 0, total: 30 });
	});

	test('¥0.10 + ¥0.20 is 30 fen, not 0.30000000000000004', () => {
		let cart = addOpenPriceItem(emptyCart(), { name: 'a', unitPrice: fen('0.1') });
		cart = addOpenPriceItem(cart, { name: 'b', unitPrice: fen('0.2') });
		expect(totals(cart).total).toBe(30);
	});

	test('open-price items are lines of their own, even with the same name', () => {
		let cart = addOpenPriceItem(emptyCart(), { name: ' 散装糖果 ', unitPrice: 1234 });
		cart = addOpenPriceItem(cart, { name: '散装糖果', unitPrice: 1234, barcode: '2000000000015' });
		expect(cart.lines).toHaveLength(2);
		expect(cart.lines[0]).toMatchObject({ productId: null, name: '散装糖果', barcode: null });
		expect(cart.lines[1]?.barcode).toBe('2000000000015');
	});

	test('open-price item needs a name and a valid price', () => {
		expectCartError(
			() => addOpenPriceItem(emptyCart(), { name: '  ', unitPrice: 100 }),
			'empty_name'
		);
		expectCartError(
			() => addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: -1 }),
			'invalid_price'
		);
		expectCartError(
			() => addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: 1.5 }),
			'invalid_price'
		);
	});

	test('line ids stay unique after removals', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = addProduct(cart, gum);
		cart = removeLine(cart, lineId(cart, 0));
		cart = addProduct(cart, cola);
		const ids = cart.lines.map((l) => l.lineId);
		expect(new Set(ids).size).toBe(ids.length);
	});

	test('a line at an older price is not merged with a scan at the new catalog price', () => {
		// The catalog sync brought a new price in the middle of the sale.
		let cart = addProduct(emptyCart(), { ...cola, price: 300 });
		cart = addProduct(cart, cola);
		expect(cart.lines.map((l) => [l.unitPrice, l.quantity])).toEqual([
			[300, 1],
			[350, 1]
		]);
	});

	test('operations do not mutate the previous cart', () => {
		const before = addProduct(emptyCart(), cola);
		const snapshot = structuredClone(before);
		addProduct(before, cola);
		setQuantity(before, lineId(before), 5);
		expect(before).toEqual(snapshot);
	});
});

describe('quantities', () => {
	test('+, − and set; 0 removes the line', () => {
		let cart = addProduct(emptyCart(), cola);
		const id = lineId(cart);
		cart = changeQuantity(cart, id, +1);
		expect(cart.lines[0]?.quantity).toBe(2);
		cart = setQuantity(cart, id, 7);
		expect(cart.lines[0]?.quantity).toBe(7);
		cart = changeQuantity(cart, id, -1);
		expect(cart.lines[0]?.quantity).toBe(6);
		cart = setQuantity(cart, id, 0);
		expect(cart.lines).toHaveLength(0);
	});

	test('− on a quantity of 1 removes the line', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = changeQuantity(cart, lineId(cart), -1);
		expect(totals(cart).total).toBe(0);
		expect(cart.lines).toHaveLength(0);
	});

	test('quantity must be a whole number from 1 to 9999', () => {
		const cart = addProduct(emptyCart(), cola);
		const id = lineId(cart);
		expectCartError(() => setQuantity(cart, id, 1.5), 'invalid_quantity');
		expectCartError(() => setQuantity(cart, id, -2), 'invalid_quantity');
		expectCartError(() => setQuantity(cart, id, MAX_QUANTITY + 1), 'invalid_quantity');
		expectCartError(() => setQuantity(cart, id, Number.NaN), 'invalid_quantity');
		expect(setQuantity(cart, id, MAX_QUANTITY).lines[0]?.quantity).toBe(9999);
		const full = setQuantity(cart, id, MAX_QUANTITY);
		expectCartError(() => changeQuantity(full, id, 1), 'invalid_quantity');
		expectCartError(() => addProduct(full, cola), 'invalid_quantity');
	});

	test('unknown line', () => {
		expectCartError(() => setQuantity(emptyCart(), 'L9', 2), 'line_not_found');
		expectCartError(() => removeLine(emptyCart(), 'L9'), 'line_not_found');
	});
});

describe('percent parsing and rounding', () => {
	test.each([
		['10', 1000],
		['12.5', 1250],
		['12.34', 1234],
		['0', 0],
		['100', 10000],
		['100%', 10000],
		[' 7.05 ', 705],
		['８.５％', null], // full-width digits are not accepted; the till's keypad sends ASCII
		['12.345', null],
		['100.01', null],
		['-5', null],
		['1e2', null],
		['', null],
		['abc', null]
	])('parsePercent(%j) = %j', (text, bp) => {
		expect(parsePercent(text)).toBe(bp);
	});

	test('formatPercent', () => {
		expect([1000, 1250, 1234, 705, 0, 10000].map(formatPercent)).toEqual([
			'10',
			'12.5',
			'12.34',
			'7.05',
			'0',
			'100'
		]);
	});

	test.each([
		// base fen, bp, expected fen: round half up to the fen
		[1000, 1000, 100], // 10% of ¥10.00
		[999, 1000, 100], // 99.9 → 100
		[995, 1000, 100], // 99.5 → 100 (half up)
		[994, 1000, 99], // 99.4 → 99
		[5, 5000, 3], // 2.5 → 3
		[1, 4999, 0], // 0.4999 → 0
		[1, 5000, 1], // 0.5 → 1
		[333, 3333, 111], // 110.9889 → 111
		[2345, 1250, 293], // 293.125 → 293
		[2347, 1250, 293], // 293.375 → 293
		[2348, 1250, 294], // 293.5 → 294
		[123, 10000, 123],
		[123, 0, 0]
	])('percentOf(%i fen, %i bp) = %i fen', (base, bp, expected) => {
		expect(percentOf(base, bp)).toBe(expected);
	});

	test('percentOf is exact for the largest safe amounts', () => {
		const max = Number.MAX_SAFE_INTEGER; // 9007199254740991
		expect(percentOf(max, 10000)).toBe(max);
		// 9007199254740991 × 0.5 = 4503599627370495.5 → ...496
		expect(percentOf(max, 5000)).toBe(4503599627370496);
	});

	test('percentDiscount from text or basis points; out of range refused', () => {
		expect(percentDiscount('12.5')).toEqual({ kind: 'percent', bp: 1250 });
		expect(percentDiscount(1250)).toEqual({ kind: 'percent', bp: 1250 });
		expectCartError(() => percentDiscount('101'), 'invalid_discount');
		expectCartError(() => percentDiscount(10001), 'invalid_discount');
		expectCartError(() => percentDiscount(12.5), 'invalid_discount');
		expectCartError(() => amountDiscount(-1), 'invalid_discount');
		expectCartError(() => amountDiscount(0.5), 'invalid_discount');
	});
});

describe('discounts', () => {
	test('line amount discount and line percent discount', () => {
		let cart = addProduct(emptyCart(), { ...cola, price: 333 });
		cart = setQuantity(cart, lineId(cart), 3); // 999
		cart = addProduct(cart, gum); // 10
		cart = setLineDiscount(cart, lineId(cart, 0), percentDiscount('10')); // 99.9 → 100
		cart = setLineDiscount(cart, lineId(cart, 1), amountDiscount(3));
		const t = totals(cart);
		expect(t.lines.map((l) => [l.gross, l.discountFen, l.total])).toEqual([
			[999, 100, 899],
			[10, 3, 7]
		]);
		expect(t).toMatchObject({
			gross: 1009,
			lineDiscount: 103,
			subtotal: 906,
			discount: 0,
			total: 906
		});
	});

	test('whole-sale percent discount applies to the subtotal after line discounts', () => {
		let cart = addOpenPriceItem(emptyCart(), { name: 'a', unitPrice: 1000 });
		cart = addOpenPriceItem(cart, { name: 'b', unitPrice: 1345 });
		cart = setLineDiscount(cart, lineId(cart, 0), amountDiscount(100)); // subtotal 2245
		cart = setSaleDiscount(cart, percentDiscount('5')); // 112.25 → 112
		expect(totals(cart)).toMatchObject({ subtotal: 2245, discount: 112, total: 2133 });
	});

	test('whole-sale percent rounds half up', () => {
		let cart = addOpenPriceItem(emptyCart(), { name: 'a', unitPrice: 2350 });
		cart = setSaleDiscount(cart, percentDiscount('2.5')); // 58.75 → 59
		expect(totals(cart)).toMatchObject({ discount: 59, total: 2291 });
		cart = setSaleDiscount(cart, percentDiscount(150)); // 1.5% of 2350 = 35.25 → 35
		expect(totals(cart).discount).toBe(35);
	});

	test('100% off is the whole amount, never more', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = setLineDiscount(cart, lineId(cart), percentDiscount('100'));
		expect(totals(cart)).toMatchObject({ subtotal: 0, total: 0 });
	});

	test('an amount discount above the line or the subtotal is refused', () => {
		const cart = addProduct(emptyCart(), cola); // 350
		expectCartError(
			() => setLineDiscount(cart, lineId(cart), amountDiscount(351)),
			'discount_exceeds'
		);
		expect(totals(setLineDiscount(cart, lineId(cart), amountDiscount(350))).total).toBe(0);
		expectCartError(() => setSaleDiscount(cart, amountDiscount(351)), 'discount_exceeds');
		expect(totals(setSaleDiscount(cart, amountDiscount(350))).total).toBe(0);
	});

	test('a discount that outgrows its amount after a change is clamped, never negative', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = setQuantity(cart, lineId(cart), 3); // 1050
		cart = setLineDiscount(cart, lineId(cart), amountDiscount(1000));
		cart = setQuantity(cart, lineId(cart), 1); // 350 < 1000
		expect(totals(cart).lines[0]).toMatchObject({ gross: 350, discountFen: 350, total: 0 });

		let sale = addProduct(emptyCart(), cola);
		sale = addProduct(sale, gum);
		sale = setSaleDiscount(sale, amountDiscount(355));
		sale = removeLine(sale, lineId(sale, 0)); // subtotal 10
		expect(totals(sale)).toMatchObject({ subtotal: 10, discount: 10, total: 0 });
	});

	test('clearing discounts', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = setLineDiscount(cart, lineId(cart), amountDiscount(50));
		cart = setSaleDiscount(cart, percentDiscount('10'));
		cart = setLineDiscount(cart, lineId(cart), null);
		cart = setSaleDiscount(cart, null);
		expect(totals(cart)).toMatchObject({ lineDiscount: 0, discount: 0, total: 350 });
	});
});

describe('overflow guard', () => {
	test('a line amount beyond what a sale may carry is refused', () => {
		const huge = addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: 1e10 });
		expectCartError(() => setQuantity(huge, lineId(huge), 2), 'overflow');
		expect(totals(huge).total).toBe(1e10);
	});

	test('a cart whose sum is beyond what a sale may carry is refused', () => {
		const big = 1e10 - 10;
		const cart = addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: big });
		expectCartError(() => addOpenPriceItem(cart, { name: 'y', unitPrice: 11 }), 'overflow');
		expect(totals(addOpenPriceItem(cart, { name: 'y', unitPrice: 10 })).total).toBe(1e10);
	});

	test('a price that is not a safe integer is refused', () => {
		expectCartError(
			() => addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: 2 ** 53 }),
			'invalid_price'
		);
		expectCartError(() => addProduct(emptyCart(), { ...cola, price: Number.NaN }), 'invalid_price');
	});
});

describe('Sale record', () => {
	test('toSaleLines: total = unitPrice × quantity − discount', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = setQuantity(cart, lineId(cart), 4); // 1400
		cart = setLineDiscount(cart, lineId(cart), percentDiscount('12.5')); // 175
		cart = addOpenPriceItem(cart, { name: '袋子', unitPrice: 20 });
		const lines = toSaleLines(cart);
		expect(lines).toEqual([
			{
				lineId: 'L1',
				productId: 'p-cola',
				name: '可口可乐 330ml',
				barcode: '6901234567892',
				unitPrice: 350,
				quantity: 4,
				discount: 175,
				total: 1225
			},
			{
				lineId: 'L2',
				productId: null,
				name: '袋子',
				barcode: null,
				unitPrice: 20,
				quantity: 1,
				discount: 0,
				total: 20
			}
		]);
		for (const l of lines) expect(l.total).toBe(l.unitPrice * l.quantity - l.discount);
	});

	test('toSaleAmounts: subtotal is the sum of line totals; total = subtotal − discount', () => {
		let cart = addProduct(emptyCart(), cola);
		cart = addProduct(cart, gum);
		cart = setLineDiscount(cart, lineId(cart, 0), amountDiscount(50));
		cart = setSaleDiscount(cart, amountDiscount(10));
		const amounts = toSaleAmounts(cart);
		expect(amounts.subtotal).toBe(amounts.lines.reduce((s, l) => s + l.total, 0));
		expect(amounts).toMatchObject({ subtotal: 310, discount: 10, total: 300 });
	});
});

describe('tenders', () => {
	test.each([
		[2345, [2345, 3000, 5000, 10000]],
		[1200, [1200, 2000, 5000, 10000]],
		[50, [50, 1000, 2000, 5000, 10000]],
		[3000, [3000, 5000, 10000]],
		[10000, [10000]],
		[12345, [12345, 13000, 15000, 20000]],
		[1, [1, 1000, 2000, 5000, 10000]],
		[0, []]
	])('quickCashAmounts(%i)', (due, amounts) => {
		expect(quickCashAmounts(due)).toEqual(amounts);
	});

	test('split tender: remaining due after each tender', () => {
		const total = 2345;
		const first = cashTender(total, 1000); // part-payment in cash
		expect(first).toEqual({ kind: 'cash', amount: 1000, tendered: 1000, change: 0 });
		expect(remainingDue(total, [first])).toBe(1345);
		const second = {
			kind: 'payment_code' as const,
			amount: 1345,
			orderNo: 'T1x',
			chargeId: null,
			wallet: 'wechat' as const
		};
		expect(remainingDue(total, [first, second])).toBe(0);
	});

	test('cash tender with change pays at most what is due', () => {
		expect(cashTender(1345, 2000)).toEqual({
			kind: 'cash',
			amount: 1345,
			tendered: 2000,
			change: 655
		});
		expect(remainingDue(1345, [cashTender(1345, 2000)])).toBe(0);
	});
});

describe("the server's limits for a sale", () => {
	test('an open-price name up to 200 characters; longer is refused, not stored', () => {
		const ok = addOpenPriceItem(emptyCart(), { name: '面'.repeat(200), unitPrice: 100 });
		expect(ok.lines).toHaveLength(1);
		expect(() => addOpenPriceItem(ok, { name: '面'.repeat(201), unitPrice: 100 })).toThrow(
			expect.objectContaining({ code: 'name_too_long' })
		);
	});

	test('no amount above ¥100,000,000 (the server refuses the sale after it was paid)', () => {
		// checkSale (src/lib/server/sales.ts) refuses a unitPrice, line total or subtotal above it.
		const max = 100_000_000_00;
		expect(() => addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: max + 1 })).toThrow(
			expect.objectContaining({ code: 'invalid_price' })
		);
		const one = addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: 60_000_000_00 });
		expect(() => addOpenPriceItem(one, { name: 'y', unitPrice: 60_000_000_00 })).toThrow(
			expect.objectContaining({ code: 'overflow' })
		);
	});

	test('at most 500 lines', () => {
		let cart = emptyCart();
		for (let i = 0; i < 500; i++) cart = addOpenPriceItem(cart, { name: `n${i}`, unitPrice: 1 });
		expect(cart.lines).toHaveLength(500);
		expect(() => addOpenPriceItem(cart, { name: 'one more', unitPrice: 1 })).toThrow(
			expect.objectContaining({ code: 'too_many_lines' })
		);
	});
});

describe('what a line keeps of a scanned code', () => {
	test('a code up to 512 characters is kept; a longer one (a QR text) is not, the item is', () => {
		const long = 'A'.repeat(513);
		const cart = addOpenPriceItem(emptyCart(), { name: 'x', unitPrice: 100, barcode: long });
		expect(cart.lines[0]?.barcode).toBeNull();
		const ok = addOpenPriceItem(emptyCart(), {
			name: 'x',
			unitPrice: 100,
			barcode: 'B'.repeat(512)
		});
		expect(ok.lines[0]?.barcode).toHaveLength(512);
	});
});
