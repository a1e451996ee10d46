/** How this device prints receipts (browser printing): the thermal paper's width. */
import { readText, STORAGE_KEYS, writeText, type KeyValueStorage } from './storage';

export type PaperWidth = 58 | 80;

export class PrintSettings {
	paper = $state<PaperWidth>(80);
	readonly #storage: KeyValueStorage | null;

	constructor(storage: KeyValueStorage | null) {
		this.#storage = storage;
		this.paper = readText(storage, STORAGE_KEYS.paper) === '58' ? 58 : 80;
	}

	setPaper(paper: PaperWidth): void {
		this.paper = paper;
		writeText(this.#storage, STORAGE_KEYS.paper, String(paper));
	}
}
