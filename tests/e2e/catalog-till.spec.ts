/**
 * A catalog change reaching a till that is open: a product imported on the server (as the owner
 * would, with `npm run admin -- import-products`) shows on the till within seconds under its
 * category's tab, a new price follows, and taking it off sale takes it off the till. Its own
 * product and category, so the demo catalog the other suites sell from stays as it is.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { admin } from '../helpers/admin';
import { openTill } from './till-helpers';

const DB = join(process.env.E2E_DB_DIR ?? '', 'till.db');

async function importCsv(text: string): Promise<void> {
	const file = join(mkdtempSync(join(tmpdir(), 'till-e2e-csv-')), 'p.csv');
	writeFileSync(file, text);
	const r = await admin(['import-products', file], DB);
	expect(r.stderr).toBe('');
	expect(r.code).toBe(0);
}

test('a product imported on the server reaches the open till, then its price, then off sale', async ({
	page
}) => {
	await openTill(page);
	const header = '名称,价格,条码,分类,在售\n';
	await importCsv(`${header}测试酸奶 200g,6.80,6909999000017,测试分类,1\n`);
	const tab = page.getByTestId('category-tab').filter({ hasText: '测试分类' });
	// The till pulls every 5 s.
	await expect(tab).toBeVisible({ timeout: 12_000 });
	await tab.click();
	await expect(tab).toHaveAttribute('aria-selected', 'true');
	const tile = page.getByTestId('category-products').getByTestId('product-tile');
	await expect(tile).toHaveText(/测试酸奶 200g\s*¥6\.80/);
	// Computed pinyin initials find it.
	await importCsv(`${header}测试酸奶 200g,7.20,6909999000017,测试分类,1\n`);
	await expect(tile).toHaveText(/¥7\.20/, { timeout: 12_000 });
	await page.getByTestId('search-input').fill('cssn');
	await expect(page.getByTestId('search-results').getByTestId('product-tile')).toHaveText(
		/测试酸奶/
	);
	await page.getByTestId('search-input').fill('');
	await importCsv(`${header}测试酸奶 200g,7.20,6909999000017,测试分类,0\n`);
	await expect(tab).toHaveCount(0, { timeout: 12_000 });
	await expect(page.getByTestId('favourites')).toBeVisible();
});
