/**
 * The till screen's keyboard: which key does what in which state (F1 help is also the list of
 * these). Pure, so the whole map is tested without a page; the page carries the actions out.
 */

export type TillAction =
	| 'newSale'
	| 'help'
	| 'search'
	| 'paymentCode'
	| 'cash'
	| 'discount'
	| 'openPrice'
	| 'clearSale'
	| 'recent'
	| 'closePanel'
	| 'leaveField'
	| 'increase'
	| 'decrease'
	| 'quantity'
	| 'remove'
	| 'selectNext'
	| 'selectPrevious';

export interface KeyPress {
	key: string;
	altKey?: boolean;
	ctrlKey?: boolean;
	metaKey?: boolean;
	defaultPrevented?: boolean;
}

export interface KeyContext {
	/** The done screen shows, with no other dialog over it. */
	done: boolean;
	/** A dialog (or the payment) has the keyboard. */
	dialogOpen: boolean;
	/** The checkout panel (cash or payment code) is open instead of the products. */
	panelOpen: boolean;
	/** The key goes to a text field. */
	typing: boolean;
}

const FUNCTION_KEYS: Readonly<Record<string, TillAction>> = {
	F2: 'search',
	F3: 'paymentCode',
	F4: 'cash',
	F6: 'discount',
	F7: 'openPrice',
	F8: 'clearSale',
	F9: 'recent'
};

/** Keys that act on the selected line; never while typing in a field. */
const LINE_KEYS: Readonly<Record<string, TillAction>> = {
	'+': 'increase',
	'-': 'decrease',
	'*': 'quantity',
	Delete: 'remove',
	ArrowDown: 'selectNext',
	ArrowUp: 'selectPrevious'
};

/** The action of a key press, or null to leave the key to the page. */
export function keyAction(press: KeyPress, ctx: KeyContext): TillAction | null {
	if (press.defaultPrevented || press.altKey || press.ctrlKey || press.metaKey) return null;
	const key = press.key;
	if (ctx.done) return key === 'Enter' || key === 'F8' ? 'newSale' : null;
	if (key === 'F1') return 'help';
	if (ctx.dialogOpen) return null; // the dialog has the keyboard; Esc closes it natively
	const fn = FUNCTION_KEYS[key];
	if (fn) return fn;
	if (key === 'Escape') return ctx.panelOpen ? 'closePanel' : ctx.typing ? 'leaveField' : null;
	if (ctx.typing) return null;
	return LINE_KEYS[key] ?? null;
}

/** Whether a key event is aimed at a text field (not a radio, checkbox or button). */
export function isTextField(el: EventTarget | null): boolean {
	if (typeof HTMLElement === 'undefined' || !(el instanceof HTMLElement)) return false;
	if (el.isContentEditable) return true;
	if (el instanceof HTMLTextAreaElement) return true;
	return el instanceof HTMLInputElement && !['radio', 'checkbox', 'button'].includes(el.type);
}
