/**
 * The cashier's words: no jargon, no error colour for what is not an error, and in the Chinese
 * screen no English beside the Chinese (names the server gives are data, not the till's words).
 */
import { expect, test, type Page } from '@playwright/test';
import { COLA, NOODLES, openTill, scan } from './till-helpers';

/**
 * Latin words the till itself puts on screen: key names and the language switch aside, and data
 * aside (product, store and till names come from the catalog and the server).
 */
async function latinWords(page: Page): Promise<string[]> {
	const text = await page.evaluate(() => {
		const body = document.body.cloneNode(true) as HTMLElement;
		const data =
			'script, style, kbd, [data-testid="product-tile"], [data-testid="cart-line"], ' +
			'[data-testid="store-name"], [data-testid="till-name"]';
		for (const el of body.querySelectorAll(data)) el.remove();
		return body.textContent ?? '';
	});
	return (text.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => w !== 'EN');
}

// The back office's reports have their own words check (reports.spec.ts), signed in.
test('in Chinese, the till (sandbox banner included) has no English', async ({ page }) => {
	await openTill(page);
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();
	await expect(page.getByTestId('sandbox-badge')).toContainText('沙箱模式');
	expect(await latinWords(page)).toEqual([]);
	// And in English, English.
	await page.goto('/');
	await page.getByRole('button', { name: 'EN', exact: true }).click();
	await expect(page.getByTestId('sandbox-badge')).toContainText('Sandbox');
	await expect(page.getByTestId('sandbox-badge')).not.toContainText('沙箱');
});

test('part of the sale in cash is a step of a split, not an error in red', async ({ page }) => {
	await openTill(page);
	await scan(page, COLA.barcode);
	await scan(page, NOODLES.barcode);
	await page.keyboard.press('F4');
	await expect(page.getByTestId('cash-input')).toBeFocused();
	await page.keyboard.type('5');
	const said = page.getByTestId('cash-short');
	await expect(said).toContainText('¥3.00');
	await expect(said).not.toContainText('不足');
	const colour = await said.evaluate((el) => getComputedStyle(el).color);
	expect(colour).not.toBe('rgb(185, 28, 28)');
	expect(await said.getAttribute('role')).not.toBe('alert');
	await expect(page.getByTestId('cash-partial')).toContainText('¥5.00');
});

test('storage the browser may clear is said in plain words, and a tap says what to do', async ({
	page
}) => {
	await openTill(page);
	const chip = page.getByTestId('storage-not-persisted');
	await expect(chip).toBeVisible();
	await expect(chip).not.toContainText('存储');
	await expect(chip).not.toContainText('锁定');
	await expect(chip).toHaveText('本机数据可能被清除');
	await chip.click();
	await expect(page.getByTestId('notice')).toContainText('安装为应用');
});
