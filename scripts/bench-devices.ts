/**
 * `npm run bench:devices`: the counter hardware paths in a real Chromium (no build needed), with
 * the test fakes standing in for the hardware (tests/helpers/devices-bench-entry.ts):
 * - HID POS report → scan event on the till's scanner hub (target p95 ≤ 5 ms);
 * - serial line → scan event (target p95 ≤ 5 ms);
 * - a 100-line receipt encoded to ESC/POS bytes (target ≤ 20 ms; warm p95, and the first call,
 *   which also builds the GB18030 table, reported beside it).
 * Each with its floor from the same run: a bare listener / reader, TextEncoder over the text.
 * BENCH_DEVICES_N (500) samples each. Exits non-zero only on a crash.
 */
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { chromiumLaunchOptions } from './lib/chromium';
import type { BenchResult } from '../tests/helpers/devices-bench-entry';

const N = Number(process.env.BENCH_DEVICES_N ?? 500);
const ROOT = fileURLToPath(new URL('../', import.meta.url));

async function bundle(): Promise<string> {
	const out = await build({
		entryPoints: [`${ROOT}tests/helpers/devices-bench-entry.ts`],
		bundle: true,
		format: 'iife',
		platform: 'browser',
		target: 'chrome120',
		write: false,
		alias: { $lib: `${ROOT}src/lib` },
		logLevel: 'silent'
	});
	return out.outputFiles[0]!.text;
}

function quantile(xs: number[], q: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const ms = (x: number) => `${x.toFixed(3)} ms`;

function row(label: string, xs: number[], floor: number[], target?: number): void {
	const p95 = quantile(xs, 0.95);
	const verdict =
		target === undefined
			? ''
			: p95 <= target
				? `  PASS (≤ ${target} ms)`
				: `  FAIL (> ${target} ms)`;
	console.log(
		`${label.padEnd(34)} median ${ms(quantile(xs, 0.5))}  p95 ${ms(p95)}  max ${ms(Math.max(...xs))}` +
			`   floor median ${ms(quantile(floor, 0.5))} p95 ${ms(quantile(floor, 0.95))}${verdict}`
	);
}

async function main() {
	const browser = await chromium.launch(chromiumLaunchOptions);
	try {
		const page = await browser.newPage();
		page.on('console', (m) => {
			if (m.type() === 'error') console.error(`page: ${m.text()}`);
		});
		// A secure origin (the device APIs need one), cross-origin isolated for a 5 µs clock.
		await page.route('http://localhost/bench-devices', (route) =>
			route.fulfill({
				status: 200,
				contentType: 'text/html',
				headers: {
					'Cross-Origin-Opener-Policy': 'same-origin',
					'Cross-Origin-Embedder-Policy': 'require-corp'
				},
				body: '<!doctype html><title>bench:devices</title><body></body>'
			})
		);
		await page.goto('http://localhost/bench-devices');
		await page.addScriptTag({ content: await bundle() });
		const stage = (name: string, n: number) =>
			page.evaluate(`window.tillDevicesBench.${name}(${n})`) as Promise<Partial<BenchResult>>;
		const r = {
			...(await stage('receipt', Math.min(N, 200))),
			...(await stage('hid', N)),
			...(await stage('serial', N))
		} as BenchResult;
		console.log(`bench:devices — Chromium ${browser.version()}, ${N} samples each`);
		row('HID report → scan (EAN-13, 1 report)', r.hidEan, r.hidFloor, 5);
		row('HID report → scan (QR, 2 reports)', r.hidQr, r.hidFloor, 5);
		row('serial line → scan (split in 2 reads)', r.serial, r.serialFloor, 5);
		row(`receipt, 100 lines (${r.receiptBytes} B)`, r.receipt, r.receiptFloor, 20);
		console.log(
			`receipt, first call (builds GB18030 table) ${ms(r.receiptCold)}${r.receiptCold <= 20 ? '  PASS (≤ 20 ms)' : '  over 20 ms: the till builds the table at start (prepareGb18030)'}`
		);
	} finally {
		await browser.close();
	}
}

main().catch((e: unknown) => {
	console.error(e);
	process.exit(1);
});
