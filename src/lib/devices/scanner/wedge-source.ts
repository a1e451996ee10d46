/**
 * The keyboard-wedge ScanSource: a capture-phase `keydown` listener on `window` feeds the
 * WedgeDetector and stops the keys it holds, so no digit of a scan reaches a focused field and its
 * Enter neither submits a form nor moves focus. Keys found to be typed by a person are replayed
 * where they were aimed (`execCommand('insertText')` keeps the field's undo stack and its input
 * events); elsewhere re-dispatched, so shortcuts still see them. Under a Chinese IME the keys
 * cannot be stopped ('Process', keyCode 229): their input is cancelled in `beforeinput` while a
 * burst is undecided, and a field a scan reached is put back as it was.
 */ import type { ScanEmit, ScanSource } from './scanner';
import { WedgeDetector, type HeldKey, type WedgeKey, type WedgeOptions } from './wedge';

type Origin = EventTarget | null;

export interface WedgeSourceOptions extends Omit<
	WedgeOptions<Origin>,
	'onScan' | 'onRelease' | 'isScanChar'
> {
	/** ScanSource name. Default 'keyboard'. */
	name?: string;
	/** Where the listeners go. Default `window`. */
	target?: EventTarget;
	/** Default `document`. */
	document?: Document;
	/** performance.timeOrigin, to turn event timeStamps into epoch ms. */
	timeOrigin?: number;
	/** Replaces the default replay of released keys (see the file comment). */
	replay?: (keys: HeldKey<Origin>[]) => void;
	isScanChar?: (char: string) => boolean;
}

/** An editable text control that text can be inserted into at the caret. */
interface TextControl extends HTMLElement {
	value: string;
	selectionStart: number | null;
	selectionEnd: number | null;
	readOnly: boolean;
	disabled: boolean;
	setRangeText(text: string, start: number, end: number, mode: SelectionMode): void;
	setSelectionRange(start: number, end: number): void;
}

const TEXT_INPUT_TYPES = new Set([
	'text',
	'search',
	'tel',
	'url',
	'email',
	'password',
	'number',
	''
]);

function isTextControl(el: unknown): el is TextControl {
	if (!el || typeof el !== 'object' || !('tagName' in el)) return false;
	const tag = String(el.tagName).toUpperCase();
	if (tag === 'TEXTAREA') return true;
	if (tag !== 'INPUT') return false;
	const type = 'type' in el ? String(el.type).toLowerCase() : '';
	return TEXT_INPUT_TYPES.has(type);
}

function isContentEditable(el: unknown): el is HTMLElement {
	return Boolean(el && typeof el === 'object' && 'isContentEditable' in el && el.isContentEditable);
}

function toWedgeKey(e: KeyboardEvent): WedgeKey {
	return {
		key: e.key,
		code: e.code,
		timeStamp: e.timeStamp,
		keyCode: e.keyCode,
		shiftKey: e.shiftKey,
		ctrlKey: e.ctrlKey,
		altKey: e.altKey,
		metaKey: e.metaKey,
		altGraph: e.getModifierState?.('AltGraph') ?? false,
		capsLock: e.getModifierState?.('CapsLock') ?? false,
		repeat: e.repeat,
		isComposing: e.isComposing
	};
}

interface Snapshot {
	el: TextControl;
	value: string;
	start: number | null;
	end: number | null;
}

export class WedgeSource implements ScanSource {
	readonly name: string;
	readonly detector: WedgeDetector<Origin>;
	readonly #options: WedgeSourceOptions;
	/** Our own replayed keydowns: not fed back to the detector. */
	readonly #synthetic = new WeakSet<Event>();
	/** key `code` → number of held keydowns whose keyup is still to be swallowed. */
	readonly #heldUps = new Map<string, number>();
	#snapshot: Snapshot | null = null;
	/** The last held IME key (keyCode 229), whose text the IME inserts after its keydown. */
	#lastImeKey: WedgeKey | null = null;
	/** Text of held IME keys whose `insertText` was cancelled: typed by hand, it is replayed. */
	readonly #cancelled = new WeakMap<WedgeKey, string>();
	#replaying = false;
	/** The field and its value when the open composition started. */
	#composing: Snapshot | null = null;
	/** Put back when the composition a scan went into ends. */
	#afterComposition: Snapshot | null = null;
	#emit: ScanEmit | null = null;
	#target: EventTarget | null = null;

	constructor(options: WedgeSourceOptions = {}) {
		this.#options = options;
		this.name = options.name ?? 'keyboard';
		this.detector = new WedgeDetector<Origin>({
			...options,
			onScan: (scan) => {
				if (scan.keys.some((k) => !k.replay)) this.#restoreSnapshot();
				// Scanned into an open composition: the IME commits its text after this (on the
				// suffix, or on blur); the field goes back to what it held before the composition.
				if (scan.keys.some((k) => k.key.isComposing)) this.#afterComposition = this.#composing;
				this.#snapshot = null;
				this.#lastImeKey = null;
				this.#emit?.({ code: scan.code, source: this.name, at: this.#epoch(scan.at) });
			},
			onRelease: (released) => {
				this.#snapshot = null;
				this.#lastImeKey = null;
				// An IME key cannot be held back, but the text it inserted was (beforeinput):
				// put that text back now, or a cashier typing digits with the IME on loses them.
				const keys = released.map((k) => {
					const text = k.replay ? undefined : this.#cancelled.get(k.key);
					return text === undefined ? k : { ...k, char: text, replay: true };
				});
				for (const k of keys) this.#countUp(k.key.code, -1);
				this.#replaying = true;
				try {
					(this.#options.replay ?? ((held) => this.#replay(held)))(keys);
				} finally {
					this.#replaying = false;
				}
			}
		});
	}

	start(emit: ScanEmit): void {
		if (this.#target) return;
		const target = this.#options.target ?? globalThis.window;
		if (!target) return; // server-side rendering: nothing to listen to
		this.#emit = emit;
		this.#target = target;
		target.addEventListener('keydown', this.#onKeyDown, { capture: true });
		target.addEventListener('keyup', this.#onKeyUp, { capture: true });
		target.addEventListener('beforeinput', this.#onBeforeInput, { capture: true });
		target.addEventListener('blur', this.#onBlur);
		target.addEventListener('pointerdown', this.#onPointerDown, { capture: true });
		target.addEventListener('compositionstart', this.#onCompositionStart, { capture: true });
		target.addEventListener('compositionend', this.#onCompositionEnd, { capture: true });
	}

	stop(): void {
		const target = this.#target;
		if (!target) return;
		target.removeEventListener('keydown', this.#onKeyDown, { capture: true });
		target.removeEventListener('keyup', this.#onKeyUp, { capture: true });
		target.removeEventListener('beforeinput', this.#onBeforeInput, { capture: true });
		target.removeEventListener('blur', this.#onBlur);
		target.removeEventListener('pointerdown', this.#onPointerDown, { capture: true });
		target.removeEventListener('compositionstart', this.#onCompositionStart, { capture: true });
		target.removeEventListener('compositionend', this.#onCompositionEnd, { capture: true });
		this.detector.flush();
		this.#target = null;
		this.#emit = null;
		this.#heldUps.clear();
	}

	#doc(): Document | undefined {
		return this.#options.document ?? globalThis.document;
	}

	#epoch(timeStamp: number): number {
		const origin = this.#options.timeOrigin ?? globalThis.performance?.timeOrigin;
		return origin !== undefined && timeStamp > 0 ? Math.round(origin + timeStamp) : Date.now();
	}

	#countUp(code: string, by = 1): void {
		const n = (this.#heldUps.get(code) ?? 0) + by;
		if (n > 0) this.#heldUps.set(code, n);
		else this.#heldUps.delete(code);
	}

	readonly #onKeyDown = (e: Event): void => {
		if (this.#synthetic.has(e)) return;
		const event = e as KeyboardEvent;
		const idle = !this.detector.buffering;
		const target = event.target;
		const snapshot = idle && isTextControl(target) ? snap(target) : null;
		const key = toWedgeKey(event);
		if (this.detector.feed(key, target) === 'buffer') {
			event.preventDefault();
			event.stopImmediatePropagation();
			if (idle) this.#snapshot = snapshot;
			this.#countUp(event.code);
			if (key.keyCode === 229 || key.key === 'Process') this.#lastImeKey = key;
		}
	};

	readonly #onKeyUp = (e: Event): void => {
		if (this.#synthetic.has(e)) return;
		const code = (e as KeyboardEvent).code;
		if (!this.#heldUps.has(code)) return;
		this.#countUp(code, -1);
		e.preventDefault();
		e.stopImmediatePropagation();
	};

	readonly #onBeforeInput = (e: Event): void => {
		// Only IME keys (keyCode 229) can still insert text while a burst is held back.
		const input = e as InputEvent;
		if (
			this.detector.buffering &&
			!this.#replaying &&
			input.inputType === 'insertText' &&
			input.cancelable
		) {
			input.preventDefault();
			const k = this.#lastImeKey;
			if (k && input.data) this.#cancelled.set(k, (this.#cancelled.get(k) ?? '') + input.data);
		}
	};

	readonly #onPointerDown = (): void => this.detector.interrupt();

	readonly #onCompositionStart = (e: Event): void => {
		this.#composing = isTextControl(e.target) ? snap(e.target) : null;
		this.#afterComposition = null;
	};

	readonly #onCompositionEnd = (): void => {
		const before = this.#afterComposition;
		this.#composing = null;
		this.#afterComposition = null;
		// After the IME's own input event for the commit.
		if (before) setTimeout(() => restore(before), 0);
	};

	readonly #onBlur = (): void => {
		this.detector.flush();
		this.#heldUps.clear();
	};

	#restoreSnapshot(): void {
		if (this.#snapshot) restore(this.#snapshot);
	}

	#replay(keys: HeldKey<Origin>[]): void {
		const doc = this.#doc();
		const replayable = keys.filter((k) => k.replay);
		if (replayable.length === 0) return;
		const text = replayable.map((k) => k.char).join('');
		const aimedAt = replayable[0]?.origin ?? null;
		const focused = doc?.activeElement ?? null;
		// Into the field the keys were typed in, even if focus moved on within those few ms.
		if (isTextControl(aimedAt)) {
			if (!aimedAt.readOnly && !aimedAt.disabled) insertText(doc, aimedAt, text);
			return;
		}
		if (isContentEditable(aimedAt) && aimedAt === focused) {
			insertText(doc, aimedAt, text);
			return;
		}
		const Keyboard = globalThis.KeyboardEvent;
		const to = aimedAt ?? focused ?? doc?.body ?? null;
		if (!Keyboard || !to) return;
		for (const { key } of replayable) {
			const event = new Keyboard('keydown', {
				key: key.key,
				code: key.code,
				shiftKey: key.shiftKey ?? false,
				bubbles: true,
				cancelable: true,
				composed: true
			});
			this.#synthetic.add(event);
			to.dispatchEvent(event);
		}
	}
}

/** Puts a field back as it was, telling its owner (an input event). */
function restore(s: Snapshot): void {
	if (s.el.value === s.value) return;
	s.el.value = s.value;
	if (s.start !== null && s.end !== null) {
		try {
			s.el.setSelectionRange(s.start, s.end);
		} catch {
			// number inputs have no selection
		}
	}
	s.el.dispatchEvent(new Event('input', { bubbles: true }));
}

function snap(el: TextControl): Snapshot {
	let start: number | null = null;
	let end: number | null = null;
	try {
		start = el.selectionStart;
		end = el.selectionEnd;
	} catch {
		// number inputs throw on selection access in some browsers
	}
	return { el, value: el.value, start, end };
}

/** Inserts typed text at the caret as typing would (execCommand needs the field focused). */
export function insertText(doc: Document | undefined, el: HTMLElement, text: string): void {
	let done = false;
	if (doc && doc.activeElement === el) {
		try {
			// Deprecated but still the only call that keeps the field's undo stack.
			done = doc.execCommand('insertText', false, text);
		} catch {
			done = false;
		}
	}
	if (done || !isTextControl(el)) return;
	const start = el.selectionStart ?? el.value.length;
	const end = el.selectionEnd ?? start;
	try {
		el.setRangeText(text, start, end, 'end');
	} catch {
		el.value += text; // type=number has no selection API
	}
	el.dispatchEvent(
		typeof InputEvent === 'function'
			? new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text })
			: new Event('input', { bubbles: true })
	);
}

export function createWedgeSource(options: WedgeSourceOptions = {}): WedgeSource {
	return new WedgeSource(options);
}
