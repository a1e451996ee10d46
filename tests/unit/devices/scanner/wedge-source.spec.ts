/**
 * The DOM side of the keyboard wedge, with small stand-ins for the DOM (the unit tests run in
 * Node): an input that is its own event target, and a document whose activeElement is that input.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ScanEvent } from '$lib/devices/scanner/scanner';
import { WedgeSource } from '$lib/devices/scanner/wedge-source';
import { FakeInput, FakeKeyboardEvent, type KeyInit } from './dom-fakes';

function codeOf(c: string): string {
	return /\d/.test(c) ? `Digit${c}` : `Key${c.toUpperCase()}`;
}

let input: FakeInput;
let doc: { activeElement: unknown; body: unknown; execCommand: ReturnType<typeof vi.fn> };
let source: WedgeSource;
let scans: ScanEvent[];
/** Keydowns that reached the page (a listener registered after the source). */
let pageKeys: string[];
let now: number;

function press(init: KeyInit, ime = false): FakeKeyboardEvent {
	const e = new FakeKeyboardEvent('keydown', { timeStamp: now, ...init });
	input.dispatchEvent(e);
	// An IME inserts the character whatever the page does with the keydown.
	if (ime && init.keyCode === 229 && /^Digit\d$/.test(init.code)) {
		input.setRangeText(init.code.slice(5), input.value.length, input.value.length);
	}
	return e;
}

function typeText(text: string, gap: number, suffix?: string, ime = false): FakeKeyboardEvent[] {
	const events: FakeKeyboardEvent[] = [];
	for (const c of text) {
		vi.advanceTimersByTime(gap);
		now += gap;
		events.push(
			press(
				ime ? { key: 'Process', code: codeOf(c), keyCode: 229 } : { key: c, code: codeOf(c) },
				ime
			)
		);
		input.dispatchEvent(new FakeKeyboardEvent('keyup', { key: c, code: codeOf(c) }));
	}
	if (suffix) {
		vi.advanceTimersByTime(gap);
		now += gap;
		events.push(press({ key: suffix, code: suffix }));
	}
	return events;
}

beforeEach(() => {
	vi.useFakeTimers();
	now = 5000;
	input = new FakeInput();
	doc = { activeElement: input, body: null, execCommand: vi.fn(() => false) };
	scans = [];
	pageKeys = [];
	source = new WedgeSource({
		target: input,
		document: doc as unknown as Document,
		timeOrigin: 1_700_000_000_000
	});
	source.start((scan) => scans.push(scan));
	input.addEventListener('keydown', (e) => pageKeys.push((e as FakeKeyboardEvent).key));
});

afterEach(() => {
	source.stop();
	vi.unstubAllGlobals();
	vi.useRealTimers();
});

describe('WedgeSource', () => {
	test('a scan never reaches the focused field or the page; Enter is swallowed', () => {
		const events = typeText('6901234567892', 3, 'Enter');
		expect(events.every((e) => e.defaultPrevented)).toBe(true);
		expect(pageKeys).toEqual([]);
		expect(input.value).toBe('');
		expect(scans).toEqual([
			{ code: '6901234567892', source: 'keyboard', at: 1_700_000_000_000 + now - 3 }
		]);
		vi.advanceTimersByTime(200);
		expect(input.value).toBe('');
	});

	test('an Enter after a tap is the page’s, even at once after a scan; without the tap it is the suffix’s second key', () => {
		typeText('6901234567892', 3, 'Enter');
		now += 5;
		expect(press({ key: 'Enter', code: 'Enter' }).defaultPrevented).toBe(true); // CR LF
		input.dispatchEvent(new Event('pointerdown')); // the cashier taps "¥50"
		now += 5;
		expect(press({ key: 'Enter', code: 'Enter' }).defaultPrevented).toBe(false);
		expect(pageKeys).toEqual(['Enter']);
	});

	test('the keyups of a scan are swallowed too', () => {
		const pageUps: string[] = [];
		input.addEventListener('keyup', (e) => pageUps.push((e as FakeKeyboardEvent).key));
		typeText('134567890123456789', 2, 'Enter');
		input.dispatchEvent(new FakeKeyboardEvent('keyup', { key: 'Enter', code: 'Enter' }));
		expect(pageUps).toEqual([]);
		// Later keyups are the page's again.
		input.dispatchEvent(new FakeKeyboardEvent('keyup', { key: 'Enter', code: 'Enter' }));
		expect(pageUps).toEqual(['Enter']);
	});

	test('typing by hand is held back, then replayed into the field at the caret', () => {
		input.value = 'ab';
		input.selectionStart = input.selectionEnd = 1;
		const inputs: string[] = [];
		input.addEventListener('input', () => inputs.push(input.value));
		const events = typeText('xy', 150);
		expect(events.every((e) => e.defaultPrevented)).toBe(true);
		vi.advanceTimersByTime(100);
		expect(input.value).toBe('axyb');
		expect(inputs).toEqual(['axb', 'axyb']);
		expect(scans).toEqual([]);
	});

	test('held keys are replayed before a passing key takes effect', () => {
		const events = typeText('abc', 10, 'Enter'); // too short for a scan
		const enter = events.at(-1);
		expect(enter?.defaultPrevented).toBe(false);
		expect(pageKeys).toEqual(['Enter']); // the page's own Enter handling still runs
		expect(input.value).toBe('abc'); // ...after the text is in the field
	});

	test('if focus moves on within the timeout, the text still goes to the field it was typed in', () => {
		typeText('k', 150);
		doc.activeElement = null;
		vi.advanceTimersByTime(100);
		expect(input.value).toBe('k');
		expect(doc.execCommand).not.toHaveBeenCalled(); // it only works on the focused field
	});

	test('execCommand("insertText") is used when the browser has it', () => {
		doc.execCommand.mockImplementation(() => true);
		typeText('q', 150);
		vi.advanceTimersByTime(100);
		expect(doc.execCommand).toHaveBeenCalledWith('insertText', false, 'q');
		expect(input.value).toBe(''); // the fake execCommand did the insert
	});

	test('outside a text field, released keys are re-dispatched for page shortcuts', () => {
		vi.stubGlobal('KeyboardEvent', FakeKeyboardEvent);
		input.tagName = 'BUTTON'; // focus on a button, say
		typeText('+', 150);
		expect(pageKeys).toEqual([]);
		vi.advanceTimersByTime(100);
		expect(pageKeys).toEqual(['+']);
		expect(scans).toEqual([]);
	});

	test('a read-only field gets nothing replayed', () => {
		input.readOnly = true;
		typeText('z', 150);
		vi.advanceTimersByTime(100);
		expect(input.value).toBe('');
	});

	test('Ctrl shortcuts pass untouched', () => {
		const e = press({ key: 'a', code: 'KeyA', ctrlKey: true });
		expect(e.defaultPrevented).toBe(false);
		expect(pageKeys).toEqual(['a']);
	});

	test('IME on: the scan is recognised and the field put back as it was', () => {
		input.value = 'note';
		input.selectionStart = input.selectionEnd = 4;
		typeText('134567890123456789', 3, 'Enter', true);
		expect(scans.map((s) => s.code)).toEqual(['134567890123456789']);
		expect(input.value).toBe('note');
	});

	test('IME on: text inserted while a burst is undecided is cancelled in beforeinput', () => {
		typeText('12', 3, undefined, true);
		const before = new Event('beforeinput', { cancelable: true });
		Object.assign(before, { inputType: 'insertText' });
		input.dispatchEvent(before);
		expect(before.defaultPrevented).toBe(true);
		vi.advanceTimersByTime(100);
		const later = new Event('beforeinput', { cancelable: true });
		Object.assign(later, { inputType: 'insertText' });
		input.dispatchEvent(later);
		expect(later.defaultPrevented).toBe(false);
	});

	test('stop() removes the listeners', () => {
		source.stop();
		const e = press({ key: '1', code: 'Digit1' });
		expect(e.defaultPrevented).toBe(false);
		expect(pageKeys).toEqual(['1']);
	});
});
