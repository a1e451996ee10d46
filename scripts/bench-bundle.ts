/**
 * `npm run bench:bundle`: the JavaScript the browser loads for the till (`/`), gzip, measured in
 * real Chromium against the built till (every script the page fetches until it is ready and the
 * network is idle; the service worker, which later precaches every client file, is left out),
 * against all client JavaScript of the build. With a build made by `npm run build -- --sourcemap`
 * it also says what the till's scripts spend, by package and by folder of src/lib.
 * Target: under 80 KB gzip for `/`.
 */
import { chromium } from '@playwright/test';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startBuiltTill } from './bench/built-till';
import { chromiumLaunchOptions } from './lib/chromium';

const CLIENT = 'build/client';
const TARGET_KB = 80;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(6)} KB`;
/** A script as shipped, without the source map's comment a --sourcemap build adds. */
const code = (file: string) =>
	readFileSync(file, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '');
const gz = (text: string) => gzipSync(text, { level: 9 }).length;

function allScripts(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return allScripts(path);
		return name.endsWith('.js') ? [path] : [];
	});
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * A source map's mappings: per generated line, [column, source] of each segment (base64 VLQ,
 * fields relative to the previous segment; the source index runs on across lines).
 */
function decode(mappings: string): [number, number | undefined][][] {
	let source = 0;
	return mappings.split(';').map((line) => {
		let column = 0;
		return line
			.split(',')
			.filter(Boolean)
			.map((segment) => {
				const fields: number[] = [];
				let value = 0;
				let shift = 0;
				for (const ch of segment) {
					const digit = B64.indexOf(ch);
					value += (digit & 31) << shift;
					if (digit & 32) shift += 5;
					else {
						fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
						value = 0;
						shift = 0;
					}
				}
				column += fields[0] ?? 0;
				if (fields.length > 1) source += fields[1]!;
				return [column, fields.length > 1 ? source : undefined];
			});
	});
}

/** Which package or folder a source file of the map belongs to. */
function groupOf(source: string): string {
	const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/(src\/[^/]+))?/.exec(source);
	if (pkg) return pkg[1] === 'svelte' || pkg[1] === '@sveltejs/kit' ? `${pkg[1]} runtime` : pkg[1]!;
	const lib = /src\/lib\/([^/]+)(?:\/([^/.]+))?/.exec(source);
	if (lib)
		return lib[1] === 'i18n' && /zh-CN|en\.ts/.test(source) ? 'lib/i18n messages' : `lib/${lib[1]}`;
	if (/src\/routes\//.test(source)) return 'routes';
	return 'kit generated';
}

/** Bytes of the scripts' code per group, from their source maps. */
function spending(files: string[]): Map<string, string> | null {
	if (!files.every((f) => existsSync(`${f}.map`))) return null;
	const groups = new Map<string, string>();
	for (const file of files) {
		const lines = code(file).split('\n');
		const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as {
			sources: string[];
			mappings: string;
		};
		decode(map.mappings).forEach((segments, li) => {
			const line = lines[li] ?? '';
			segments.forEach((s, i) => {
				const end = i + 1 < segments.length ? segments[i + 1]![0] : line.length;
				const group = s[1] === undefined ? 'kit generated' : groupOf(map.sources[s[1]]!);
				groups.set(group, (groups.get(group) ?? '') + line.slice(s[0], end));
			});
		});
	}
	return groups;
}

async function main(): Promise<void> {
	const till = await startBuiltTill();
	const browser = await chromium.launch(chromiumLaunchOptions);
	const loaded = new Set<string>();
	try {
		const context = await browser.newContext({ serviceWorkers: 'block' });
		const page = await context.newPage();
		await page.addInitScript(() => localStorage.setItem('till.cashier', '小王'));
		page.on('response', (r) => {
			if (r.request().resourceType() === 'script') loaded.add(new URL(r.url()).pathname);
		});
		await page.goto(till.url);
		await page.getByTestId('favourites').getByTestId('product-tile').first().waitFor();
		await page.waitForLoadState('networkidle');
		await page.waitForTimeout(1000);
	} finally {
		await browser.close();
		await till.stop();
	}
	const files = [...loaded].map((p) => join(CLIENT, p)).filter((f) => existsSync(f));
	const sizes = files.map((f) => ({ file: f, raw: code(f).length, gz: gz(code(f)) }));
	const total = sizes.reduce((s, f) => s + f.gz, 0);
	const everything = allScripts(join(CLIENT, '_app')).reduce((s, f) => s + gz(code(f)), 0);
	console.log(`bench:bundle — the scripts Chromium loads for / (gzip -9, each file)`);
	for (const f of sizes.sort((a, b) => b.gz - a.gz))
		console.log(`  ${kb(f.gz)}  (${kb(f.raw)} raw)  ${f.file.slice(CLIENT.length)}`);
	console.log(
		`till route ${kb(total)} in ${files.length} files   ${total / 1024 < TARGET_KB ? 'PASS' : 'FAIL'} (target < ${TARGET_KB} KB)`
	);
	console.log(`all client JS of the build ${kb(everything)} (the service worker precaches it all)`);
	const groups = spending(files);
	if (!groups) {
		console.log(
			'(for what it spends, build with `npm run build -- --sourcemap` and run this again)'
		);
		return;
	}
	console.log('what it spends (each group gzipped alone, so they add up to a little more):');
	const rows = [...groups].map(([name, text]) => ({ name, raw: text.length, gz: gz(text) }));
	for (const r of rows.sort((a, b) => b.gz - a.gz).filter((r) => r.gz > 200))
		console.log(`  ${kb(r.gz)}  (${kb(r.raw)} raw)  ${r.name}`);
}

main().catch((e: unknown) => {
	console.error(e);
	process.exit(1);
});
