/**
 * Selling at the till: scanning (keyboard wedge, with and without a focused field), hand
 * typing, search, unknown barcodes, cash with change, the printed receipt, the sale reaching the
 * server, offline cash sales, the cashier, shortcuts and the language switch.
 */
import { expect, test } from '@playwright/test';
import {
	cartLines,
	COLA,
	line,
	NOODLES,
	openTill,
	paymentCode,
	scan,
	typeByHand,
	WATER
} from './till-helpers';

test.describe('scanning', () => {
	test.beforeEach(async ({ page }) => {
		await openTill(page);
	});

	test('a scan with no field focused adds the product; a second scan adds one more', async ({
		page
	}) => {
		await expect(page.locator(':focus')).toHaveCount(0);
		await scan(page, WATER.barcode);
		await expect(line(page, WATER.name)).toBeVisible();
		await scan(page, WATER.barcode);
		await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('2');
		await expect(page.getByTestId('cart-total')).toHaveText('¥4.00');
	});

	test('a scan while the search field has focus: nothing leaks into it, the product is added', async ({
		page
	}) => {
		const search = page.getByTestId('search-input');
		await search.click();
		await typeByHand(page, 'kk');
		await expect(search).toHaveValue('kk');
		await scan(page, NOODLES.barcode);
		await expect(line(page, NOODLES.name)).toBeVisible();
		await expect(search).toHaveValue('kk');
		await expect(search).toBeFocused();
		// The scan's Enter did not submit the search form either (it would have added a cola).
		await expect(cartLines(page)).toHaveCount(1);
	});

	test('typing by hand at 120 ms a key is typing, not a scan: the text lands in the field', async ({
		page
	}) => {
		const search = page.getByTestId('search-input');
		await search.click();
		await typeByHand(page, WATER.barcode);
		await expect(search).toHaveValue(WATER.barcode);
		await expect(cartLines(page)).toHaveCount(0);
		await expect(page.getByTestId('search-results').getByTestId('product-tile')).toHaveText(
			new RegExp(WATER.name)
		);
		// Enter adds the exact match, as the manual fallback for a scanner that cannot read it.
		await page.keyboard.press('Enter');
		await expect(line(page, WATER.name)).toBeVisible();
		await expect(search).toHaveValue('');
	});

	test('search by pinyin initials and tap a result', async ({ page }) => {
		await page.keyboard.press('F2');
		const search = page.getByTestId('search-input');
		await expect(search).toBeFocused();
		await typeByHand(page, 'kkkl', 60);
		const results = page.getByTestId('search-results').getByTestId('product-tile');
		await expect(results).toHaveCount(1);
		await results.first().click();
		await expect(line(page, COLA.name)).toBeVisible();
	});

	test('an unknown barcode says so, and is added as an open-price item', async ({ page }) => {
		await scan(page, '6901234569995');
		const notice = page.getByTestId('notice');
		await expect(notice).toContainText('未找到条码 6901234569995 对应的商品');
		await notice.getByTestId('notice-open-price').click();
		const dialog = page.getByTestId('open-price');
		await expect(dialog).toContainText('6901234569995');
		await dialog.getByTestId('open-price-name').fill('散装糖果');
		await dialog.getByTestId('open-price-price').fill('12.8');
		await dialog.getByTestId('open-price-add').click();
		await expect(dialog).toBeHidden();
		await expect(line(page, '散装糖果')).toContainText('临时商品');
		await expect(page.getByTestId('cart-total')).toHaveText('¥12.80');
	});

	test('a cut-off scan (first digits lost) is a misread to scan again, never an item to add', async ({
		page
	}) => {
		// 6901234560015 without its first three digits, and a WeChat code without its first.
		for (const fragment of ['1234560015', '34567890123456700']) {
			await scan(page, fragment);
			const notice = page.getByTestId('notice');
			await expect(notice).toContainText(`条码 ${fragment} 没有读完整`);
			await expect(notice).toContainText('请重新扫描');
			await expect(notice.getByTestId('notice-open-price')).toHaveCount(0);
		}
		await expect(cartLines(page)).toHaveCount(0);
		// A whole code that is not in the catalog is still offered as an open-price item.
		await scan(page, '6901234569995');
		await expect(page.getByTestId('notice').getByTestId('notice-open-price')).toBeVisible();
	});

	test('a payment code with an empty cart is refused', async ({ page }) => {
		await scan(page, paymentCode('00'));
		await expect(page.getByTestId('notice')).toContainText('购物车是空的');
		await expect(page.getByTestId('payment')).toBeHidden();
	});
});

test('a cash sale with change: receipt for print, and the sale reaches the server', async ({
	page
}) => {
	await openTill(page, '李娜');
	await scan(page, COLA.barcode);
	await scan(page, COLA.barcode);
	await scan(page, WATER.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥9.00');
	await page.getByTestId('pay-cash').click();
	const quick = page.getByTestId('quick-cash');
	await expect(quick).toHaveText(['刚好 ¥9.00', '¥10.00', '¥20.00', '¥50.00', '¥100.00']);
	await quick.filter({ hasText: '¥50.00' }).click();
	await expect(page.getByTestId('change-due')).toHaveText('¥41.00');
	await page.keyboard.press('Enter');

	const done = page.getByTestId('done');
	await expect(done.getByTestId('done-change')).toHaveText('¥41.00');
	await expect(done.getByTestId('done-total')).toHaveText('¥9.00');

	// What goes to the printer: only the receipt, with everything on it.
	await page.emulateMedia({ media: 'print' });
	const printed = page.getByTestId('print-area');
	await expect(printed).toBeVisible();
	await expect(page.getByTestId('till')).toBeHidden();
	const text = await printed.innerText();
	for (const expected of [
		'演示商店',
		'1号收银台',
		'李娜',
		COLA.name,
		'2 × 3.50',
		'7.00',
		WATER.name,
		'合计',
		'¥9.00',
		'现金',
		'实收',
		'¥50.00',
		'找零',
		'¥41.00'
	]) {
		expect(text).toContain(expected);
	}
	expect(text).toMatch(/T1-\d{8}-0001/);
	await page.emulateMedia({ media: 'screen' });

	// Reached the server: the sync state says so (0 queued, the sale synced).
	await page.getByTestId('new-sale').click();
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '0');
	await page.keyboard.press('F9');
	const row = page.getByTestId('recent-sale');
	await expect(row).toHaveCount(1);
	await expect(row).toContainText('¥9.00');
	await expect(row).toContainText('已同步');
	await expect(row).toHaveAttribute('data-sync', 'synced');
	await row.getByRole('button', { name: '查看' }).click();
	await expect(page.getByTestId('recent')).toContainText('（重印）');
	await expect(page.getByTestId('reprint')).toBeVisible();
});

test('the payment-code receipt shows the charge id; printing calls window.print', async ({
	page
}) => {
	await openTill(page);
	await page.evaluate(() => {
		(window as unknown as { printed: number }).printed = 0;
		window.print = () => {
			(window as unknown as { printed: number }).printed++;
		};
	});
	await scan(page, WATER.barcode);
	await scan(page, paymentCode('00'));
	await expect(page.getByTestId('done-paid')).toBeVisible();
	await page.getByTestId('print-receipt').click();
	await expect
		.poll(() => page.evaluate(() => (window as unknown as { printed: number }).printed))
		.toBe(1);
	await page.emulateMedia({ media: 'print' });
	const text = await page.getByTestId('print-area').innerText();
	expect(text).toContain('微信支付');
	expect(text).toMatch(/天工交易号: \S+/);
	expect(text).toMatch(/订单号: T1[0-9A-Z]{4}\d{18}[0-9A-Z]{4}/);
	expect(text).toContain('小王');
});

test('offline: cash sales work and queue, payment codes are refused and not stored', async ({
	page,
	context
}) => {
	await openTill(page);
	await context.setOffline(true);
	await expect(page.getByTestId('connection-status')).toContainText('离线');
	await scan(page, NOODLES.barcode);
	await expect(line(page, NOODLES.name)).toBeVisible();
	await expect(page.getByTestId('cart')).toContainText('离线时不能收付款码，请收现金');
	await scan(page, paymentCode('00'));
	await expect(page.getByTestId('notice')).toContainText('离线时不能收付款码，请收现金');
	await expect(page.getByTestId('payment')).toBeHidden();
	const charges = await page.evaluate(
		() =>
			new Promise<number>((resolve, reject) => {
				const req = indexedDB.open('till');
				req.onsuccess = () => {
					const tx = req.result.transaction('charges', 'readonly');
					const count = tx.objectStore('charges').count();
					count.onsuccess = () => resolve(count.result);
					count.onerror = () => reject(count.error);
				};
				req.onerror = () => reject(req.error);
			})
	);
	expect(charges).toBe(0);

	await page.keyboard.press('F4');
	// The cash field takes focus a tick after the pane opens; Enter before that has no form.
	await expect(page.getByTestId('cash-input')).toBeFocused();
	await page.keyboard.press('Enter'); // nothing typed: exactly what is due
	await expect(page.getByTestId('done-total')).toHaveText('¥4.50');
	await expect(page.getByTestId('done')).toContainText('已保存在本机，联网后自动同步');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '1');
	await expect(page.getByTestId('sync-status')).toContainText('1 笔待同步');

	await context.setOffline(false);
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '0', {
		timeout: 15_000
	});
	await expect(page.getByTestId('connection-status')).toContainText('在线');
});

test('offline: the payment-code refusal goes with its sale, not onto the next one', async ({
	page,
	context
}) => {
	await openTill(page);
	await context.setOffline(true);
	await expect(page.getByTestId('connection-status')).toContainText('离线');
	await scan(page, NOODLES.barcode);
	await scan(page, paymentCode('00'));
	await expect(page.getByTestId('notice')).toContainText('离线时不能收付款码');
	await page.keyboard.press('F4');
	await expect(page.getByTestId('cash-input')).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('done-total')).toHaveText('¥4.50');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('done')).toBeHidden();
	await expect(page.getByTestId('cart-total')).toHaveText('¥0.00');
	await expect(page.getByTestId('notice')).toHaveCount(0);
	await context.setOffline(false);
});

test('the cashier is chosen on the device, kept, and recorded on the sale', async ({ page }) => {
	await page.goto('/');
	const dialog = page.getByTestId('cashier');
	await expect(dialog).toBeVisible();
	await dialog.getByTestId('cashier-input').fill('王芳');
	await dialog.getByTestId('cashier-save').click();
	await expect(page.getByTestId('cashier-name')).toHaveText('王芳');
	await page.reload();
	await expect(page.getByTestId('cashier-name')).toHaveText('王芳');
	await expect(page.getByTestId('cashier')).toBeHidden();
	await page.waitForLoadState('networkidle');
	await scan(page, WATER.barcode);
	await expect(line(page, WATER.name)).toBeVisible();
	await page.keyboard.press('F4');
	await expect(page.getByTestId('cash-input')).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('done').locator('.receipt')).toContainText('王芳');
});

test('a refused quantity is said inside the dialog, not behind its backdrop', async ({ page }) => {
	await openTill(page);
	await scan(page, WATER.barcode);
	await line(page, WATER.name).getByTestId('line-quantity').click();
	const dialog = page.getByTestId('quantity');
	await dialog.getByTestId('quantity-input').fill('12345');
	await page.keyboard.press('Enter');
	await expect(dialog.getByTestId('dialog-notice')).toContainText('数量须为');
	await dialog.getByTestId('quantity-input').fill('3');
	await page.keyboard.press('Enter');
	await expect(dialog).toBeHidden();
	await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('3');
});

test('keyboard: quantities, discount, clear, help, and the 中/EN switch', async ({ page }) => {
	await openTill(page);
	await scan(page, COLA.barcode);
	await scan(page, WATER.barcode);
	// The last line added is selected: + and - change it.
	await page.keyboard.press('+');
	await page.keyboard.press('+');
	await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('3');
	await page.keyboard.press('-');
	await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('2');
	await page.keyboard.press('ArrowUp');
	await page.keyboard.press('+');
	await expect(line(page, COLA.name).getByTestId('line-quantity')).toHaveText('2');
	await expect(page.getByTestId('cart-total')).toHaveText('¥11.00');

	// A 10% discount on the selected line (cola ¥7.00 → ¥6.30).
	await page.keyboard.press('F6');
	await page.getByTestId('discount-input').fill('10');
	await page.getByTestId('discount-apply').click();
	await expect(line(page, COLA.name).getByTestId('line-total')).toContainText('¥6.30');
	await expect(page.getByTestId('cart-total')).toHaveText('¥10.30');

	// A whole-sale discount of ¥0.30 off.
	await page.getByRole('button', { name: '整单折扣' }).click();
	await page.getByRole('radio', { name: '减金额' }).check();
	await page.getByTestId('discount-input').fill('0.30');
	await page.getByTestId('discount-apply').click();
	await expect(page.getByTestId('cart-total')).toHaveText('¥10.00');

	await page.keyboard.press('F1');
	await expect(page.getByTestId('shortcuts')).toContainText('快捷键');
	await page.keyboard.press('Escape');
	await expect(page.getByTestId('shortcuts')).toBeHidden();

	await page.getByRole('button', { name: 'EN', exact: true }).click();
	await expect(page.getByTestId('cart')).toContainText('Cart');
	await expect(page.getByTestId('pay-cash')).toContainText('Cash');
	await page.getByRole('button', { name: '中', exact: true }).click();
	await expect(page.getByTestId('pay-cash')).toContainText('现金');

	await page.keyboard.press('F8');
	await page.getByTestId('confirm-clear').getByTestId('confirm-yes').click();
	await expect(cartLines(page)).toHaveCount(0);
});

test('a server that refuses to take the queue: the top bar says so in words, not only a tooltip', async ({
	page
}) => {
	await page.route('**/api/sales', (route) => route.fulfill({ status: 500, body: 'boom' }));
	await openTill(page);
	await scan(page, WATER.barcode);
	await page.keyboard.press('F4');
	await expect(page.getByTestId('cash-input')).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('done-total')).toHaveText('¥2.00');
	const chip = page.getByTestId('sync-status');
	await expect(chip).toHaveAttribute('data-queued', '1');
	await expect(chip.getByTestId('sync-failed')).toHaveText('· 同步失败，稍后自动重试');
	await page.unroute('**/api/sales');
});

test('persistent storage: the till asks for it and says so when the browser refuses', async ({
	page
}) => {
	await openTill(page);
	// A fresh Playwright context is incognito-like: Chromium refuses persistence there, which is
	// exactly the case the cashier must be told about.
	expect(await page.evaluate(() => navigator.storage.persisted())).toBe(false);
	const chip = page.getByTestId('storage-not-persisted');
	await expect(chip).toBeVisible();
	await expect(chip).toHaveAttribute('title', /还没同步的销售会丢失/);
	// A tablet shows no tooltip: a tap says it.
	await chip.click();
	await expect(page.getByTestId('notice')).toContainText('还没同步的销售会丢失');
});
