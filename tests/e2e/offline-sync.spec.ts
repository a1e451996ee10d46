/**
 * The device's sale queue and sync engine in a real Chromium (real IndexedDB, Web Locks,
 * BroadcastChannel) against the built till: nothing lost, nothing doubled, whatever the
 * network or the tabs do. The shipped modules are bundled and injected into a page of the
 * till's origin (scripts/lib/offline-bundle.ts).
 */
import { expect, test, type Page } from '@playwright/test';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { demoToken } from '../../src/lib/server/tills';
import { offlineBundle } from '../../scripts/lib/offline-bundle';

const token = demoToken(DEFAULT_SANDBOX_CLIENT_SECRET);
let bundle: string;
// The bundle is test code injected as an inline script into an API answer of the till's
// origin, which the CSP rightly refuses; the product's own pages are not loaded here.
test.use({ bypassCSP: true });

test.beforeAll(async () => {
	bundle = await offlineBundle();
});

async function open(page: Page) {
	await page.goto('/api/health');
	await page.addScriptTag({ content: bundle });
}

async function summary(page: Page): Promise<{ count: number; total: number }> {
	const r = await page.request.get('/api/sales/summary?till=mine', {
		headers: { authorization: `Bearer ${token}` }
	});
	expect(r.status()).toBe(200);
	return (await r.json()) as { count: number; total: number };
}

const seed = (page: Page, db: string, n: number) =>
	page.evaluate(`window.tillOffline.seed(${JSON.stringify(db)}, ${n})`) as Promise<{
		count: number;
		total: number;
	}>;
const queued = (page: Page, db: string) =>
	page.evaluate(`window.tillOffline.queued(${JSON.stringify(db)})`) as Promise<number>;
/** Runs the engine until the outbox is empty (or `rounds` runs); returns the last run's result. */
const syncUntilEmpty = (page: Page, db: string, rounds = 20) =>
	page.evaluate(`(async () => {
		const e = window.tillOffline.engine(${JSON.stringify(db)}, ${JSON.stringify(token)});
		let last = null;
		for (let i = 0; i < ${rounds}; i++) {
			last = await e.syncNow({ force: true });
			if ((await window.tillOffline.queued(${JSON.stringify(db)})) === 0) break;
		}
		await e.stop();
		return { last, status: e.status };
	})()`) as Promise<{
		last: { synced: number; failed: number };
		status: { lastError: string | null };
	}>;

test("1,000 queued sales reach the server once each: count and sum equal the device's", async ({
	page
}) => {
	await open(page);
	const before = await summary(page);
	const device = await seed(page, 'e2e-thousand', 1000);
	expect(await queued(page, 'e2e-thousand')).toBe(1000);
	await syncUntilEmpty(page, 'e2e-thousand');
	expect(await queued(page, 'e2e-thousand')).toBe(0);
	const after = await summary(page);
	expect(after.count - before.count).toBe(device.count);
	expect(after.total - before.total).toBe(device.total);
});

test('the server answering 500, then 200: the queue waits and then goes, once', async ({
	page
}) => {
	await open(page);
	const before = await summary(page);
	const device = await seed(page, 'e2e-500', 25);
	let calls = 0;
	await page.route('**/api/sales', async (route) => {
		calls++;
		if (calls === 1) await route.fulfill({ status: 500, body: 'boom' });
		else await route.continue();
	});
	const first = await syncUntilEmpty(page, 'e2e-500', 1);
	expect(first.last.failed).toBe(25);
	expect(first.status.lastError).toBeTruthy();
	expect(await queued(page, 'e2e-500')).toBe(25);
	expect((await summary(page)).count).toBe(before.count);
	await syncUntilEmpty(page, 'e2e-500');
	expect(await queued(page, 'e2e-500')).toBe(0);
	const after = await summary(page);
	expect(after.count - before.count).toBe(device.count);
	expect(after.total - before.total).toBe(device.total);
});

test('a tab that dies mid-sync (the server applied, the device never heard) re-sends without doubling', async ({
	page,
	context
}) => {
	await open(page);
	const before = await summary(page);
	const device = await seed(page, 'e2e-crash', 40);
	let delivered!: () => void;
	const serverApplied = new Promise<void>((r) => (delivered = r));
	await page.route('**/api/sales', async (route) => {
		await route.fetch(); // the request reaches the server and is applied...
		delivered(); // ...and the tab dies before the answer arrives
	});
	void page
		.evaluate(
			`window.tillOffline.engine('e2e-crash', ${JSON.stringify(token)}).syncNow({ force: true })`
		)
		.catch(() => undefined);
	await serverApplied;
	await page.close();
	const mid = await context.request.get('/api/sales/summary?till=mine', {
		headers: { authorization: `Bearer ${token}` }
	});
	expect(((await mid.json()) as { count: number }).count - before.count).toBe(40);

	const again = await context.newPage();
	await open(again);
	expect(await queued(again, 'e2e-crash')).toBe(40); // the outbox kept every row
	await syncUntilEmpty(again, 'e2e-crash');
	expect(await queued(again, 'e2e-crash')).toBe(0);
	const after = await summary(again);
	expect(after.count - before.count).toBe(device.count);
	expect(after.total - before.total).toBe(device.total);
});

test('two tabs syncing the same queue at once: one leads (Web Locks), each sale reaches the server once', async ({
	page,
	context
}) => {
	await open(page);
	const other = await context.newPage();
	await open(other);
	const before = await summary(page);
	const device = await seed(page, 'e2e-tabs', 300);
	const start = (p: Page) =>
		p.evaluate(`(async () => {
			window.engine = window.tillOffline.engine('e2e-tabs', ${JSON.stringify(token)});
			window.engine.start();
			await new Promise((r) => setTimeout(r, 50));
			window.engine.nudge();
		})()`);
	await Promise.all([start(page), start(other)]);
	await expect.poll(() => queued(page, 'e2e-tabs'), { timeout: 20_000 }).toBe(0);
	const roles = await Promise.all(
		[page, other].map((p) => p.evaluate('window.engine.status.role'))
	);
	expect(roles.sort()).toEqual(['follower', 'leader']);
	const after = await summary(page);
	expect(after.count - before.count).toBe(device.count);
	expect(after.total - before.total).toBe(device.total);
});

test('the device database upgrades from the previous schema version and keeps its data', async ({
	page
}) => {
	await open(page);
	const r = (await page.evaluate(`window.tillOffline.upgradeFromV1('e2e-upgrade')`)) as {
		version: number;
		sales: { id: string; syncState: string; syncedAt: string | null; total: number }[];
		queued: number;
		chargesTable: boolean;
		ids: { queued: string; synced: string };
	};
	expect(r.version).toBeGreaterThanOrEqual(2);
	expect(r.chargesTable).toBe(true);
	expect(r.queued).toBe(1);
	const byId = new Map(r.sales.map((s) => [s.id, s]));
	expect(byId.get(r.ids.queued)).toMatchObject({ syncState: 'queued', syncedAt: null, total: 400 });
	expect(byId.get(r.ids.synced)).toMatchObject({
		syncState: 'synced',
		syncedAt: '2026-11-26T03:00:00.000Z',
		total: 600
	});
});
