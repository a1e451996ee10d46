/**
 * Parking a sale (挂单) at the real till: the next customer is served and paid while the first
 * waits; the first comes back (取单) with its lines, is paid, and both sales reach the server
 * once each. A parked sale survives a reload of the page.
 */
import { expect, test } from '@playwright/test';
import { cartLines, COLA, line, NOODLES, openTill, scan, WATER } from './till-helpers';

async function payExact(page: import('@playwright/test').Page): Promise<void> {
	await page.getByTestId('pay-cash').click();
	await page.getByTestId('quick-cash').first().click(); // 刚好: the exact amount
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('done')).toBeVisible();
	await page.getByTestId('new-sale').click();
}

test('park a sale, serve the next customer, resume and pay it; both reach the server', async ({
	page
}) => {
	await openTill(page);
	await scan(page, WATER.barcode);
	await scan(page, NOODLES.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥6.50');
	await expect(page.getByTestId('held-open')).toHaveCount(0);

	await page.getByTestId('park-sale').click();
	await expect(cartLines(page)).toHaveCount(0);
	await expect(page.getByTestId('held-open')).toContainText('1');

	// The next customer: a cola, paid in cash.
	await scan(page, COLA.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥3.50');
	await payExact(page);

	// A reload does not lose the parked sale.
	await page.reload();
	await expect(page.getByTestId('held-open')).toContainText('1');
	await page.getByTestId('held-open').click();
	const dialog = page.getByTestId('held-sales');
	await expect(dialog.getByTestId('held-sale')).toHaveCount(1);
	await expect(dialog.getByTestId('held-sale')).toContainText(WATER.name);
	await expect(dialog.getByTestId('held-sale')).toContainText('¥6.50');
	await dialog.getByTestId('resume-held').click();
	await expect(dialog).toBeHidden();
	await expect(line(page, WATER.name)).toBeVisible();
	await expect(line(page, NOODLES.name)).toBeVisible();
	await expect(page.getByTestId('cart-total')).toHaveText('¥6.50');
	await expect(page.getByTestId('held-open')).toHaveCount(0);
	await payExact(page);

	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '0');
	await page.keyboard.press('F9');
	const rows = page.getByTestId('recent-sale');
	await expect(rows).toHaveCount(2);
	await expect(rows.filter({ hasText: '¥6.50' })).toHaveCount(1);
	await expect(rows.filter({ hasText: '¥3.50' })).toHaveCount(1);
	await expect(rows.filter({ hasText: '已同步' })).toHaveCount(2);
});

test('resuming over a sale on screen is refused; the parked one stays parked', async ({ page }) => {
	await openTill(page);
	await scan(page, WATER.barcode);
	await page.getByTestId('park-sale').click();
	await scan(page, COLA.barcode);
	await page.getByTestId('held-open').click();
	await page.getByTestId('held-sales').getByTestId('resume-held').click();
	await expect(page.getByTestId('notice')).toContainText('请先结账或挂起当前销售');
	await expect(cartLines(page)).toHaveCount(1);
	await expect(line(page, COLA.name)).toBeVisible();
});
