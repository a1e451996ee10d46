/**
 * One subtotal: the cart and the receipt say the same 小计 (after line discounts, before the
 * whole-sale discount), as the sale record keeps it.
 */
import { expect, test, type Locator } from '@playwright/test';
import { COLA, line, openTill, scan, WATER } from './till-helpers';

/** The amount beside a label in a list of sums (the cart's footer, the receipt). */
const sum = (within: Locator, label: string) =>
	within.locator('dl > div, .row').filter({ has: within.page().getByText(label, { exact: true }) });

test('the cart and the receipt show the same subtotal, after line discounts', async ({ page }) => {
	await openTill(page);
	await scan(page, COLA.barcode);
	await scan(page, COLA.barcode);
	await scan(page, WATER.barcode);
	await line(page, COLA.name).getByTestId('line-name').click();
	await page.keyboard.press('F6');
	await page.keyboard.type('10');
	await page.keyboard.press('Enter');
	await expect(line(page, COLA.name).getByTestId('line-total')).toContainText('¥6.30');
	await page.getByRole('button', { name: '整单折扣' }).click();
	await page.getByTestId('discount').getByText('减金额').click();
	await page.keyboard.type('0.30');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('cart-total')).toHaveText('¥8.00');

	const cart = page.getByTestId('cart');
	await expect(sum(cart, '小计')).toContainText('¥8.30');
	await page.keyboard.press('F4');
	await expect(page.getByTestId('cash-input')).toBeFocused();
	await page.keyboard.press('Enter');
	const receipt = page.getByTestId('done').locator('.receipt');
	await expect(sum(receipt, '小计')).toContainText('¥8.30');
	await expect(sum(receipt, '合计')).toContainText('¥8.00');
});
