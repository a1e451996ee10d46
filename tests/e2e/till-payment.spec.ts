/**
 * Payment-code sales against the sandbox gateway, one per outcome (README, "The sandbox
 * gateway"): what the cashier sees at each step, and that a sale that was not paid stays open
 * for another way of paying. serve.mjs: confirm delay 1.5 s, slow reply 3 s, Teegon timeout
 * 1.5 s, charge deadline 8 s.
 */
import { expect, test, type Page } from '@playwright/test';
import { COLA, NOODLES, openTill, paymentCode, scan, WATER } from './till-helpers';

const state = (page: Page) => page.getByTestId('payment-state');

async function ringUp(page: Page): Promise<void> {
	await scan(page, COLA.barcode);
	await scan(page, NOODLES.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥8.00');
}

/** The sale ended paid by payment code: the done screen, the receipt, and a fresh cart. */
async function expectPaidSale(page: Page): Promise<void> {
	const done = page.getByTestId('done');
	await expect(done.getByTestId('done-paid')).toHaveText(/收款成功/);
	await expect(done.getByTestId('done-total')).toHaveText('¥8.00');
	const receipt = done.locator('.receipt');
	await expect(receipt).toContainText('微信支付');
	await expect(receipt).toContainText('天工交易号');
	await page.getByTestId('new-sale').click();
	await expect(done).toBeHidden();
	await expect(page.getByTestId('cart-total')).toHaveText('¥0.00');
}

/** Not paid: the cart is intact and cash finishes the sale. */
async function payByCashInstead(page: Page): Promise<void> {
	await page.getByTestId('payment-continue').click();
	await expect(page.getByTestId('payment')).toBeHidden();
	await expect(page.getByTestId('cart-total')).toHaveText('¥8.00');
	await page.getByTestId('pay-cash').click();
	await page.getByTestId('cash-input').fill('10');
	await expect(page.getByTestId('change-due')).toHaveText('¥2.00');
	await page.getByTestId('cash-confirm').click();
	await expect(page.getByTestId('done-change')).toHaveText('¥2.00');
	await expect(page.getByTestId('done-paid')).toHaveCount(0);
}

test.beforeEach(async ({ page }) => {
	await openTill(page);
});

test('00 paid at once: 收款成功, the receipt carries the charge', async ({ page }) => {
	await ringUp(page);
	await scan(page, paymentCode('00'));
	await expectPaidSale(page);
});

test('01 the customer confirms on the phone: a countdown, then paid', async ({ page }) => {
	await ringUp(page);
	await scan(page, paymentCode('01'));
	const waiting = page.getByTestId('payment-waiting');
	await expect(waiting).toBeVisible();
	await expect(waiting).toContainText(/等待顾客在手机上确认付款（剩余 \d+ 秒）/);
	await expect(page.getByTestId('abandon-payment')).toBeVisible();
	await expectPaidSale(page);
});

test('the browser closing the payment dialog (a second Esc, Android back) does not close it', async ({
	page
}) => {
	await ringUp(page);
	await scan(page, paymentCode('01'));
	const payment = page.getByTestId('payment');
	await expect(page.getByTestId('payment-waiting')).toBeVisible();
	// What Chrome does on a second Esc in a row, or Android's back gesture: close it natively.
	await payment.evaluate((d) => (d as HTMLDialogElement).close());
	await expect(payment).toBeVisible();
	expect(await payment.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
	await expectPaidSale(page);
});

test('above the server’s limit for one charge: the cashier is told in Chinese, nothing charged', async ({
	page
}) => {
	await scan(page, '6901234569995');
	await page.getByTestId('notice').getByTestId('notice-open-price').click();
	const dialog = page.getByTestId('open-price');
	await dialog.getByTestId('open-price-name').fill('金条');
	await dialog.getByTestId('open-price-price').fill('60000');
	await dialog.getByTestId('open-price-add').click();
	await expect(page.getByTestId('cart-total')).toHaveText('¥60000.00');
	await scan(page, paymentCode('00'));
	const payment = page.getByTestId('payment');
	await expect(payment).toContainText('收款服务不接受这个金额');
	await expect(payment).not.toContainText('must be');
	await page.getByTestId('payment-continue').click();
	await expect(page.getByTestId('cart-total')).toHaveText('¥60000.00'); // the sale stays open
});

test('02 the customer confirms, then the payment fails: the sale stays open', async ({ page }) => {
	await ringUp(page);
	await scan(page, paymentCode('02'));
	await expect(page.getByTestId('payment-waiting')).toBeVisible();
	const failed = page.getByTestId('payment-failed');
	await expect(failed).toBeVisible({ timeout: 10_000 });
	await expect(failed).toContainText('顾客的付款没有成功');
	await payByCashInstead(page);
});

test('03 the customer never confirms: given up at the deadline, the sale stays open', async ({
	page
}) => {
	await ringUp(page);
	await scan(page, paymentCode('03'));
	const waiting = page.getByTestId('payment-waiting');
	await expect(waiting).toContainText(/剩余 [5-8] 秒/);
	await expect(page.getByTestId('payment-failed')).toHaveText('顾客未在规定时间内确认付款', {
		timeout: 15_000
	});
	await payByCashInstead(page);
});

test('04 refused at once (余额不足): the reason, then another payment code pays', async ({
	page
}) => {
	await ringUp(page);
	await scan(page, paymentCode('04'));
	await expect(page.getByTestId('payment-failed')).toHaveText('余额不足');
	await expect(page.getByTestId('payment-advice')).toHaveText(
		'请顾客换一张卡或换一种付款方式，或改收现金'
	);
	// The customer shows another code (a scan is enough; the refused panel need not be closed).
	await scan(page, paymentCode('00'));
	await expectPaidSale(page);
});

test('04 refused, then 换一种方式收款: the other tenders open, cash first', async ({ page }) => {
	await ringUp(page);
	await scan(page, paymentCode('04'));
	await expect(page.getByTestId('payment-failed')).toBeVisible();
	await page.getByTestId('payment-continue').click();
	await expect(page.getByTestId('payment')).toBeHidden();
	await expect(page.getByTestId('checkout')).toBeVisible();
	await expect(page.getByTestId('cash-input')).toBeFocused();
	await page.keyboard.type('10');
	await expect(page.getByTestId('change-due')).toHaveText('¥2.00');
});

/** Every phase the payment dialog shows, in order, recorded in the page. */
async function recordPhases(page: Page): Promise<() => Promise<string[]>> {
	await page.evaluate(() => {
		const seen: string[] = [];
		(window as unknown as { phases: string[] }).phases = seen;
		const look = () => {
			const phase = document
				.querySelector('[data-testid="payment-state"]')
				?.getAttribute('data-phase');
			if (phase && seen.at(-1) !== phase) seen.push(phase);
		};
		new MutationObserver(look).observe(document.body, {
			subtree: true,
			childList: true,
			attributes: true,
			attributeFilter: ['data-phase']
		});
	});
	return () => page.evaluate(() => (window as unknown as { phases: string[] }).phases);
}

test('02 a plain decline: never "unknown", said in the cashier’s words, the advice once', async ({
	page
}) => {
	await ringUp(page);
	const phases = await recordPhases(page);
	await scan(page, paymentCode('02'));
	const failed = page.getByTestId('payment-failed');
	await expect(failed).toBeVisible({ timeout: 10_000 });
	const dialog = page.getByTestId('payment');
	await expect(failed).toContainText('顾客的付款没有成功');
	await expect(dialog).not.toContainText('PAYERROR');
	await expect(dialog).not.toContainText('Teegon');
	expect((await dialog.innerText()).split('改收现金').length - 1).toBe(1);
	expect(await phases()).not.toContain('unknown');
	await expect(page.getByTestId('payment-continue')).toHaveText('换一种方式收款');
});

test('05 the reply is late and then lost: checking with Teegon, the same POST again, then paid', async ({
	page
}) => {
	// The sandbox holds the reply to a 05 code past the server's Teegon timeout; here the
	// server's answer is also lost on the way back (the connection drops), so the till cannot
	// know whether the customer was charged: it must say so and ask again with the same order_no.
	const posts: Record<string, string>[] = [];
	let releaseRetry!: () => void;
	const retryHeld = new Promise<void>((resolve) => (releaseRetry = resolve));
	await page.route('**/api/charges', async (route) => {
		posts.push(route.request().postDataJSON() as Record<string, string>);
		if (posts.length === 1) {
			await route.fetch(); // the server charges the customer…
			await route.abort('connectionreset'); // …and its answer never arrives
			return;
		}
		await retryHeld;
		await route.continue();
	});
	await ringUp(page);
	await scan(page, paymentCode('05'));
	await expect(page.getByTestId('payment-state')).toHaveAttribute('data-phase', 'charging');
	const unknown = page.getByTestId('payment-unknown');
	await expect(unknown).toHaveText('正在向天工确认结果，请勿重复收款', { timeout: 10_000 });
	await expect(page.getByTestId('payment')).toContainText('请勿让顾客再次付款');
	// A second payment code while the first may have gone through is refused, never sent.
	await scan(page, paymentCode('00'));
	await expect(page.getByTestId('payment-notice')).toHaveText(/请勿重复收款/);
	// The retry is on its way (held here): the same POST, and no third one for the second code.
	await expect.poll(() => posts.length).toBe(2);
	releaseRetry();
	await expectPaidSale(page);
	expect(posts).toHaveLength(2);
	expect(posts[1]).toEqual(posts[0]);
	await page.getByTestId('recent-button').click();
	await expect(page.getByTestId('recent-sale')).toHaveCount(1);
});

test('06 paid, and Teegon never notifies: paid all the same', async ({ page }) => {
	await ringUp(page);
	await scan(page, paymentCode('06'));
	await expectPaidSale(page);
});

test('split: part cash, the rest by payment code; both on the receipt', async ({ page }) => {
	await scan(page, WATER.barcode);
	await scan(page, COLA.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥5.50');
	await page.keyboard.press('F4');
	await page.getByTestId('cash-input').fill('2');
	await expect(page.getByTestId('cash-partial')).toHaveText(/先收现金 ¥2.00/);
	await page.getByTestId('cash-partial').click();
	await expect(page.getByTestId('cart-total')).toHaveText('¥3.50');
	await expect(page.getByTestId('checkout-due')).toHaveText('¥3.50');
	await scan(page, paymentCode('00'));
	const done = page.getByTestId('done');
	await expect(done.getByTestId('done-total')).toHaveText('¥5.50');
	const receipt = done.locator('.receipt');
	await expect(receipt).toContainText('现金');
	await expect(receipt).toContainText('¥2.00');
	await expect(receipt).toContainText('微信支付');
	await expect(receipt).toContainText('¥3.50');
});

test('split: a payment code for part, then cash for the rest', async ({ page }) => {
	await scan(page, NOODLES.barcode);
	await scan(page, NOODLES.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥9.00');
	await page.getByTestId('pay-code').click();
	await page.getByTestId('code-amount').fill('5');
	await page.getByTestId('code-amount').blur();
	await scan(page, paymentCode('00'));
	await expect(page.getByTestId('payment-paid')).toBeVisible();
	await page.getByTestId('payment-continue').click();
	await expect(page.getByTestId('cart-total')).toHaveText('¥4.00');
	await page.getByTestId('tab-cash').click();
	await page.getByTestId('cash-input').fill('5');
	await page.getByTestId('cash-confirm').click();
	await expect(page.getByTestId('done-change')).toHaveText('¥1.00');
});

test('08 the gateway fails (502): unknown, checked until the cashier stops after a warning', async ({
	page
}) => {
	await ringUp(page);
	await scan(page, paymentCode('08'));
	const unknown = page.getByTestId('payment-unknown');
	await expect(unknown).toHaveText('正在向天工确认结果，请勿重复收款', { timeout: 10_000 });
	await page.keyboard.press('Escape'); // cannot be waved away
	await expect(unknown).toBeVisible();
	await scan(page, paymentCode('00'));
	await expect(page.getByTestId('payment-notice')).toHaveText(/请勿重复收款/);
	await page.getByTestId('abandon-payment').click();
	const confirm = page.getByTestId('confirm-abandon');
	await expect(confirm).toContainText('放弃等待不会取消这笔付款');
	await confirm.getByTestId('confirm-abandon-yes').click();
	await expect(state(page)).toHaveAttribute('data-phase', 'abandoned');
	await page.getByTestId('payment-continue').click();
	await expect(page.getByTestId('cart-total')).toHaveText('¥8.00');
});

test('08 再次查询 asks the server now, not after another long wait', async ({ page }) => {
	await ringUp(page);
	await scan(page, paymentCode('08'));
	await expect(page.getByTestId('payment-unknown')).toBeVisible({ timeout: 10_000 });
	const asked: string[] = [];
	page.on('request', (r) => {
		if (/\/api\/charges\/[^/?]+/.test(r.url())) asked.push(new URL(r.url()).search);
	});
	await page.getByRole('button', { name: '再次查询' }).click();
	// At once: a question without a long wait, answered in the dialog.
	await expect.poll(() => asked.some((q) => !/wait=[1-9]/.test(q)), { timeout: 3_000 }).toBe(true);
	await expect(page.getByTestId('payment-checked')).toBeVisible();
});

test('08 the gateway fails (502): the charge ends, the cashier is told why and what to do; a reload does not bring it back', async ({
	page
}) => {
	await ringUp(page);
	await scan(page, paymentCode('08'));
	await expect(page.getByTestId('payment-unknown')).toBeVisible({ timeout: 10_000 });
	// A reload while the server is still finding out: the charge is asked about again.
	await page.reload();
	await expect(page.getByTestId('till')).toBeVisible();
	const failed = page.getByTestId('payment-failed');
	await expect(failed).toBeVisible({ timeout: 20_000 });
	await expect(failed).toContainText('顾客没有被扣款');
	await expect(page.getByTestId('payment')).toContainText('请顾客刷新付款码后重新扫描，或改收现金');
	await page.getByTestId('payment-continue').click();
	await expect(page.getByTestId('cash-input')).toBeFocused();
	// Ended: a reload shows the sale, not the old "confirming".
	await page.reload();
	await expect(page.getByTestId('till')).toBeVisible();
	await expect(page.getByTestId('cart-total')).toHaveText('¥8.00');
	await page.waitForTimeout(1_000);
	await expect(page.getByTestId('payment')).toBeHidden();
	await expect(page.getByText('正在确认结果')).toHaveCount(0);
});

test('waiting for the customer: "keep waiting" goes back to waiting', async ({ page }) => {
	await ringUp(page);
	await scan(page, paymentCode('03'));
	await expect(page.getByTestId('payment-waiting')).toBeVisible();
	await page.getByTestId('abandon-payment').click();
	await page.getByRole('button', { name: '继续等待' }).click();
	await expect(page.getByTestId('confirm-abandon')).toBeHidden();
	await expect(page.getByTestId('payment-waiting')).toBeVisible();
});

test('a reload while the customer confirms: the cart comes back and the payment is resumed', async ({
	page
}) => {
	await ringUp(page);
	await scan(page, paymentCode('01'));
	await expect(page.getByTestId('payment-waiting')).toBeVisible();
	await page.reload();
	await expect(page.getByTestId('till')).toBeVisible();
	await expect(page.getByTestId('payment-state')).toBeVisible();
	await expectPaidSale(page);
	await page.getByTestId('recent-button').click();
	await expect(page.getByTestId('recent-sale')).toHaveCount(1);
	await expect(page.getByTestId('recent-sale')).toContainText('¥8.00');
});

test('screenshots at 1024×600: cart, payment, done', async ({ page }) => {
	await scan(page, WATER.barcode);
	await scan(page, COLA.barcode);
	await scan(page, COLA.barcode);
	await scan(page, NOODLES.barcode);
	await expect(page.getByTestId('cart-line')).toHaveCount(3);
	await page.screenshot({ path: test.info().outputPath('till-cart.png') });
	await scan(page, paymentCode('01'));
	await expect(page.getByTestId('payment-waiting')).toBeVisible();
	await page.screenshot({ path: test.info().outputPath('till-waiting.png') });
	await expect(page.getByTestId('done-paid')).toBeVisible();
	await page.screenshot({ path: test.info().outputPath('till-done.png') });
});
