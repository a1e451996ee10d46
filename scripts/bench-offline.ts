/**
 * `npm run bench:offline`: in a real Chromium against the built till (sandbox mode),
 * - the time to commit a sale to IndexedDB (recordSale: the sale and its outbox row in one
 *   transaction), median and p95, against a baseline in the same page: one raw IndexedDB put
 *   of the same object;
 * - the time to sync a backlog of 10,000 queued sales with SaleSync, against a baseline in
 *   the same page: the same number of fresh sales POSTed in the same batches with bare fetch.
 * Then checks that the server's count and sum grew by exactly what the device sent.
 * Needs `npm run build` first. BENCH_SALES (10000), BENCH_COMMITS (1000).
 */
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './lib/chromium';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../src/lib/server/config';
import { demoToken } from '../src/lib/server/tills';
import { startBuiltTill } from './bench/built-till';
import { offlineBundle } from './lib/offline-bundle';
import type { BenchResult } from './bench/offline-entry';

const SALES = Number(process.env.BENCH_SALES ?? 10_000);
const COMMITS = Number(process.env.BENCH_COMMITS ?? 1000);

async function main() {
	if (!existsSync('build/index.js')) throw new Error('run `npm run build` first');
	const dir = mkdtempSync(join(tmpdir(), 'till-bench-offline-'));
	const till = await startBuiltTill({ DATABASE_URL: join(dir, 'till.db') });
	const browser = await chromium.launch(chromiumLaunchOptions);
	try {
		// The bundle is bench code injected into an API answer of the till's origin, which the
		// till's CSP rightly refuses; none of the product's pages are loaded here.
		const page = await browser.newPage({ bypassCSP: true });
		await page.goto(`${till.url}/api/health`);
		await page.addScriptTag({ content: await offlineBundle() });
		const token = demoToken(DEFAULT_SANDBOX_CLIENT_SECRET);
		// The page-side code is bundled with the modules (tsx's helpers must not leak into evaluate).
		const result = (await page.evaluate(
			`window.tillOffline.benchOffline(${JSON.stringify({ SALES, COMMITS, token })})`
		)) as BenchResult;
		const c = result.commit;
		const s = result.sync;
		console.log(
			`bench:offline — Chromium ${browser.version()}, built till, ${COMMITS} commits, backlog of ${SALES}`
		);
		console.log(
			`commit  recordSale      median ${c.median.toFixed(2)} ms  p95 ${c.p95.toFixed(2)} ms`
		);
		console.log(
			`        raw IDB put     median ${c.rawMedian.toFixed(2)} ms  p95 ${c.rawP95.toFixed(2)} ms   ratio ${(c.median / c.rawMedian).toFixed(2)}× median`
		);
		console.log(
			`sync    SaleSync        ${SALES} sales in ${(s.ms / 1000).toFixed(2)} s (${((SALES / s.ms) * 1000).toFixed(0)} sales/s)`
		);
		console.log(
			`        bare fetch      ${SALES} sales in ${(s.rawMs / 1000).toFixed(2)} s   ratio ${(s.ms / s.rawMs).toFixed(2)}×`
		);
		console.log(
			`check   queued ${s.queued}, server count grew by ${s.serverAdded} ${s.serverAdded === s.queued ? '(exact)' : '(MISMATCH)'}`
		);
		if (s.serverAdded !== s.queued) process.exitCode = 1;
	} finally {
		await browser.close();
		await till.stop();
	}
}

main().catch((e: unknown) => {
	console.error(e);
	process.exit(1);
});
