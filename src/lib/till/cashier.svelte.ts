/** Who is at the till: the name goes on every sale and receipt, and stays on this device. */
import { readText, STORAGE_KEYS, writeText, type KeyValueStorage } from './storage';

/** At most `max` UTF-16 units, never cutting a character (an emoji) in half. */
function clipText(text: string, max: number): string {
	let out = '';
	for (const ch of text) {
		if (out.length + ch.length > max) break;
		out += ch;
	}
	return out;
}

/** The server keeps at most this many characters of a cashier's name. */
const MAX_NAME = 64;

export class CashierState {
	name = $state('');
	readonly #storage: KeyValueStorage | null;

	constructor(storage: KeyValueStorage | null) {
		this.#storage = storage;
		this.name = readText(storage, STORAGE_KEYS.cashier)?.trim() ?? '';
	}

	/** False for a name that is empty once trimmed. */
	set(name: string): boolean {
		const trimmed = clipText(name.trim(), MAX_NAME);
		if (!trimmed) return false;
		this.name = trimmed;
		writeText(this.#storage, STORAGE_KEYS.cashier, trimmed);
		return true;
	}
}
