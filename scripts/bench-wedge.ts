/**
 * `npm run bench:wedge`: the keyboard-wedge detector in real Chromium, fed seeded key streams at
 * their real timing (scanners at 1–60 ms a key, people at 100–250 ms with fast bigrams; with an
 * Enter and without), through the bare detector and through the till's own path, under the
 * defaults, the till's set-up (till-scanner.ts) and the two presets. Prints delays (median, p95,
 * max), misclassified streams and the floor, against the targets (Enter: < 5 ms; no suffix:
 * ≤ 50 ms; no misclassification). BENCH_WEDGE_STREAMS (30), BENCH_WEDGE_SEED, BENCH_WEDGE_SERIAL=1.
 */ import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './lib/chromium';
import { build } from 'esbuild';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { tillWedgeOptions } from '../src/lib/devices/scanner/till-scanner';
import { WEDGE_PRESETS, WedgeDetector } from '../src/lib/devices/scanner/wedge';
import type {
	ConfigSpec,
	Lane,
	RunArgs,
	RunResult,
	Stream,
	StreamKey,
	StreamRecord
} from './bench/wedge-entry';
import { prng } from './lib/prng';

const STREAMS = Number(process.env.BENCH_WEDGE_STREAMS ?? 30);
const SEED = Number(process.env.BENCH_WEDGE_SEED ?? 20240917);
const PARALLEL = process.env.BENCH_WEDGE_SERIAL !== '1';
const STAMPS: RunArgs['stamps'] =
	process.env.BENCH_WEDGE_STAMPS === 'delivery' ? 'delivery' : 'recorded';
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const TARGET_ENTER_MS = 5;
const TARGET_SUFFIXLESS_MS = 50;

// ---- the streams -----------------------------------------------------------------------------

const rand = prng(SEED);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * rand();
const int = (lo: number, hi: number) => Math.floor(uniform(lo, hi + 1));
const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');

function ean13(): string {
	const body = `69${int(0, 5)}${digits(9)}`; // GS1 China prefixes 690–695
	const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
	return body + String((10 - (sum % 10)) % 10);
}

/** WeChat Pay payment code: 18 digits starting 10–15. */
const wechatCode = () => `1${int(0, 5)}${digits(16)}`;

function keyOf(char: string): Omit<StreamKey, 'gapMs'> {
	if (/\d/.test(char)) return { key: char, code: `Digit${char}` };
	return { key: char, code: `Key${char.toUpperCase()}` };
}

const ENTER = { key: 'Enter', code: 'Enter' };

function scannerStream(perKeyMs: number, enter: boolean): Stream {
	const code = rand() < 0.5 ? ean13() : wechatCode();
	const gap = () => perKeyMs * uniform(0.8, 1.2);
	const keys: StreamKey[] = [...code].map((c, i) => ({ ...keyOf(c), gapMs: i === 0 ? 0 : gap() }));
	if (enter) keys.push({ ...ENTER, gapMs: gap() });
	return { truth: code, keys };
}

const WORDS = [
	'kele',
	'niunai',
	'kuangquanshui',
	'mianbao',
	'xiangjiao',
	'pingguo',
	'fangbianmian',
	'jidan',
	'dami',
	'shengchou',
	'cola',
	'water',
	'bread',
	'milk',
	'tissue'
];

function humanStream(enter: boolean): Stream {
	const n = int(3, 12);
	let text: string;
	const r = rand();
	if (r < 0.4) text = WORDS[int(0, WORDS.length - 1)]!.slice(0, n).padEnd(3, 'a');
	else if (r < 0.6)
		text = `1${int(3, 9)}${digits(9)}`; // a member's phone number, 11 digits
	else text = digits(n); // a quantity, a price, a code read off a label
	// 100–250 ms per key; one in seven a fast bigram of 60–90 ms.
	const gap = () => (rand() < 1 / 7 ? uniform(60, 90) : uniform(100, 250));
	const keys: StreamKey[] = [...text].map((c, i) => ({ ...keyOf(c), gapMs: i === 0 ? 0 : gap() }));
	if (enter) keys.push({ ...ENTER, gapMs: gap() });
	return { truth: null, keys };
}

/** Played first in every lane, not counted: the first scan also pays for JIT and first use. */
const warmup: Stream[] = [
	{ truth: '6901234567892', keys: [...'6901234567892', 'Enter'].map((c, i) => fixed(c, i, 5)) },
	{ truth: '6901234567892', keys: [...'6901234567892'].map((c, i) => fixed(c, i, 5)) },
	{ truth: null, keys: [...'abc12', 'Enter'].map((c, i) => fixed(c, i, 150)) }
];

function fixed(c: string, i: number, gapMs: number): StreamKey {
	return { ...(c === 'Enter' ? ENTER : keyOf(c)), gapMs: i === 0 ? 0 : gapMs };
}

interface LaneMeta {
	kind: string;
	enter: boolean;
}

const KINDS: { kind: string; make: (enter: boolean) => Stream }[] = [
	...[1, 5, 20, 60].map((ms) => ({
		kind: `scanner ${ms} ms`,
		make: (enter: boolean) => scannerStream(ms, enter)
	})),
	{ kind: 'human typing', make: humanStream }
];

const lanes: Lane[] = [];
const laneMeta = new Map<string, LaneMeta>();
for (const { kind, make } of KINDS) {
	for (const enter of [true, false]) {
		const name = `${kind} · ${enter ? 'Enter' : 'none'}`;
		laneMeta.set(name, { kind, enter });
		lanes.push({ name, streams: Array.from({ length: STREAMS }, () => make(enter)) });
	}
}

// ---- the settings ----------------------------------------------------------------------------

const configs: ConfigSpec[] = [
	{ name: 'defaults', options: {} },
	// What the till screen runs on a fresh device (no scanner settings stored).
	{ name: 'till', options: tillWedgeOptions(null) },
	{ name: 'slowScanner', options: { ...WEDGE_PRESETS.slowScanner } },
	{ name: 'suffixless', options: { ...WEDGE_PRESETS.suffixlessScanner } }
];
const holdMs = (c: ConfigSpec) => new WedgeDetector(c.options).holdTimeoutMs;
// Long enough for the slowest hold timer to end the burst, with room for a late timer.
const PAUSE_MS = Math.max(...configs.map(holdMs)) + 70;

// ---- the page --------------------------------------------------------------------------------

async function bundle(): Promise<string> {
	const out = await build({
		entryPoints: [`${ROOT}scripts/bench/wedge-entry.ts`],
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

// ---- the report ------------------------------------------------------------------------------

function pct(xs: number[], p: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const ms = (x: number | undefined, w = 7) => (x === undefined ? '—' : x.toFixed(2)).padStart(w);

interface Verdict {
	/** Delays of correct scans, ms. */
	delays: number[];
	/** Correct scans of an Enter stream that did not fire on the Enter key. */
	offEnter: number;
	scans: number;
	misclassified: number;
	/** Streams whose keys reached the page lost, doubled or out of order. */
	garbled: number;
}

function judge(streams: Stream[], records: StreamRecord[], enter: boolean): Verdict {
	const v: Verdict = { delays: [], offEnter: 0, scans: 0, misclassified: 0, garbled: 0 };
	streams.forEach((stream, i) => {
		const rec = records[i]!;
		v.scans += rec.scans.length;
		const only = rec.scans.length === 1 ? rec.scans[0]! : undefined;
		const right =
			stream.truth === null ? rec.scans.length === 0 : only?.code === stream.truth && !!only;
		if (!right) v.misclassified++;
		else if (only) {
			v.delays.push(only.delayMs);
			if (enter && only.onKey !== 'Enter') v.offEnter++;
		}
		// A scan swallows its keys; anything else must reach the page exactly as typed.
		const typed = stream.keys.map((k) => ([...k.key].length === 1 ? k.key : `<${k.key}>`));
		const expected = right && stream.truth !== null ? [] : typed;
		if (rec.seen.join('\u0000') !== expected.join('\u0000')) v.garbled++;
	});
	return v;
}

function stats(xs: number[]) {
	return xs.length === 0
		? { median: undefined, p95: undefined, max: undefined }
		: { median: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs) };
}

function report(result: RunResult, version: string, wallMs: number) {
	const paths = [
		{ id: 'detector', title: 'detector: WedgeDetector.feed, page timers' },
		{ id: 'dom', title: 'DOM: Scanner + createWedgeSource, keydowns' }
	];
	const describe = (c: ConfigSpec) => {
		const o = new WedgeDetector(c.options);
		return `${c.name.padEnd(12)} maxGap ${o.maxGapMs}, avgGap ${o.avgGapMs}, idle ${o.idleTimeoutMs} ms, suffixless ${o.allowSuffixless ? 'yes' : 'no'}`;
	};
	console.log(
		`bench:wedge — Chromium ${version}, ${STREAMS} streams per kind and suffix, seed ${SEED}, ` +
			`${result.lanes.length} lanes ${PARALLEL ? 'at the same time' : 'one after the other'}, ` +
			`${(wallMs / 1000).toFixed(1)} s`
	);
	const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
	console.log(
		`machine: ${availableParallelism()} CPUs, load average ${load(loadBefore)} before, ` +
			`${load(loadavg())} after`
	);
	console.log(
		`clock: performance.now() step ${(result.clockStepMs * 1000).toFixed(0)} µs` +
			` (crossOriginIsolated ${result.crossOriginIsolated}); key timeStamps: ${STAMPS}` +
			`; pause between streams ${PAUSE_MS} ms; ${warmup.length} warm-up streams per lane`
	);
	for (const c of configs) console.log(`settings ${describe(c)}`);
	console.log('');
	console.log('timing of the played streams (actual − planned gap between keys, ms):');
	for (const lane of result.lanes) {
		const e = lane.gapErrors;
		console.log(
			`  ${lane.name.padEnd(26)} gaps median ${ms(pct(lane.gaps, 50), 6)}  error median ${ms(pct(e, 50), 5)}  p95 ${ms(pct(e, 95), 5)}  max ${ms(Math.max(...e), 5)}`
		);
	}
	console.log('');

	const cell = (v: Verdict) => {
		const s = stats(v.delays);
		return (
			`│${String(v.scans).padStart(6)}${ms(s.median, 9)}${ms(s.p95, 9)}${ms(s.max, 9)}` +
			`${String(v.misclassified).padStart(7)}${String(v.garbled).padStart(6)} `
		);
	};
	const width = 48;
	console.log('delay from the last key fed (the Enter, or the last character) to the scan, ms');
	console.log(
		`${''.padEnd(34)}${paths.map((p) => `│ ${p.title}`.slice(0, width).padEnd(width)).join('')}`
	);
	console.log(
		`${'stream'.padEnd(15)}${'suffix'.padEnd(7)}${'settings'.padEnd(12)}` +
			paths
				.map(() => `│${'scans'.padStart(6)}${'median'.padStart(9)}${'p95'.padStart(9)}`)
				.map((h) => `${h}${'max'.padStart(9)}${'miscl'.padStart(7)}${'text'.padStart(6)} `)
				.join('')
	);
	const verdicts = new Map<string, Verdict>(); // `${config}/${path}/${lane}`
	for (const lane of result.lanes) {
		const meta = laneMeta.get(lane.name)!;
		const streams = lanes.find((l) => l.name === lane.name)!.streams;
		for (const c of configs) {
			let row = `${meta.kind.padEnd(15)}${(meta.enter ? 'Enter' : 'none').padEnd(7)}${c.name.padEnd(12)}`;
			for (const p of paths) {
				const v = judge(streams, lane.sinks[`${c.name}/${p.id}`]!, meta.enter);
				verdicts.set(`${c.name}/${p.id}/${lane.name}`, v);
				row += cell(v);
			}
			console.log(row);
		}
	}
	console.log(
		`scans: scan events in the ${STREAMS} streams · delays: of the rightly read streams · ` +
			'miscl: streams read wrong (a scanner stream not read as exactly its code, once; a typed ' +
			'stream read as any scan) · text: streams whose keys the page did not get exactly as typed ' +
			'(or, for a rightly read scan, got any of)'
	);
	console.log('');
	console.log('baseline: a bare capture keydown listener on the window, delay to Enter, ms');
	for (const lane of result.lanes.filter((l) => laneMeta.get(l.name)!.enter)) {
		const s = stats(lane.baseline);
		console.log(
			`  ${lane.name.padEnd(26)} n ${String(lane.baseline.length).padStart(3)}  median ${ms(s.median)}  p95 ${ms(s.p95)}  max ${ms(s.max)}`
		);
	}
	console.log('');

	// ---- the targets --------------------------------------------------------------------------
	console.log(
		`targets: Enter suffix → the scan fires on that key, < ${TARGET_ENTER_MS} ms; no suffix →` +
			` ≤ ${TARGET_SUFFIXLESS_MS} ms after the last key; zero misclassified streams`
	);
	const pf = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
	for (const c of configs) {
		for (const p of paths) {
			const of = (pred: (m: LaneMeta) => boolean) =>
				result.lanes
					.filter((l) => pred(laneMeta.get(l.name)!))
					.map((l) => ({ name: l.name, v: verdicts.get(`${c.name}/${p.id}/${l.name}`)! }));
			const scannerEnter = of((m) => m.enter && m.kind.startsWith('scanner'));
			const scannerNone = of((m) => !m.enter && m.kind.startsWith('scanner'));
			const enterDelays = scannerEnter.flatMap((x) => x.v.delays);
			const enterRead = enterDelays.length;
			const offEnter = scannerEnter.reduce((n, x) => n + x.v.offEnter, 0);
			const enterMax = enterDelays.length ? Math.max(...enterDelays) : undefined;
			const t1 = enterRead > 0 && offEnter === 0 && (enterMax ?? 0) < TARGET_ENTER_MS;
			const noneDelays = scannerNone.flatMap((x) => x.v.delays);
			const noneMax = noneDelays.length ? Math.max(...noneDelays) : undefined;
			const t2 = noneMax !== undefined && noneMax <= TARGET_SUFFIXLESS_MS;
			const noneOver = scannerNone
				.map((x) => ({
					name: x.name,
					n: x.v.delays.filter((d) => d > TARGET_SUFFIXLESS_MS).length
				}))
				.filter((x) => x.n > 0);
			const all = of(() => true);
			const wrong = all.filter((x) => x.v.misclassified > 0);
			const total = all.reduce((n, x) => n + x.v.misclassified, 0);
			const garbled = all.reduce((n, x) => n + x.v.garbled, 0);
			const t2text =
				noneMax === undefined
					? `FAIL (no suffixless scan is ever read)`
					: `${pf(t2)} (max ${noneMax.toFixed(2)} ms, ` +
						`${noneDelays.filter((d) => d > TARGET_SUFFIXLESS_MS).length}/${noneDelays.length} over` +
						(noneOver.length
							? `: ${noneOver.map((x) => `${x.name.replace(' · none', '')} ${x.n}`).join(', ')}`
							: '') +
						')';
			console.log(
				`  ${c.name.padEnd(12)}${p.id.padEnd(9)}` +
					`Enter ${pf(t1)} (max ${ms(enterMax, 0)} ms, ` +
					`${enterDelays.filter((d) => d >= TARGET_ENTER_MS).length}/${enterRead} over, ` +
					`${enterRead - offEnter}/${enterRead} on the Enter)` +
					` · no suffix ${t2text}` +
					` · misclassified ${total === 0 ? 'PASS' : `FAIL ${total}/${all.length * STREAMS}`}` +
					(wrong.length
						? ` [${wrong.map((x) => `${x.name} ${x.v.misclassified}`).join(', ')}]`
						: '') +
					(garbled ? ` · ${garbled} streams garbled` : '')
			);
		}
	}
	// Which settings read each kind right (0 misclassified on both paths).
	console.log('');
	console.log('settings that read each kind right (0 misclassified on both paths):');
	for (const lane of result.lanes) {
		const good = configs.filter((c) =>
			paths.every((p) => verdicts.get(`${c.name}/${p.id}/${lane.name}`)!.misclassified === 0)
		);
		console.log(`  ${lane.name.padEnd(26)} ${good.map((c) => c.name).join(', ') || 'none'}`);
	}
	console.log(
		'  (60 ms/key without a suffix: timing alone decides such a burst only after 90 ms of ' +
			'silence, since its next key may still be 72 ms away, so its delay is over 50 ms on ' +
			'settings that wait for silence. The suffixless setting, for scanners set to send no ' +
			'suffix, reads product and payment codes on their last digit; it is not for scanners ' +
			'that send Enter, whose scans it then reads on the last digit, before the Enter)'
	);
}

let loadBefore = loadavg();

async function main() {
	const started = Date.now();
	const browser = await chromium.launch(chromiumLaunchOptions);
	try {
		const page = await browser.newPage();
		page.on('console', (m) => {
			if (m.type() === 'error') console.error(`page: ${m.text()}`);
		});
		// A cross-origin-isolated page on a secure origin gets a 5 µs clock instead of 100 µs.
		await page.route('http://localhost/bench-wedge', (route) =>
			route.fulfill({
				status: 200,
				contentType: 'text/html',
				headers: {
					'Cross-Origin-Opener-Policy': 'same-origin',
					'Cross-Origin-Embedder-Policy': 'require-corp'
				},
				body: '<!doctype html><title>bench:wedge</title><body></body>'
			})
		);
		await page.goto('http://localhost/bench-wedge');
		await page.addScriptTag({ content: await bundle() });
		const args: RunArgs = {
			lanes,
			warmup,
			stamps: STAMPS,
			configs,
			pauseMs: PAUSE_MS,
			parallel: PARALLEL
		};
		loadBefore = loadavg();
		// The page-side code is in the bundle (tsx's helpers must not leak into evaluate).
		const result = (await page.evaluate(
			`window.tillWedge.run(${JSON.stringify(args)})`
		)) as RunResult;
		report(result, browser.version(), Date.now() - started);
	} finally {
		await browser.close();
	}
}

main().catch((e: unknown) => {
	console.error(e);
	process.exit(1);
});
