/**
 * Small stand-ins for the DOM in the keyboard-wedge tests (the unit tests run in Node): a key
 * event with the fields WedgeSource reads, and an input that is its own event target.
 */
export interface KeyInit {
	key: string;
	code: string;
	keyCode?: number;
	shiftKey?: boolean;
	ctrlKey?: boolean;
	timeStamp?: number;
}

export class FakeKeyboardEvent extends Event {
	key: string;
	code: string;
	keyCode: number;
	shiftKey: boolean;
	ctrlKey = false;
	altKey = false;
	metaKey = false;
	repeat = false;
	isComposing = false;
	constructor(type: string, init: KeyInit & EventInit) {
		super(type, { bubbles: true, cancelable: true, ...init });
		this.key = init.key;
		this.code = init.code;
		this.keyCode = init.keyCode ?? 0;
		this.shiftKey = init.shiftKey ?? false;
		this.ctrlKey = init.ctrlKey ?? false;
		if (init.timeStamp !== undefined)
			Object.defineProperty(this, 'timeStamp', { value: init.timeStamp });
	}
	getModifierState(): boolean {
		return false;
	}
}

export class FakeInput extends EventTarget {
	tagName = 'INPUT';
	type = 'text';
	value = '';
	selectionStart: number | null = 0;
	selectionEnd: number | null = 0;
	readOnly = false;
	disabled = false;
	setRangeText(text: string, start: number, end: number): void {
		this.value = this.value.slice(0, start) + text + this.value.slice(end);
		this.selectionStart = this.selectionEnd = start + text.length;
	}
	setSelectionRange(start: number, end: number): void {
		this.selectionStart = start;
		this.selectionEnd = end;
	}
}
