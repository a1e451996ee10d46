/**
 * A counter tablet that opens the till by the server's LAN name over plain HTTP: not a secure
 * context (no crypto.randomUUID, service worker, Web Locks, persistent storage). The till loads,
 * sells, and says what is needed, in Chinese and in English.
 */
import { chromium, expect, test } from '@playwright/test';
import { chromiumLaunchOptions } from '../../scripts/lib/chromium';
import { WATER } from './till-helpers';

test('opened as http://till.lan:PORT/: the till works and says to use HTTPS or the local address', async ({
	baseURL
}) => {
	const port = new URL(baseURL!).port;
	const browser = await chromium.launch({
		...chromiumLaunchOptions,
		args: [...chromiumLaunchOptions.args, '--host-resolver-rules=MAP till.lan 127.0.0.1']
	});
	try {
		const context = await browser.newContext({
			locale: 'zh-CN',
			viewport: { width: 1024, height: 600 }
		});
		const page = await context.newPage();
		const errors: string[] = [];
		page.on('pageerror', (e) => errors.push(e.message));
		await page.addInitScript(() => localStorage.setItem('till.cashier', '小王'));
		await page.goto(`http://till.lan:${port}/`);
		expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
		await expect(page.getByTestId('till')).toBeVisible();
		const warning = page.getByTestId('insecure-context');
		await expect(warning).toBeVisible();
		await expect(warning).toContainText('HTTPS');
		await expect(warning).toContainText(`http://localhost:${port}`);
		// It still sells (cash; the sale is kept on the device).
		await page
			.getByTestId('favourites')
			.getByTestId('product-tile')
			.filter({ hasText: WATER.name })
			.click();
		await page.keyboard.press('F4');
		await expect(page.getByTestId('cash-input')).toBeFocused();
		await page.keyboard.press('Enter');
		await expect(page.getByTestId('done-total')).toHaveText('¥2.00');
		await page.keyboard.press('Enter');
		// In English too.
		await page.getByRole('button', { name: 'EN', exact: true }).click();
		await expect(warning).toContainText('not a secure');
		await expect(warning).toContainText('HTTPS');
		expect(errors).toEqual([]);
	} finally {
		await browser.close();
	}
});
