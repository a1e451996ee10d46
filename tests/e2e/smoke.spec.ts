import { expect, test } from '@playwright/test';

test('the built app loads in Chromium and says it is in sandbox mode', async ({ page }) => {
	const response = await page.goto('/');
	expect(response?.status()).toBe(200);
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();
	await expect(page.getByTestId('sandbox-badge')).toContainText('沙箱模式');
});

test('the health endpoint reports sandbox mode and the embedded database', async ({ request }) => {
	const res = await request.get('/api/health');
	expect(res.status()).toBe(200);
	expect(await res.json()).toMatchObject({ ok: true, mode: 'sandbox', database: 'sqlite' });
});
