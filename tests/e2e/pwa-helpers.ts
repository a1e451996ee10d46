/**
 * Waits for the service worker's start-up work. Every Playwright test has a fresh context, so
 * the first page load installs the service worker (downloading and storing every client file)
 * and stores the offline copies of the pages: CPU time that timing-sensitive tests (the
 * keyboard-wedge scanner) should not share. `waitForPwaIdle(page)` after opening the till.
 */
import { expect, type Page } from '@playwright/test';

/** The service worker controls the page (clientsClaim: no reload needed on the first visit). */
export async function waitForController(page: Page): Promise<void> {
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
		timeout: 15_000
	});
}

/** The pages kept for offline starts are stored (src/lib/pwa/register.ts). */
export async function waitForOfflineCopies(page: Page): Promise<void> {
	// Not page.waitForFunction: it takes a returned Promise for a truthy value.
	await expect
		.poll(
			() =>
				page.evaluate(async () => {
					const cache = await caches.open('till-pages');
					return Boolean(await cache.match('/'));
				}),
			{ timeout: 15_000, intervals: [100] }
		)
		.toBe(true);
}

/** Service worker installed and in control, offline copies stored: the PWA is idle. */
export async function waitForPwaIdle(page: Page): Promise<void> {
	await waitForController(page);
	await waitForOfflineCopies(page);
}
