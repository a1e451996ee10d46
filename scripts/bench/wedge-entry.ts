/**
 * Bundled into a Chromium page for `npm run bench:wedge`: plays recorded key streams, at their
 * recorded times, at the same moment into a bare WedgeDetector, the till's own path (a Scanner
 * hub with createWedgeSource on an iframe's window, fed dispatched KeyboardEvents whose
 * timeStamp is the key's) and a bare keydown listener (the floor). Records every scan, its delay
 * and what the page saw of the keys. Keys are scheduled with setTimeout, then MessageChannel
 * tasks to the exact time (nested setTimeouts are clamped to 4 ms).
 */ import { Scanner } from '../../src/lib/devices/scanner/scanner';
import { WedgeDetector, type WedgeOptions } from '../../src/lib/devices/scanner/wedge';
import { createWedgeSource } from '../../src/lib/devices/scanner/wedge-source';

declare global {
	interface Window {
		tillWedge: typeof api;
	}
}

export interface StreamKey {
	key: string;
	code: string;
	/** Planned gap before this key, ms (0 for the first key). */
	gapMs: number;
}

export interface Stream {
	/** The code a scanner stream must be read as; null for typing, which must never be a scan. */
	truth: string | null;
	keys: StreamKey[];
}

export interface Lane {
	name: string;
	streams: Stream[];
}

export interface ConfigSpec {
	name: string;
	options: Omit<WedgeOptions, 'onScan' | 'onRelease' | 'timer' | 'isScanChar'>;
}

export interface RunArgs {
	lanes: Lane[];
	/** Played first in every lane and not recorded: JIT and first-use costs. */
	warmup: Stream[];
	/**
	 * 'recorded': a key's timeStamp is the time it was recorded at (the stream's start plus its
	 * planned gaps), as a real keydown carries the time the OS saw the key even when the page
	 * gets it late; 'delivery': performance.now() when it is fed.
	 */
	stamps: 'recorded' | 'delivery';
	configs: ConfigSpec[];
	/** Silence after a stream's last key before the next stream starts, ms. */
	pauseMs: number;
	/** Run the lanes at the same time (default) or one after the other. */
	parallel: boolean;
}

export interface ScanRecord {
	code: string;
	/** performance.now() at the scan callback − performance.now() right before the last key fed. */
	delayMs: number;
	/** The key being fed when the scan fired, or null when the idle timer fired it. */
	onKey: string | null;
}

export interface StreamRecord {
	scans: ScanRecord[];
	/** Keys the page saw, in order: a character, or <Enter> for named keys. */
	seen: string[];
}

export interface LaneResult {
	name: string;
	/** sink name ('defaults/detector', 'till/dom', …) → one record per stream. */
	sinks: Record<string, StreamRecord[]>;
	/** Per Enter-stream delay of the bare listener, ms. */
	baseline: number[];
	/** Actual − planned gap between consecutive keys, ms. */
	gapErrors: number[];
	/** Actual gaps, ms. */
	gaps: number[];
	ms: number;
}

export interface RunResult {
	lanes: LaneResult[];
	chromeMs: number;
	crossOriginIsolated: boolean;
	/** Smallest non-zero step of performance.now() seen, ms. */
	clockStepMs: number;
}

interface Sink {
	name: string;
	begin(): void;
	/** `at`: the key's timeStamp (performance.now() clock). */
	feed(k: StreamKey, at: number): void;
	end(): StreamRecord;
}

const label = (key: string): string => ([...key].length === 1 ? key : `<${key}>`);

// ---- scheduling ------------------------------------------------------------------------------

const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();

function nextTask(): Promise<void> {
	return new Promise((resolve) => {
		waiting.push(resolve);
		channel.port2.postMessage(0);
	});
}

async function waitUntil(t: number): Promise<void> {
	const coarse = t - performance.now() - 4;
	if (coarse > 0) await new Promise((resolve) => setTimeout(resolve, coarse));
	while (performance.now() < t) await nextTask();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- sinks -----------------------------------------------------------------------------------

function detectorSink(config: ConfigSpec): Sink {
	let rec: StreamRecord = { scans: [], seen: [] };
	let lastFedAt = 0;
	let feeding: string | null = null;
	const detector = new WedgeDetector({
		...config.options,
		onScan: (scan) => {
			rec.scans.push({ code: scan.code, delayMs: performance.now() - lastFedAt, onKey: feeding });
		},
		onRelease: (keys) => {
			for (const held of keys) rec.seen.push(label(held.char));
		}
	});
	return {
		name: `${config.name}/detector`,
		begin: () => {
			rec = { scans: [], seen: [] };
		},
		feed: (k, at) => {
			lastFedAt = performance.now();
			feeding = k.key;
			const decision = detector.feed({ key: k.key, code: k.code, timeStamp: at });
			feeding = null;
			if (decision === 'pass') rec.seen.push(label(k.key));
		},
		end: () => rec
	};
}

function frame(): { win: Window & typeof globalThis; doc: Document } {
	const iframe = document.createElement('iframe');
	document.body.append(iframe);
	return {
		win: iframe.contentWindow as Window & typeof globalThis,
		doc: iframe.contentDocument!
	};
}

async function domSink(config: ConfigSpec): Promise<Sink> {
	const { win, doc } = frame();
	let rec: StreamRecord = { scans: [], seen: [] };
	let lastFedAt = 0;
	let feeding: string | null = null;
	const scanner = new Scanner();
	scanner.onScan((scan) => {
		rec.scans.push({ code: scan.code, delayMs: performance.now() - lastFedAt, onKey: feeding });
	});
	scanner.onError((error) => console.error('wedge bench', error));
	await scanner.add(createWedgeSource({ ...config.options, target: win, document: doc }));
	await scanner.start();
	// What the page's own handlers get: replayed keys (synthetic keydowns, no field is focused)
	// and keys the detector let through.
	doc.addEventListener('keydown', (e) => rec.seen.push(label(e.key)));
	return {
		name: `${config.name}/dom`,
		begin: () => {
			rec = { scans: [], seen: [] };
		},
		feed: (k, at) => {
			lastFedAt = performance.now();
			feeding = k.key;
			const event = new win.KeyboardEvent('keydown', {
				key: k.key,
				code: k.code,
				bubbles: true,
				cancelable: true,
				composed: true
			});
			// A synthetic event's timeStamp is its construction time; a real one's is when the OS
			// saw the key, however late the page gets it. The source only compares timeStamps with
			// each other, so this page's clock serves.
			Object.defineProperty(event, 'timeStamp', { value: at });
			doc.body.dispatchEvent(event);
			feeding = null;
		},
		end: () => rec
	};
}

function baselineSink(out: number[]): Sink {
	const { win, doc } = frame();
	let lastFedAt = 0;
	win.addEventListener(
		'keydown',
		(e) => {
			if (e.key === 'Enter') out.push(performance.now() - lastFedAt);
		},
		{ capture: true }
	);
	return {
		name: 'baseline',
		begin: () => {},
		feed: (k) => {
			lastFedAt = performance.now();
			const event = new win.KeyboardEvent('keydown', {
				key: k.key,
				code: k.code,
				bubbles: true,
				cancelable: true
			});
			doc.body.dispatchEvent(event);
		},
		end: () => ({ scans: [], seen: [] })
	};
}

// ---- the run ---------------------------------------------------------------------------------

async function setupLane(configs: ConfigSpec[]): Promise<{ sinks: Sink[]; baseline: number[] }> {
	const baseline: number[] = [];
	const sinks: Sink[] = [
		...configs.map(detectorSink),
		...(await Promise.all(configs.map(domSink))),
		baselineSink(baseline)
	];
	return { sinks, baseline };
}

async function play(
	stream: Stream,
	sinks: Sink[],
	args: RunArgs,
	gaps?: { gaps: number[]; gapErrors: number[] }
): Promise<void> {
	for (const sink of sinks) sink.begin();
	let prev = 0;
	let recorded = 0;
	for (const [i, k] of stream.keys.entries()) {
		if (i > 0) await waitUntil(prev + k.gapMs);
		const now = performance.now();
		recorded = i === 0 ? now : recorded + k.gapMs;
		if (i > 0 && gaps) {
			gaps.gaps.push(now - prev);
			gaps.gapErrors.push(now - prev - k.gapMs);
		}
		prev = now;
		const at = args.stamps === 'recorded' ? recorded : now;
		for (const sink of sinks) sink.feed(k, at);
	}
	await sleep(args.pauseMs);
}

async function runLane(
	lane: Lane,
	{ sinks, baseline }: { sinks: Sink[]; baseline: number[] },
	args: RunArgs
): Promise<LaneResult> {
	for (const stream of args.warmup) await play(stream, sinks, args);
	baseline.length = 0;
	const result: LaneResult = {
		name: lane.name,
		sinks: Object.fromEntries(sinks.filter((s) => s.name !== 'baseline').map((s) => [s.name, []])),
		baseline,
		gapErrors: [],
		gaps: [],
		ms: 0
	};
	const started = performance.now();
	for (const stream of lane.streams) {
		await play(stream, sinks, args, result);
		for (const sink of sinks) {
			if (sink.name !== 'baseline') result.sinks[sink.name]!.push(sink.end());
		}
	}
	result.ms = performance.now() - started;
	return result;
}

function clockStep(): number {
	let step = Infinity;
	for (let i = 0; i < 200; i++) {
		const a = performance.now();
		let b = a;
		while (b === a) b = performance.now();
		step = Math.min(step, b - a);
	}
	return step;
}

async function run(args: RunArgs): Promise<RunResult> {
	// Every lane's iframes and sources first, so no lane plays while another is being set up.
	const setups = await Promise.all(args.lanes.map(() => setupLane(args.configs)));
	const started = performance.now();
	const lanes: LaneResult[] = [];
	if (args.parallel) {
		lanes.push(...(await Promise.all(args.lanes.map((l, i) => runLane(l, setups[i]!, args)))));
	} else {
		for (const [i, l] of args.lanes.entries()) lanes.push(await runLane(l, setups[i]!, args));
	}
	return {
		lanes,
		chromeMs: performance.now() - started,
		crossOriginIsolated: globalThis.crossOriginIsolated === true,
		clockStepMs: clockStep()
	};
}

const api = { run };
window.tillWedge = api;
