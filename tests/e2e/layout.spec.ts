/**
 * The till on a portrait tablet (800×1280): nothing makes the page wider than the screen, in
 * Chinese or in English, through a split cash payment (the widest state of the checkout).
 */
import { expect, test, type Page } from '@playwright/test';
import { COLA, NOODLES, openTill, scan, WATER } from './till-helpers';

test.use({ viewport: { width: 800, height: 1280 } });

const overflow = (page: Page) =>
	page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test('portrait 800×1280: the checkout fits the width, in 中文 and in English', async ({ page }) => {
	await openTill(page);
	await scan(page, WATER.barcode);
	await scan(page, COLA.barcode);
	await scan(page, NOODLES.barcode);
	await expect(page.getByTestId('cart-line')).toHaveCount(3);
	expect(await overflow(page)).toBeLessThanOrEqual(0);
	await page.getByTestId('pay-cash').click();
	await page.getByTestId('cash-input').fill('5');
	await page.getByTestId('cash-partial').click();
	await expect(page.getByTestId('checkout-due')).toHaveText('¥5.00');
	expect(await overflow(page)).toBeLessThanOrEqual(0);
	await page.getByRole('button', { name: 'EN', exact: true }).first().click();
	await expect(page.getByTestId('cash-confirm')).toContainText('Take cash');
	expect(await overflow(page)).toBeLessThanOrEqual(0);
	await page.screenshot({ path: test.info().outputPath('portrait-split-en.png') });
});
