/**
 * The fault suite's browser half: the real built till in Chromium losing its network or its
 * tab in the middle of a payment-code charge or of the sync that follows, and talking to the
 * server through the fault-injecting proxy (scripts/load/fault-proxy.ts, on E2E_PORT + 1). Each test ends with
 * the ledger check through the server: the till sent one order for the sale (a charge is only
 * ever made again under the same order_no, which the server answers once), that order is final
 * on the server, and the store's sales grew by exactly that one sale, paid by that code.
 * serve.mjs: sandbox mode, slow reply 3 s, Teegon timeout 1.5 s.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { demoToken } from '../../src/lib/server/tills';
import { startFaultProxy, type FaultProxy } from '../../scripts/load/fault-proxy';
import { COLA, NOODLES, openTill, paymentCode, scan } from './till-helpers';

const auth = { authorization: `Bearer ${demoToken(DEFAULT_SANDBOX_CLIENT_SECRET)}` };

interface Summary {
	count: number;
	total: number;
	byTender: Record<string, number>;
}

async function summary(request: APIRequestContext): Promise<Summary> {
	const r = await request.get('/api/sales/summary?till=mine', { headers: auth });
	expect(r.status()).toBe(200);
	return (await r.json()) as Summary;
}

/** The body of every POST /api/charges the page sends, in order. */
function chargePosts(page: Page): Record<string, string>[] {
	const posts: Record<string, string>[] = [];
	page.on('request', (r) => {
		if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/charges')
			posts.push(r.postDataJSON() as Record<string, string>);
	});
	return posts;
}

async function ringUp(page: Page): Promise<void> {
	await scan(page, COLA.barcode);
	await scan(page, NOODLES.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥8.00');
}

/**
 * The ledger check: one order (every POST the same body), paid on the server, and the store's
 * sales grew by one sale of ¥8.00, all of it by payment code.
 */
async function ledgerHolds(
	request: APIRequestContext,
	before: Summary,
	posts: Record<string, string>[]
): Promise<void> {
	expect(posts.length).toBeGreaterThan(0);
	for (const p of posts) expect(p).toEqual(posts[0]);
	const order = posts[0]!.order_no!;
	const charge = await request.get(`/api/charges/${order}`, { headers: auth });
	expect(charge.status()).toBe(200);
	expect(((await charge.json()) as { state: string }).state).toBe('paid');
	// The sale reaches the server once; the till may still be sending it.
	await expect
		.poll(async () => (await summary(request)).count - before.count, { timeout: 20_000 })
		.toBe(1);
	await new Promise((r) => setTimeout(r, 1_500)); // a second, doubled send would land by now
	const after = await summary(request);
	expect(after.count - before.count).toBe(1);
	expect(after.total - before.total).toBe(800);
	expect((after.byTender.payment_code ?? 0) - (before.byTender.payment_code ?? 0)).toBe(800);
}

async function expectPaid(page: Page): Promise<void> {
	await expect(page.getByTestId('done').getByTestId('done-paid')).toHaveText(/收款成功/, {
		timeout: 20_000
	});
}

test.describe('the network and the tab', () => {
	test.beforeEach(async ({ page }) => {
		await openTill(page);
	});

	test('offline while the charge is on its way: unknown, no second code taken, paid once back online', async ({
		page,
		context
	}) => {
		const before = await summary(context.request);
		const posts = chargePosts(page);
		// The POST reaches the server and is charged; then the network goes and the answer with it.
		await page.route(
			'**/api/charges',
			async (route) => {
				await route.fetch();
				await context.setOffline(true);
				await route.abort('internetdisconnected');
			},
			{ times: 1 }
		);
		await ringUp(page);
		await scan(page, paymentCode('00'));
		const unknown = page.getByTestId('payment-unknown');
		await expect(unknown).toHaveText('正在向天工确认结果，请勿重复收款', { timeout: 10_000 });
		// Offline for a while: still unknown (the till keeps asking), and no second payment code.
		await page.waitForTimeout(3_000);
		await expect(unknown).toBeVisible();
		await scan(page, paymentCode('00'));
		await expect(page.getByTestId('payment-notice')).toHaveText(/请勿重复收款/);
		await context.setOffline(false);
		await expectPaid(page);
		await ledgerHolds(context.request, before, posts);
	});

	test('offline while the paid sale syncs (the server applied it, the answer was lost): sent again, kept once', async ({
		page,
		context
	}) => {
		const before = await summary(context.request);
		const posts = chargePosts(page);
		let syncs = 0;
		await page.route('**/api/sales', async (route) => {
			if (route.request().method() !== 'POST' || syncs++ > 0) return route.continue();
			await route.fetch(); // applied on the server…
			await context.setOffline(true); // …and the network goes before the answer arrives
			await route.abort('internetdisconnected');
		});
		await ringUp(page);
		await scan(page, paymentCode('00'));
		await expectPaid(page);
		await expect.poll(() => syncs).toBeGreaterThan(0);
		await page.getByTestId('new-sale').click();
		await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '1');
		// Applied once on the server already, queued on the device: the count says one, not zero.
		expect((await summary(context.request)).count - before.count).toBe(1);
		await context.setOffline(false);
		await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '0', {
			timeout: 20_000
		});
		expect(syncs).toBeGreaterThan(1);
		await ledgerHolds(context.request, before, posts);
	});

	test('offline before the charge could be sent, then back: the same order goes once', async ({
		page,
		context
	}) => {
		const before = await summary(context.request);
		const posts = chargePosts(page);
		// The network goes while the POST is leaving: it never reaches the server.
		await page.route(
			'**/api/charges',
			async (route) => {
				await context.setOffline(true);
				await route.abort('internetdisconnected');
			},
			{ times: 1 }
		);
		await ringUp(page);
		await scan(page, paymentCode('00'));
		await expect(page.getByTestId('payment-unknown')).toBeVisible({ timeout: 10_000 });
		const order = posts[0]!.order_no!;
		expect((await context.request.get(`/api/charges/${order}`, { headers: auth })).status()).toBe(
			404
		);
		await context.setOffline(false);
		await expectPaid(page);
		await ledgerHolds(context.request, before, posts);
	});

	test('the tab reloaded while the server is charging: the outcome is recovered, never charged twice', async ({
		page,
		context
	}) => {
		const before = await summary(context.request);
		const posts = chargePosts(page);
		await ringUp(page);
		// 05: the sandbox holds its reply 3 s, so the server is mid-charge when the tab goes.
		await scan(page, paymentCode('05'));
		await expect(page.getByTestId('payment-state')).toHaveAttribute('data-phase', 'charging');
		await expect.poll(() => posts.length).toBe(1);
		const order = posts[0]!.order_no!;
		// Stored on the server (it stores a charge before it calls Teegon): reload now.
		await expect
			.poll(
				async () =>
					(await context.request.get(`/api/charges/${order}`, { headers: auth })).status(),
				{ intervals: [50] }
			)
			.toBe(200);
		await page.reload();
		await expect(page.getByTestId('till')).toBeVisible();
		await expect(page.getByTestId('payment-state')).toBeVisible();
		await expectPaid(page);
		// After the reload the till only asks (the request body is gone): no second POST.
		expect(posts).toHaveLength(1);
		await ledgerHolds(context.request, before, posts);
		await page.getByTestId('new-sale').click();
		await page.getByTestId('recent-button').click();
		await expect(page.getByTestId('recent-sale')).toHaveCount(1);
	});
});

test.describe('through a fault-injecting proxy between the browser and the server', () => {
	const server = `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}`;
	const proxyPort = Number(process.env.E2E_PORT ?? 4173) + 1;
	let proxy: FaultProxy;
	test.use({ baseURL: `http://127.0.0.1:${proxyPort}` });
	test.beforeAll(async () => {
		proxy = await startFaultProxy(server, proxyPort);
	});
	test.afterAll(async () => proxy?.close());

	test('the charge answer reset, a poll cut short, the sale sent twice and answered 503: paid once, sold once', async ({
		page,
		playwright
	}) => {
		const direct = await playwright.request.newContext({ baseURL: server });
		const before = await summary(direct);
		const posts = chargePosts(page);
		const seen = { charge: 0, poll: 0, sale: 0 };
		proxy.setRule((req) => {
			const path = req.path.split('?')[0]!;
			if (req.method === 'POST' && path === '/api/charges' && seen.charge++ === 0)
				return { kind: 'reset-after' }; // charged; the answer never arrives
			if (req.method === 'GET' && path.startsWith('/api/charges/') && seen.poll++ === 0)
				return { kind: 'corrupt' }; // the answer cut in half
			if (req.method === 'POST' && path === '/api/sales') {
				const n = seen.sale++;
				if (n === 0) return { kind: 'status-after', status: 503 }; // applied, "503" to the till
				if (n === 1) return { kind: 'duplicate' }; // sent again: the server gets it twice more
			}
			return { kind: 'delay', ms: Math.floor(Math.random() * 40) };
		});
		await openTill(page);
		await ringUp(page);
		await scan(page, paymentCode('01')); // the customer confirms: a long poll to the end
		await expectPaid(page);
		await page.getByTestId('new-sale').click();
		await expect(page.getByTestId('sync-status')).toHaveAttribute('data-queued', '0', {
			timeout: 20_000
		});
		const faults = proxy.log.map((l) => l.split(' ').at(-1));
		for (const kind of ['reset-after', 'corrupt', 'status-after', 'duplicate'])
			expect(faults, kind).toContain(kind);
		await ledgerHolds(direct, before, posts);
		await direct.dispose();
	});
});
