/**
 * The till's layout on a tablet: on a portrait one (800×1280) nothing makes the page wider
 * than the screen, in Chinese or in English, through a split cash payment (the widest state of
 * the checkout); at 1024×600 a large line amount and a long name stay inside their line.
 */
import { expect, test, type Page } from '@playwright/test';
import { COLA, NOODLES, openTill, scan, WATER } from './till-helpers';

const overflow = (page: Page) =>
	page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test.describe('portrait', () => {
	test.use({ viewport: { width: 800, height: 1280 } });

	test('portrait 800×1280: the checkout fits the width, in 中文 and in English', async ({
		page
	}) => {
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
});

test.describe('landscape 1024×600', () => {
	test.use({ viewport: { width: 1024, height: 600 } });

	test('a seven-digit line amount and a long name stay inside the cart line', async ({ page }) => {
		await openTill(page);
		await scan(page, '6901234569995');
		await page.getByTestId('notice').getByTestId('notice-open-price').click();
		const dialog = page.getByTestId('open-price');
		await dialog
			.getByTestId('open-price-name')
			.fill('特级野生东北长白山人参礼盒装（十年陈）特别定制款 550g');
		await dialog.getByTestId('open-price-price').fill('1234567.89');
		await dialog.getByTestId('open-price-add').click();
		const row = page.getByTestId('cart-line').first();
		await expect(row.getByTestId('line-total')).toHaveText('¥1234567.89');
		// Neither clipped nor cut with an ellipsis: all of it is shown.
		const clipped = (testid: string) =>
			row.getByTestId(testid).evaluate((el) => el.scrollWidth > el.clientWidth);
		expect(await clipped('line-total')).toBe(false);
		const [amount, name] = await Promise.all([
			row.getByTestId('line-total').boundingBox(),
			row.getByTestId('line-name').boundingBox()
		]);
		expect(name!.x + name!.width).toBeLessThanOrEqual(amount!.x);
		expect(await overflow(page)).toBeLessThanOrEqual(0);
		await page.screenshot({ path: test.info().outputPath('cart-large-amount.png') });
	});
});
