/**
 * Regression tests from the scanner-layer audit: scans cut in two by one hiccup gap, IME digits
 * typed by hand that never reach the field, and a hub that leaves a late-starting source running.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Scanner, type ScanEmit, type ScanSource } from '$lib/devices/scanner/scanner';
import {
	WedgeDetector,
	type HeldKey,
	type WedgeKey,
	type WedgeOptions,
	type WedgeScan
} from '$lib/devices/scanner/wedge';
import { WedgeSource } from '$lib/devices/scanner/wedge-source';
import { FakeInput, FakeKeyboardEvent } from './dom-fakes';
import { readScannerSettings } from '$lib/devices/scanner/scanner-settings';

const EAN = '6901234567892';
const WECHAT = '134567890123456789';

function digits(
	text: string,
	gap: (i: number) => number,
	start = 1000,
	suffix?: string
): WedgeKey[] {
	const keys: WedgeKey[] = [];
	let at = start;
	[...text].forEach((c, i) => {
		if (i > 0) at += gap(i);
		keys.push({ key: c, code: `Digit${c}`, keyCode: c.charCodeAt(0), timeStamp: at });
	});
	if (suffix) keys.push({ key: suffix, code: suffix, timeStamp: at + gap(text.length) });
	return keys;
}

function run(options: Omit<WedgeOptions, 'onScan' | 'onRelease'>, keys: WedgeKey[]) {
	const scans: WedgeScan[] = [];
	let released = '';
	const d = new WedgeDetector({
		...options,
		onScan: (s) => scans.push(s),
		onRelease: (ks: HeldKey[]) => (released += ks.map((k) => k.char).join(''))
	});
	let now = keys[0]?.timeStamp ?? 0;
	for (const k of keys) {
		vi.advanceTimersByTime(k.timeStamp - now);
		now = k.timeStamp;
		d.feed(k);
	}
	vi.advanceTimersByTime(500);
	return { scans: scans.map((s) => s.code), released };
}

// ---- the DOM side with an IME that commits digits through a cancelable beforeinput ----------

describe('wedge source: Chinese IME on, digits typed by hand', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	test('a digit the IME commits (cancelled in beforeinput while held) still reaches the field', () => {
		const input = new FakeInput();
		const doc = { activeElement: input, body: null, execCommand: () => false };
		const scans: string[] = [];
		const source = new WedgeSource({ target: input, document: doc as unknown as Document });
		source.start((s) => scans.push(s.code));
		let now = 1000;
		for (const d of '25') {
			now += 200;
			vi.advanceTimersByTime(200);
			input.dispatchEvent(
				new FakeKeyboardEvent('keydown', {
					key: 'Process',
					code: `Digit${d}`,
					keyCode: 229,
					timeStamp: now
				})
			);
			// The IME commits the digit: beforeinput (cancelable insertText), then the insert.
			const before = new Event('beforeinput', { cancelable: true });
			Object.assign(before, { inputType: 'insertText', data: d });
			input.dispatchEvent(before);
			if (!before.defaultPrevented) input.setRangeText(d, input.value.length, input.value.length);
		}
		vi.advanceTimersByTime(500);
		source.stop();
		expect(scans).toEqual([]);
		expect(input.value).toBe('25'); // the cashier typed 25 into the cash field
	});
});

describe('wedge source: IME text the page could not cancel', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	test('is not replayed a second time', () => {
		const input = new FakeInput();
		const doc = { activeElement: input, body: null, execCommand: () => false };
		const source = new WedgeSource({ target: input, document: doc as unknown as Document });
		source.start(() => {});
		vi.advanceTimersByTime(200);
		input.dispatchEvent(
			new FakeKeyboardEvent('keydown', {
				key: 'Process',
				code: 'Digit7',
				keyCode: 229,
				timeStamp: 1200
			})
		);
		const before = new Event('beforeinput', { cancelable: false });
		Object.assign(before, { inputType: 'insertText', data: '7' });
		input.dispatchEvent(before);
		input.setRangeText('7', 0, 0);
		vi.advanceTimersByTime(500);
		source.stop();
		expect(input.value).toBe('7');
	});
});

describe('scanner hub: a source whose start resolves after stop()', () => {
	test('is stopped again, so its port/device/listeners are not left open', async () => {
		let running = false;
		let finishStart!: () => void;
		const source: ScanSource = {
			name: 'serial',
			start: (_emit: ScanEmit) =>
				new Promise<void>((resolve) => {
					finishStart = () => {
						running = true;
						resolve();
					};
				}),
			stop: () => {
				running = false;
			}
		};
		const hub = new Scanner();
		await hub.add(source);
		const starting = hub.start();
		await hub.stop(); // the page is torn down while the port is still opening
		finishStart();
		await starting;
		await new Promise((r) => setTimeout(r, 0));
		expect(running).toBe(false);
	});
});

describe('wedge detector: a scanner set to send CR LF (Enter, Enter)', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	test('the second Enter of the suffix is swallowed too: it must not submit the cash form', () => {
		const decisions: string[] = [];
		const scans: string[] = [];
		const d = new WedgeDetector({ onScan: (s) => scans.push(s.code) });
		const keys = digits(EAN, () => 3, 1000, 'Enter');
		const last = keys.at(-1)!.timeStamp;
		keys.push({ key: 'Enter', code: 'Enter', timeStamp: last + 2 });
		for (const k of keys) decisions.push(d.feed(k));
		expect(scans).toEqual([EAN]);
		expect(decisions.slice(-2)).toEqual(['buffer', 'buffer']);
		// A person's Enter a moment later is theirs again.
		expect(d.feed({ key: 'Enter', code: 'Enter', timeStamp: last + 400 })).toBe('pass');
	});

	test('after a scan the silence ended, the late Enter and the Enter after it are both the scanner’s', () => {
		const scans: string[] = [];
		const d = new WedgeDetector({ onScan: (s) => scans.push(s.code) });
		const keys = digits(EAN, () => 3, 1000);
		for (const k of keys) d.feed(k);
		vi.advanceTimersByTime(60); // the 40 ms of silence decide it
		expect(scans).toEqual([EAN]);
		const last = keys.at(-1)!.timeStamp;
		expect(d.feed({ key: 'Enter', code: 'Enter', timeStamp: last + 60 })).toBe('buffer');
		expect(d.feed({ key: 'Enter', code: 'Enter', timeStamp: last + 62 })).toBe('buffer');
		expect(d.feed({ key: 'Enter', code: 'Enter', timeStamp: last + 500 })).toBe('pass');
	});

	test('an Enter right after a tap is the person’s, however soon after the scan', () => {
		const scans: string[] = [];
		const d = new WedgeDetector({ onScan: (s) => scans.push(s.code) });
		const keys = digits(EAN, () => 3, 1000, 'Enter');
		for (const k of keys) d.feed(k);
		expect(scans).toEqual([EAN]);
		d.interrupt(); // the cashier taps "¥50" (WedgeSource: pointerdown)
		expect(d.feed({ key: 'Enter', code: 'Enter', timeStamp: keys.at(-1)!.timeStamp + 30 })).toBe(
			'pass'
		);
	});
});

describe('scanner settings: a Zebra-like scanner at 80–100 ms per key', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	const zebra = (i: number) => 80 + ((i * 7) % 21); // 80–100 ms, jittered

	test('the slowScanner preset can be chosen in till.scanner', () => {
		const settings = readScannerSettings({ getItem: () => '{"preset":"slowScanner"}' });
		expect(run(settings, digits(WECHAT, zebra, 1000, 'Enter'))).toEqual({
			scans: [WECHAT],
			released: ''
		});
	});
});
