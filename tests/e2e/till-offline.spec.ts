/**
 * Issue 5's end-to-end path: the service worker controls the till, the network goes, the till
 * reloads from the worker, a cash sale completes and queues on the device; the network comes
 * back and the sale reaches the server exactly once.
 */
import { expect, test } from '@playwright/test';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { demoToken } from '../../src/lib/server/tills';
import { NOODLES, WATER, line, openTill, scan } from './till-helpers';

const auth = { authorization: `Bearer ${demoToken(DEFAULT_SANDBOX_CLIENT_SECRET)}` };

test('offline: reload from the service worker, sell for cash, queue; online: on the server exactly once', async ({
	page,
	context
}) => {
	await openTill(page); // waits for the service worker to control the page and store the shell
	expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
	const before = (await (
		await context.request.get('/api/sales/summary?till=mine', { headers: auth })
	).json()) as {
		count: number;
		total: number;
	};

	await context.setOffline(true);
	await page.reload();
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();
	// After a reload under emulated offline, Chromium may still report navigator.onLine: the till
	// then says the server is unreachable, which is what a dropped shop Wi-Fi looks like too.
	await expect(page.getByTestId('connection-status')).toContainText(/离线|无法连接服务器/);

	await scan(page, NOODLES.barcode);
	await scan(page, WATER.barcode);
	await expect(line(page, NOODLES.name)).toBeVisible();
	await expect(line(page, WATER.name)).toBeVisible();
	await page.keyboard.press('F4');
	await page.keyboard.press('Enter'); // exactly what is due
	await expect(page.getByTestId('done-total')).toHaveText('¥6.50');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '1');

	// Reloading while offline keeps the queued sale (it is in IndexedDB, not in the page).
	await page.reload();
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '1');

	await context.setOffline(false);
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '0', {
		timeout: 20_000
	});
	// Nudge the sync again: a second pass must not send the sale twice.
	await page.reload();
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '0');
	const after = (await (
		await context.request.get('/api/sales/summary?till=mine', { headers: auth })
	).json()) as typeof before;
	expect(after.count - before.count).toBe(1);
	expect(after.total - before.total).toBe(650);
});
