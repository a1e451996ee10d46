/** The till's keyboard: what each key does, and when it is left to the page or a dialog. */
import { describe, expect, test } from 'vitest';
import { keyAction, type KeyContext } from '$lib/till/keymap';

const selling: KeyContext = { done: false, dialogOpen: false, panelOpen: false, typing: false };

describe('keyAction', () => {
	test('function keys, on the till as on the list F1 shows', () => {
		expect(
			['F1', 'F2', 'F3', 'F4', 'F6', 'F7', 'F8', 'F9'].map((key) => keyAction({ key }, selling))
		).toEqual([
			'help',
			'search',
			'paymentCode',
			'cash',
			'discount',
			'openPrice',
			'clearSale',
			'recent'
		]);
	});

	test('line keys act on the selected line, never while typing in a field', () => {
		expect(keyAction({ key: '+' }, selling)).toBe('increase');
		expect(keyAction({ key: '*' }, selling)).toBe('quantity');
		expect(keyAction({ key: 'Delete' }, selling)).toBe('remove');
		expect(keyAction({ key: 'ArrowUp' }, selling)).toBe('selectPrevious');
		const typing = { ...selling, typing: true };
		expect(keyAction({ key: '+' }, typing)).toBeNull();
		expect(keyAction({ key: 'Delete' }, typing)).toBeNull();
		// Function keys still work from the search field.
		expect(keyAction({ key: 'F4' }, typing)).toBe('cash');
	});

	test('a dialog has the keyboard, but F1 still helps', () => {
		const dialog = { ...selling, dialogOpen: true };
		expect(keyAction({ key: 'F4' }, dialog)).toBeNull();
		expect(keyAction({ key: '+' }, dialog)).toBeNull();
		expect(keyAction({ key: 'F1' }, dialog)).toBe('help');
	});

	test('the done screen: Enter or F8 starts the next sale, nothing else', () => {
		const done = { ...selling, done: true, dialogOpen: true };
		expect(keyAction({ key: 'Enter' }, done)).toBe('newSale');
		expect(keyAction({ key: 'F8' }, done)).toBe('newSale');
		expect(keyAction({ key: 'F4' }, done)).toBeNull();
	});

	test('Escape closes the checkout, else leaves the field', () => {
		expect(keyAction({ key: 'Escape' }, { ...selling, panelOpen: true })).toBe('closePanel');
		expect(keyAction({ key: 'Escape' }, { ...selling, typing: true })).toBe('leaveField');
		expect(keyAction({ key: 'Escape' }, selling)).toBeNull();
	});

	test('a shortcut with Ctrl, Alt or Meta, or one already handled, is the browser’s', () => {
		expect(keyAction({ key: 'F4', ctrlKey: true }, selling)).toBeNull();
		expect(keyAction({ key: '+', altKey: true }, selling)).toBeNull();
		expect(keyAction({ key: 'F2', metaKey: true }, selling)).toBeNull();
		expect(keyAction({ key: 'F2', defaultPrevented: true }, selling)).toBeNull();
	});
});
