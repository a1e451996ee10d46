/**
 * The till on a phone (360 and 390 px wide): nothing lays out wider than the screen, nothing
 * opens scrolled sideways, and a sale can be rung up and paid with a thumb.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { line, openTill, scan, WATER } from './till-helpers';

/**
 * How far the page reaches past the screen's right edge, how wide the browser laid it out (a
 * phone browser widens its layout to fit what is too wide, then shows it shrunk or scrolled),
 * and how far it is scrolled sideways.
 */
async function expectFits(page: Page): Promise<void> {
	const screen = page.viewportSize()!.width;
	const laidOut = await page.evaluate(() => ({
		overflow: document.documentElement.scrollWidth - window.innerWidth,
		width: window.innerWidth,
		scrollX: window.scrollX
	}));
	expect(laidOut).toEqual({ overflow: 0, width: screen, scrollX: 0 });
}

/** Entirely on screen, left to right. */
async function expectOnScreen(locator: Locator): Promise<void> {
	const box = await locator.boundingBox();
	const width = locator.page().viewportSize()!.width;
	expect(box, 'visible').not.toBeNull();
	expect(box!.x).toBeGreaterThanOrEqual(0);
	expect(box!.x + box!.width).toBeLessThanOrEqual(width);
}

/** No two of these overlap. */
async function expectApart(locators: Locator[]): Promise<void> {
	const boxes = await Promise.all(locators.map((l) => l.boundingBox()));
	for (let i = 0; i < boxes.length; i++)
		for (let j = i + 1; j < boxes.length; j++) {
			const a = boxes[i]!;
			const b = boxes[j]!;
			const overlap =
				a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
			expect(overlap, `top bar items ${i} and ${j} overlap`).toBe(false);
		}
}

for (const width of [360, 390]) {
	test.describe(`a ${width} px phone`, () => {
		test.use({ viewport: { width, height: 780 }, hasTouch: true, isMobile: true });

		test('first start: the cashier dialog and its button are on screen', async ({ page }) => {
			await page.goto('/');
			const dialog = page.getByTestId('cashier');
			await expect(dialog).toBeVisible();
			await expectFits(page);
			await expectOnScreen(dialog.getByTestId('cashier-save'));
			await dialog.getByTestId('cashier-input').click();
			await page.keyboard.type('王芳');
			await dialog.getByTestId('cashier-save').tap();
			await expect(page.getByTestId('cashier-name')).toHaveText('王芳');
			await expectFits(page);
		});

		test('a sale rung up and paid in cash with a thumb', async ({ page }) => {
			await openTill(page);
			await expectFits(page);
			const bar = page.locator('header.topbar');
			await expectOnScreen(bar);
			await expectApart([
				page.getByTestId('store-name'),
				page.getByTestId('cashier-button'),
				page.getByTestId('connection-status'),
				page.getByTestId('recent-button')
			]);
			// A favourite tapped, and a barcode scanned.
			await page.getByTestId('favourites').getByTestId('product-tile').first().tap();
			await scan(page, WATER.barcode);
			await expect(page.getByTestId('cart-line')).toHaveCount(2);
			// One panel at a time: the products, then the cart with what was added.
			await expect(page.getByTestId('view-cart')).toContainText('2');
			await page.getByTestId('view-cart').tap();
			await expectFits(page);
			await expectOnScreen(line(page, WATER.name).getByTestId('line-total'));
			const pay = page.getByTestId('pay-cash');
			await expectOnScreen(pay);
			await pay.tap();
			const cash = page.getByTestId('cash-input');
			await expect(cash).toBeVisible();
			await expectOnScreen(cash);
			await expectFits(page);
			await page.getByTestId('quick-cash').last().tap();
			await expectOnScreen(page.getByTestId('cash-confirm'));
			await page.getByTestId('cash-confirm').tap();
			const done = page.getByTestId('done');
			await expect(done).toBeVisible();
			await expectFits(page);
			await expectOnScreen(done.getByTestId('new-sale'));
			await done.getByTestId('new-sale').tap();
			await expect(page.getByTestId('cart-total')).toHaveText('¥0.00');
			await expectFits(page);
			await page.screenshot({ path: test.info().outputPath(`phone-${width}.png`) });
		});

		// The reports' fit on a phone: reports.spec.ts, signed in to the back office.
		test('the recent sales and the shortcuts fit', async ({ page }) => {
			await openTill(page);
			await page.getByTestId('recent-button').tap();
			await expect(page.getByTestId('recent')).toBeVisible();
			await expectFits(page);
			await page.keyboard.press('Escape');
			await expectFits(page);
		});
	});
}

for (const viewport of [
	{ width: 800, height: 1280 },
	{ width: 1280, height: 800 },
	{ width: 1366, height: 768 }
]) {
	test(`${viewport.width}×${viewport.height}: the till and its checkout fit the screen`, async ({
		page
	}) => {
		await page.setViewportSize(viewport);
		await openTill(page);
		await scan(page, WATER.barcode);
		await expectFits(page);
		await page.getByTestId('pay-cash').click();
		await expect(page.getByTestId('cash-input')).toBeVisible();
		await expectFits(page);
		await expectOnScreen(page.getByTestId('cash-confirm'));
	});
}
