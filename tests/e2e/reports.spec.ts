/**
 * The owner's reports in the browser: the figures on screen equal the ones computed in this
 * test from the sales it sent (tests/helpers/report-data.ts, no server code), the CSV export
 * equals the screen, the page reads on a 360 px phone in Chinese, and the reports' chunks
 * (uPlot among them) are not in the till's precache.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { demoToken } from '../../src/lib/server/tills';
import { displayYuan, parseYuan } from '../../src/lib/domain/money';
import { officeOnlyFiles } from '../../scripts/lib/office-precache';
import { expectedReport, makeSale, parseCsv, type Seeded } from '../helpers/report-data';
import { signInAsOwner } from './office-helpers';

const auth = { authorization: `Bearer ${demoToken(DEFAULT_SANDBOX_CLIENT_SECRET)}` };
const FROM = '2026-11-28';
const TO = '2026-12-02';

/**
 * Sales from 11-27 to 12-02 in Shanghai (some a second either side of midnight). Their ids are
 * fixed: every test sends them, the server stores them once.
 */
async function seed(page: Page): Promise<{ seeded: Seeded[]; storeId: string; tillId: string }> {
	const me = (await (await page.request.get('/api/me', { headers: auth })).json()) as {
		till: { id: string };
		store?: { id: string };
	};
	const tillId = me.till.id;
	const storeId = me.store?.id ?? '';
	const start = Date.parse('2026-11-27T00:00:00+08:00');
	const seeded: Seeded[] = Array.from({ length: 48 }, (_, i) => ({
		sale: {
			...makeSale(i, new Date(start + i * 3 * 3_600_000 - (i % 8 === 0 ? 1000 : 0)).toISOString()),
			id: `e2e-report-${i}`
		},
		tillId
	}));
	const r = await page.request.post('/api/sales', {
		headers: auth,
		data: { sales: seeded.map((s) => s.sale) }
	});
	expect(r.ok()).toBe(true);
	return { seeded, storeId, tillId };
}

test('the report shows the figures of the sales sent, and its CSV export equals the screen', async ({
	page
}) => {
	const { seeded, storeId } = await seed(page);
	await signInAsOwner(page);
	await page.goto(`/office/reports?store=${storeId}&from=${FROM}&to=${TO}`);
	const expected = expectedReport(seeded, {
		storeId,
		from: FROM,
		to: TO,
		tillId: null,
		charges: false
	});
	const t = expected.totals;
	await expect(page.getByTestId('figure-sales')).toHaveText(String(t.sales));
	for (const [id, fen] of [
		['total', t.total],
		['average', t.average],
		['discounts', t.discounts],
		['returns', 0],
		['net', t.net]
	] as const)
		await expect(page.getByTestId(`figure-${id}`)).toHaveText(displayYuan(fen));
	for (const [id, fen] of Object.entries(t.tenders))
		await expect(page.getByTestId(`tender-${id}`)).toHaveText(displayYuan(fen));
	await expect(page.getByTestId('figure-net-previous')).toContainText(
		displayYuan(expected.previous.totals.net)
	);
	const top = page.getByTestId('top-products').locator('tbody tr');
	await expect(top).toHaveCount(expected.topProducts.length);
	await expect(top.first()).toContainText(expected.topProducts[0]!.name);
	await expect(top.first()).toContainText(displayYuan(expected.topProducts[0]!.total));
	const cashiers = page.getByTestId('cashiers').locator('tbody tr');
	await expect(cashiers).toHaveCount(expected.byCashier.length);
	for (const [i, c] of expected.byCashier.entries())
		await expect(cashiers.nth(i)).toContainText(displayYuan(c.net));
	await expect(page.getByTestId('chart-hours').locator('canvas')).toBeVisible();
	await expect(page.getByTestId('chart-days').locator('canvas')).toBeVisible();

	// The export of what is on screen, as the owner downloads it.
	const screen = async (id: string) =>
		parseYuan((await page.getByTestId(id).innerText()).slice(1))!;
	const download = page.waitForEvent('download');
	await page.getByTestId('export-sales').click();
	const file = await (await download).path();
	const rows = parseCsv(readFileSync(file, 'utf8'));
	const sum = (col: string) => rows.reduce((s, r) => s + parseYuan(r[col]!)!, 0);
	expect(rows.length).toBe(Number(await page.getByTestId('figure-sales').innerText()));
	expect(sum('销售额')).toBe(await screen('figure-total'));
	expect(sum('单品折扣') + sum('整单折扣')).toBe(await screen('figure-discounts'));
	expect(sum('现金')).toBe(await screen('tender-cash'));
	expect(sum('微信支付')).toBe(await screen('tender-wechat'));
	expect(sum('支付宝')).toBe(await screen('tender-alipay'));
	expect(sum('其他付款码')).toBe(await screen('tender-other'));
	const lines = await page.request.get(
		`/office/reports/export?store=${storeId}&kind=lines&from=${FROM}&to=${TO}&lang=en`
	);
	expect(lines.headers()['content-type']).toContain('text/csv');
	const lineRows = parseCsv(await lines.text());
	expect(lineRows.reduce((s, r) => s + parseYuan(r['line total']!)!, 0) - sum('整单折扣')).toBe(
		await screen('figure-total')
	);
});

test('one till, and the daily summary of a day with the day before', async ({ page }) => {
	const { seeded, storeId, tillId } = await seed(page);
	await signInAsOwner(page);
	await page.goto(`/office/reports?store=${storeId}&till=${tillId}&from=${FROM}&to=${TO}`);
	const one = expectedReport(seeded, { storeId, from: FROM, to: TO, tillId, charges: false });
	await expect(page.getByTestId('figure-total')).toHaveText(displayYuan(one.totals.total));
	await page.goto(`/office/reports/daily?store=${storeId}&from=2026-12-01`);
	const day = expectedReport(seeded, {
		storeId,
		from: '2026-12-01',
		to: '2026-12-01',
		tillId: null,
		charges: false
	});
	await expect(page.getByTestId('report-day')).toHaveText('2026-12-01');
	await expect(page.getByTestId('figure-sales')).toHaveText(String(day.totals.sales));
	await expect(page.getByTestId('figure-net')).toHaveText(displayYuan(day.totals.net));
	await expect(page.getByTestId('figure-net-previous')).toContainText(
		displayYuan(day.previous.totals.net)
	);
	await page.getByTestId('day-before').click();
	await expect(page.getByTestId('report-day')).toHaveText('2026-11-30');
});

test('on a 360 px phone the report fits, in Chinese', async ({ page }) => {
	const { storeId } = await seed(page);
	await signInAsOwner(page);
	await page.setViewportSize({ width: 360, height: 740 });
	await page.goto(`/office/reports?store=${storeId}&from=${FROM}&to=${TO}`);
	await expect(page.getByTestId('chart-hours').locator('canvas')).toBeVisible();
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow).toBeLessThanOrEqual(0);
	await page.screenshot({ path: test.info().outputPath('reports-360.png'), fullPage: true });
	const words = await page.evaluate(() => {
		const body = document.body.cloneNode(true) as HTMLElement;
		// The language switch names each language in itself (English); the rest is Chinese.
		for (const el of body.querySelectorAll(
			'script, style, [data-testid="top-products"] td, [data-testid="language"]'
		))
			el.remove();
		return (body.textContent ?? '').match(/[A-Za-z]{2,}/g) ?? [];
	});
	// The zone's name is data (Asia/Shanghai); CSV is the file's name.
	expect(words.filter((w) => !['Asia', 'Shanghai', 'CSV', 'Zhang'].includes(w))).toEqual([]);
	for (const link of await page.locator('.report a.btn, .report button').all()) {
		const box = await link.boundingBox();
		expect(box!.height).toBeGreaterThanOrEqual(44);
	}
});

test('the reports are not in the till’s precache; uPlot is loaded by the reports only', async ({
	page
}) => {
	const sw = await (await page.request.get('/sw.js')).text();
	const office = [...officeOnlyFiles()];
	expect(office.some((f) => /\.js$/.test(f))).toBe(true);
	for (const f of office) expect(sw).not.toContain(f);
	const manifest = JSON.parse(
		readFileSync('.svelte-kit/output/client/.vite/manifest.json', 'utf8')
	) as Record<string, { file: string }>;
	const uplot = manifest['node_modules/uplot/dist/uPlot.esm.js']!.file;
	expect(office).toContain(uplot);
	// The till itself never fetches it.
	const fetched: string[] = [];
	page.on('request', (r) => fetched.push(r.url()));
	await page.goto('/');
	await expect(page.getByTestId('sandbox-badge')).toBeVisible();
	expect(fetched.some((u) => u.endsWith(uplot))).toBe(false);
});
