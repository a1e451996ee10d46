/**
 * Taking payment at the till in Node (fake-indexeddb, a fake server): the sale recorded with its
 * outbox row before "done", payment codes charged once and only when they may be, a charge whose
 * POST got no answer asked about with the same order_no, and two tabs restored from one draft.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { recordChargeStarted } from '$lib/offline/device-charges';
import type { FetchLike } from '$lib/offline/api-client';
import type { ChargeView } from '$lib/domain/charge';
import { chargeView } from '../../helpers/factories';
import { TillHarness, WECHAT_PAID } from './till-harness';

const till = new TillHarness();
beforeEach(() => till.setUp());
afterEach(() => till.tearDown());

describe('paying', () => {
	test('cash with change: the sale is recorded with its outbox row before "done"', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		await session.handleScan('6901234560015');
		expect(await session.checkout.payCash(1000)).toBe(true);
		const sale = session.sale.lastSale!;
		expect(sale).toMatchObject({
			cashier: '小王',
			subtotal: 550,
			total: 550,
			tenders: [{ kind: 'cash', amount: 550, tendered: 1000, change: 450 }]
		});
		expect(sale.number).toMatch(/^T1-\d{8}-0001$/);
		expect(await till.db.sales.get(sale.id)).toMatchObject({ syncState: 'queued' });
		expect(await till.db.outbox.count()).toBe(1);
		// a fresh sale starts
		expect(session.sale.cart.lines).toEqual([]);
		expect(session.sale.id).not.toBe(sale.id);
	});

	test('cash more than ¥10,000 over what is due (a barcode in the cash field) is refused, nothing recorded', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		expect(await session.checkout.payCash(690_123_456_789_200)).toBe(false);
		expect(session.notices.current).toMatchObject({ tone: 'error', key: 'tender.tooMuch' });
		expect(session.sale.tenders).toEqual([]);
		expect(await till.db.sales.count()).toBe(0);
		// ¥10,000 of change is still a sale
		expect(await session.checkout.payCash(350 + 1_000_000)).toBe(true);
		expect(session.sale.lastSale!.tenders).toEqual([
			{ kind: 'cash', amount: 350, tendered: 1_000_350, change: 1_000_000 }
		]);
		// nor more cash than a sale may hold (MAX_FEN), though the change is under ¥10,000
		expect(session.sale.addOpenPrice('整车货', 9_999_999_900)).toBe(true);
		expect(await session.checkout.payCash(10_000_500_000)).toBe(false);
		expect(session.sale.tenders).toEqual([]);
	});

	test('a payment code charges the total; the sale carries the charge id and wallet', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		await session.handleScan(WECHAT_PAID);
		expect(till.server.posts).toHaveLength(1);
		expect(till.server.posts[0]).toMatchObject({ amount: '3.50', auth_code: WECHAT_PAID });
		const orderNo = till.server.posts[0]!.order_no as string;
		expect(orderNo).toMatch(/^T18F2B\d{14}0001[0-9A-Z]{4}$/);
		const sale = session.sale.lastSale!;
		expect(sale.tenders).toEqual([
			{
				kind: 'payment_code',
				amount: 350,
				orderNo,
				chargeId: `ch_${orderNo.slice(-6)}`,
				wallet: 'wechat'
			}
		]);
		expect((await till.db.charges.get(orderNo))?.state).toBe('recorded');
	});

	test('the charge subject carries no control characters, whatever the product names hold', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560039');
		await session.handleScan(WECHAT_PAID);
		expect(till.server.posts[0]!.subject).toMatch(/薯片 原味 70g$/);
		expect(session.sale.lastSale?.tenders[0]).toMatchObject({ kind: 'payment_code', amount: 600 });
	});

	test('split: part cash, the rest by payment code', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		await session.handleScan('6901234560015');
		expect(await session.checkout.payCash(200)).toBe(true);
		expect(session.sale.due).toBe(350);
		expect(session.sale.lastSale).toBeNull();
		await session.handleScan(WECHAT_PAID);
		expect(till.server.posts[0]).toMatchObject({ amount: '3.50' });
		expect(session.sale.lastSale?.tenders.map((t) => [t.kind, t.amount])).toEqual([
			['cash', 200],
			['payment_code', 350]
		]);
	});

	test('split: a smaller payment-code amount first, then cash for the rest', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		session.checkout.paymentCodeAmount = 100;
		await session.handleScan(WECHAT_PAID);
		expect(till.server.posts[0]).toMatchObject({ amount: '1.00' });
		expect(session.sale.due).toBe(250);
		session.checkout.dismissPayment();
		await session.checkout.payCash(500);
		expect(session.sale.lastSale?.tenders).toMatchObject([
			{ kind: 'payment_code', amount: 100 },
			{ kind: 'cash', amount: 250, tendered: 500, change: 250 }
		]);
	});

	test('no answer to the POST: unknown, the same order_no again, and another code is refused meanwhile', async () => {
		till.server.postReplies = ['network', { status: 502, body: {} }];
		// Hold the third POST until the cashier has tried a second payment code.
		let release!: () => void;
		const gate = new Promise<void>((r) => (release = r));
		const realFetch = till.server.fetch;
		let posts = 0;
		till.server.fetch = async (input, init) => {
			if (String(input).endsWith('/api/charges') && ++posts === 3) await gate;
			return realFetch(input, init);
		};
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		const paying = session.handleScan(WECHAT_PAID);
		await expect.poll(() => posts).toBe(3);
		expect(session.checkout.payment).toMatchObject({ phase: 'unknown', postUnanswered: true });
		await session.handleScan('134567890123456799');
		expect(session.notices.current?.key).toBe('payment.unknown');
		release();
		await paying;
		expect(session.sale.lastSale?.tenders[0]).toMatchObject({ kind: 'payment_code', amount: 350 });
		expect(till.server.posts).toHaveLength(3);
		expect(new Set(till.server.posts.map((p) => p.order_no)).size).toBe(1);
		expect(till.server.posts.every((p) => p.auth_code === WECHAT_PAID)).toBe(true);
		expect(await till.db.charges.count()).toBe(1);
	});

	test('refused: the cart stays, and the cashier can take cash instead', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		till.server.postReplies = [
			{
				status: 200,
				body: chargeView({
					order_no: 'x',
					state: 'failed',
					amount: '3.50',
					failure: '余额不足 (insufficient balance)',
					failure_code: 'refused'
				})
			}
		];
		await session.handleScan('134567890123456704');
		expect(session.checkout.payment).toMatchObject({
			phase: 'failed',
			failure: { kind: 'charge_failed', code: 'refused', reason: '余额不足 (insufficient balance)' }
		});
		expect(session.sale.cart.lines).toHaveLength(1);
		expect(session.sale.tenders).toEqual([]);
		session.checkout.dismissPayment();
		await session.checkout.payCash(350);
		expect(session.sale.lastSale?.tenders).toMatchObject([{ kind: 'cash', amount: 350 }]);
	});

	test('a reload mid-payment restores the cart and resumes the charge until paid', async () => {
		// The POST reaches the till.server, which stores the charge, but the page goes away before
		// the answer comes back.
		const realFetch = till.leaveChargePostsUnanswered();
		const first = await till.startSession();
		await first.handleScan('6901234560022');
		void first.handleScan(WECHAT_PAID);
		await expect.poll(() => till.server.posts.length).toBe(1);
		const orderNo = till.server.posts[0]!.order_no as string;
		await first.destroy();
		expect((await till.db.charges.get(orderNo))?.state).toBe('pending');
		till.server.fetch = realFetch;

		// The till.server did store it and Teegon paid it meanwhile.
		till.server.setState(orderNo, 'paid');
		const second = await till.startSession();
		// The restored cart is what gets paid: the resumed charge may finish before this line
		// runs, so the finished sale is where the restored lines are looked for.
		await expect
			.poll(() => second.sale.lastSale?.lines.map((l) => l.name))
			.toEqual(['可口可乐 330ml']);
		await expect
			.poll(() => second.sale.lastSale?.tenders[0])
			.toMatchObject({
				kind: 'payment_code',
				orderNo,
				chargeId: 'ch_late'
			});
		expect((await till.db.charges.get(orderNo))?.state).toBe('recorded');
		expect(till.server.gets[0]).toBe(`${orderNo}?`);
	});
});

describe("the server's limit of tenders", () => {
	test('the 20th payment must pay the rest: a smaller one is refused, the rest is taken', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022'); // ¥3.50
		for (let i = 0; i < 19; i++) expect(await session.checkout.payCash(1)).toBe(true);
		expect(await session.checkout.payCash(1)).toBe(false);
		expect(session.notices.current?.key).toBe('till.tooManyTenders');
		expect(session.sale.tenders).toHaveLength(19);
		expect(await session.checkout.payCash(1000)).toBe(true);
		expect(session.sale.lastSale?.tenders).toHaveLength(20);
	});
});

describe('charges left open on the device', () => {
	const view = (orderNo: string, state: ChargeView['state']): ChargeView =>
		chargeView({
			order_no: orderNo,
			state,
			amount: '3.50',
			charge_id: null,
			created_at: new Date().toISOString(),
			deadline_at: new Date(Date.now() + 60_000).toISOString()
		});

	test('a record left pending (its last write failed) is asked about, not a block for good', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		// The till.server knows the charge failed; the device's write of that was lost.
		await recordChargeStarted(till.db, {
			orderNo: 'T1-OLD-1',
			saleDraftId: session.sale.id,
			amount: 350
		});
		till.server.charges.set('T1-OLD-1', view('T1-OLD-1', 'failed'));
		await session.handleScan(WECHAT_PAID);
		expect(till.server.posts).toHaveLength(0); // not beside a charge that might be paid
		expect((await till.db.charges.get('T1-OLD-1'))?.state).toBe('failed'); // found out
		await session.handleScan(WECHAT_PAID);
		expect(till.server.posts).toHaveLength(1);
		expect(session.sale.lastSale?.tenders).toMatchObject([{ kind: 'payment_code', amount: 350 }]);
	});

	test('a code scanned the moment the till is ready waits for the charge being resumed', async () => {
		// A charge of a sale no longer on the till, still unknown at the till.server.
		await recordChargeStarted(till.db, { orderNo: 'T1-LOST-1', saleDraftId: 'gone', amount: 350 });
		till.server.charges.set('T1-LOST-1', view('T1-LOST-1', 'unknown'));
		// A long poll is held by the server: here for a few ms, not answered in a tight loop.
		const held: FetchLike = async (input, init) => {
			if (/\/api\/charges\/[^/]+/.test(String(input))) await new Promise((r) => setTimeout(r, 5));
			return till.server.fetch(input, init);
		};
		const session = till.newSession({ fetch: held });
		await session.start();
		expect(session.checkout.payment?.orderNo).toBe('T1-LOST-1'); // on screen as soon as ready
		await session.pullCatalog();
		await session.handleScan('6901234560022');
		await session.handleScan(WECHAT_PAID);
		expect(till.server.posts).toHaveLength(0);
		// Still being asked about (checking), or said unknown by the server: refused either way.
		expect(['payment.unknown', 'scan.paymentCodeBusy']).toContain(session.notices.current?.key);
	});
});

describe('two tabs on one device', () => {
	test("both restored from one draft: each tab's sale is recorded, neither is lost", async () => {
		const a = await till.startSession();
		await a.handleScan('6901234560015'); // water ¥2.00, saved as the draft
		const b = await till.startSession(); // opened later: the same draft, the same sale id
		expect(b.sale.id).toBe(a.sale.id);
		await b.handleScan('6901234560022'); // + cola ¥3.50
		expect(await b.checkout.payCash(550)).toBe(true);
		expect(await a.checkout.payCash(200)).toBe(true);
		const stored = (await till.db.sales.toArray()).map((r) => r.sale.total).sort((x, y) => x - y);
		expect(stored).toEqual([200, 550]);
		expect(a.sale.lastSale?.total).toBe(200);
		expect(await till.db.outbox.count()).toBe(2);
	});

	test('a sale recorded just before the tab died is not recorded again from its draft', async () => {
		// The draft as saved with its payment, just before the sale was recorded.
		let paidDraft: string | null = null;
		const setItem = till.storage.setItem.bind(till.storage);
		till.storage.setItem = (key, value) => {
			if (key === 'till.draft' && value.includes('"tenders":[{')) paidDraft = value;
			setItem(key, value);
		};
		const first = await till.startSession();
		await first.handleScan('6901234560015');
		expect(await first.checkout.payCash(200)).toBe(true);
		// The tab died after the sale was stored, before the draft was cleared.
		till.storage.setItem('till.draft', paidDraft!);
		const again = await till.startSession();
		expect(again.sale.tenders).toHaveLength(1);
		expect(await again.checkout.complete()).toBe(true);
		expect(await till.db.sales.count()).toBe(1);
		expect(again.sale.lastSale?.number).toBe(first.sale.lastSale?.number);
	});

	test('but money taken again for a restored draft is a sale of its own', async () => {
		const first = await till.startSession();
		await first.handleScan('6901234560015');
		const unpaidDraft = till.storage.getItem('till.draft');
		expect(await first.checkout.payCash(200)).toBe(true);
		// A draft from before the payment comes back (its save after the payment was lost), and the
		// cashier takes ¥2 for it again: that is ¥2 more in the drawer, recorded.
		till.storage.setItem('till.draft', unpaidDraft!);
		const again = await till.startSession();
		expect(await again.checkout.payCash(200)).toBe(true);
		expect(await till.db.sales.count()).toBe(2);
	});
});

describe('one sale, one charge at a time', () => {
	test('the same payment code read twice at once: one order, one charge, the sale paid', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		// The page does not wait for one scan before handling the next.
		await Promise.all([session.handleScan(WECHAT_PAID), session.handleScan(WECHAT_PAID)]);
		expect(new Set(till.server.posts.map((p) => p.order_no)).size).toBe(1);
		expect(session.sale.lastSale?.tenders).toMatchObject([{ kind: 'payment_code', amount: 350 }]);
	});

	test('cash while a payment code is being started is refused; the code pays the sale', async () => {
		const session = await till.startSession();
		await session.handleScan('6901234560022');
		const paying = session.handleScan(WECHAT_PAID);
		expect(session.checkout.paymentActive).toBe(true);
		expect(session.sale.locked).toBe(true);
		expect(await session.checkout.payCash(350)).toBe(false);
		await paying;
		expect(session.sale.lastSale?.tenders).toMatchObject([{ kind: 'payment_code', amount: 350 }]);
		expect(till.server.posts).toHaveLength(1);
	});

	test('a payment code scanned while the till is still starting is refused and stored nowhere', async () => {
		let answerMe!: () => void;
		const me = new Promise<void>((r) => (answerMe = r));
		const realFetch = till.server.fetch;
		till.server.fetch = async (input, init) => {
			if (String(input).endsWith('/api/me')) await me;
			return realFetch(input, init);
		};
		const session = till.newSession();
		const starting = session.start();
		await new Promise((r) => setTimeout(r, 5));
		expect(session.ready).toBe(false);
		await session.handleScan(WECHAT_PAID);
		expect(session.notices.current?.key).toBe('scan.paymentCodeNotReady');
		answerMe();
		await starting;
		expect(till.server.posts).toEqual([]);
		expect(await till.db.charges.count()).toBe(0);
	});

	test('after a reload mid-payment, a new code for the restored sale is refused while the first is open', async () => {
		// The first page's POST is stored by the till.server as unknown; the page goes away unanswered.
		const realFetch = till.leaveChargePostsUnanswered();
		const first = await till.startSession();
		await first.handleScan('6901234560022');
		void first.handleScan(WECHAT_PAID);
		await expect.poll(() => till.server.posts.length).toBe(1);
		const orderNo = till.server.posts[0]!.order_no as string;
		till.server.setState(orderNo, 'unknown');
		await first.destroy();
		till.server.fetch = realFetch;

		const second = till.newSession();
		await second.start();
		// At once, before or while the first charge is resumed: the customer shows a new code.
		await second.handleScan('134567890123456710');
		expect(['scan.paymentStillOpen', 'payment.unknown', 'scan.paymentCodeBusy']).toContain(
			second.notices.current?.key
		);
		expect(till.server.posts.map((p) => p.order_no)).toEqual([orderNo]);
		// Once the first is known to be paid, it pays the restored sale.
		till.server.setState(orderNo, 'paid');
		await expect
			.poll(() => second.sale.lastSale?.tenders)
			.toMatchObject([{ kind: 'payment_code', orderNo }]);
		expect(till.server.posts).toHaveLength(1);
	});
});
