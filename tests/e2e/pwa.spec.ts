import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { waitForController, waitForOfflineCopies } from './pwa-helpers';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
	expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
	return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('installable: a complete manifest and no installability errors', async ({
	request,
	baseURL,
	launchOptions
}) => {
	// Playwright's ordinary contexts are incognito, which Chromium never installs from
	// ("in-incognito"): this test uses a persistent profile, like a real browser.
	const profile = mkdtempSync(join(tmpdir(), 'till-pwa-profile-'));
	const context = await chromium.launchPersistentContext(profile, { ...launchOptions, baseURL });
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		await page.goto('/');
		await waitForController(page);

		const cdp = await context.newCDPSession(page);
		const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
		expect(installabilityErrors).toEqual([]);
		const { url, errors } = await cdp.send('Page.getAppManifest', {});
		expect(url).toMatch(/\/manifest\.webmanifest$/);
		expect(errors).toEqual([]);
	} finally {
		await context.close();
		rmSync(profile, { recursive: true, force: true });
	}

	const res = await request.get('/manifest.webmanifest');
	expect(res.status()).toBe(200);
	expect(res.headers()['content-type']).toContain('application/manifest+json');
	const manifest = await res.json();
	expect(manifest).toMatchObject({
		name: '收银台 Teegon Till',
		short_name: '收银台',
		lang: 'zh-CN',
		display: 'standalone',
		start_url: '/',
		scope: '/',
		theme_color: '#b91c1c'
	});
	const icons = manifest.icons as { src: string; sizes: string; type: string; purpose: string }[];
	const pngs = icons.filter((i) => i.type === 'image/png');
	expect(pngs.map((i) => `${i.sizes} ${i.purpose}`).sort()).toEqual([
		'192x192 any',
		'512x512 any',
		'512x512 maskable'
	]);
	for (const icon of pngs) {
		const img = await request.get(icon.src);
		expect(img.status(), icon.src).toBe(200);
		const side = Number(icon.sizes.split('x')[0]);
		expect(pngSize(await img.body())).toEqual([side, side]);
	}
});

test('online, pages come from the network, not a fallback', async ({ page }) => {
	await page.goto('/');
	await waitForController(page);
	const missing = await page.goto('/no-such-page');
	expect(missing?.status()).toBe(404);
	// The old reports address goes to the back office's (fetched through the worker, never cached).
	await page.goto('/reports');
	expect(new URL(page.url()).pathname).not.toBe('/reports');
	await expect(page.getByTestId('office-offline')).toHaveCount(0);
});

test('once opened, the till starts offline; reports say they need the network', async ({
	page,
	context
}) => {
	await page.goto('/');
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();
	await waitForController(page);
	await waitForOfflineCopies(page);
	// What invalidateAll() fetches: the layouts' server data (the till's layout holds the
	// sandbox token), cached network first.
	const layoutData = () =>
		page.evaluate(() =>
			fetch('/__data.json?x-sveltekit-invalidated=11').then(
				async (r) => `HTTP ${r.status} ${(await r.text()).includes('sandbox')}`,
				() => 'network error'
			)
		);
	expect(await layoutData()).toBe('HTTP 200 true');

	await context.setOffline(true);
	const reloaded = await page.reload();
	expect(reloaded?.fromServiceWorker()).toBe(true);
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();

	// The till's data lives in IndexedDB: the service worker never answers /api/*.
	const api = await page.evaluate(() =>
		fetch('/api/health').then(
			(r) => `HTTP ${r.status}`,
			() => 'network error'
		)
	);
	expect(api).toBe('network error');
	expect(await layoutData()).toBe('HTTP 200 true');

	// The back office is never kept on the device: offline, it says it needs the network.
	await page.goto('/office/reports');
	await expect(page.getByTestId('office-offline')).toBeVisible();
	await expect(page.getByTestId('office-offline')).toContainText('需要网络连接');
	const keptOffice = await page.evaluate(async () =>
		(await (await caches.open('till-pages')).keys()).some((r) =>
			new URL(r.url).pathname.startsWith('/office')
		)
	);
	expect(keptOffice).toBe(false);

	// Back to the till offline: the till's screens are another group, loaded whole, from the
	// service worker's copy.
	await page.getByRole('link', { name: /返回收银台/ }).click();
	await expect(page).toHaveURL(/\/$/);
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();
	await expect(page.getByTestId('till')).toBeVisible();
	await expect(page.getByText('Internal Error')).toHaveCount(0);

	// A page never cached: offline, the till is opened instead.
	await page.goto('/never-visited');
	await expect(page).toHaveURL(/\/$/);
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();
});

test('no update banner on a fresh start', async ({ page }) => {
	await page.goto('/');
	await waitForController(page);
	await expect(page.getByTestId('pwa-update')).toHaveCount(0);
});
