/**
 * The catalog as the till screen shows it: favourites, search results and how many products the
 * device holds; and the lookup of a scanned code. The copy itself is on the device (IndexedDB),
 * kept current by pulling the server's changes.
 */
import type { ScanClass } from '$lib/devices/scanner/scan-classify';
import type { TillApiClient } from '$lib/offline/api-client';
import {
	categories,
	favourites,
	findByBarcode,
	productCount,
	productsInCategory,
	searchProducts
} from '$lib/offline/catalog';
import { pullCatalog } from '$lib/offline/catalog-pull';
import type { DeviceProduct, TillDb } from '$lib/offline/db';

/** A tab of the product grid: the favourites, a category, or the products without one. */
export type CategoryTab =
	{ kind: 'favourites' } | { kind: 'category'; name: string } | { kind: 'other' };

export class CatalogState {
	favourites = $state.raw<DeviceProduct[]>([]);
	/** The categories on the device, by name, and whether some product has none ("其他"). */
	categories = $state.raw<string[]>([]);
	uncategorised = $state(false);
	tab = $state.raw<CategoryTab>({ kind: 'favourites' });
	/** The products of the tab shown (a category's; the favourites are `favourites`). */
	tabProducts = $state.raw<DeviceProduct[]>([]);
	searchResults = $state.raw<DeviceProduct[]>([]);
	searchQuery = $state('');
	count = $state(0);
	#db: TillDb | null = null;
	#searchSeq = 0;

	/** The device database is open. */
	attach(db: TillDb): void {
		this.#db = db;
	}

	/** Pulls the server's changes and shows them. False when the server could not be asked. */
	async pull(api: Pick<TillApiClient, 'getCatalog'>): Promise<boolean> {
		const db = this.#db;
		if (!db) return false;
		const result = await pullCatalog(db, api);
		if (result.kind === 'failed') return false;
		if (result.changed > 0 || result.deleted > 0 || result.resynced || this.count === 0)
			await this.load();
		return true;
	}

	/** Reads what the screen shows from the device. */
	async load(): Promise<void> {
		const db = this.#db;
		if (!db) return;
		this.favourites = await favourites(db);
		this.count = await productCount(db);
		const found = await categories(db);
		this.categories = found.names;
		this.uncategorised = found.uncategorised && found.names.length > 0;
		// A category that is gone (its last product moved or taken off sale): back to favourites.
		const tab = this.tab;
		if (
			(tab.kind === 'category' && !found.names.includes(tab.name)) ||
			(tab.kind === 'other' && !this.uncategorised)
		)
			this.tab = { kind: 'favourites' };
		await this.#loadTab();
		if (this.searchQuery) await this.search(this.searchQuery);
	}

	/** Shows a tab of the product grid. */
	async showTab(tab: CategoryTab): Promise<void> {
		this.tab = tab;
		await this.#loadTab();
	}

	async #loadTab(): Promise<void> {
		const db = this.#db;
		const tab = this.tab;
		if (!db || tab.kind === 'favourites') {
			this.tabProducts = [];
			return;
		}
		const rows = await productsInCategory(db, tab.kind === 'category' ? tab.name : null);
		if (this.tab === tab) this.tabProducts = rows;
	}

	/** Name, pinyin initials ("nfsq"), code or barcode. */
	async search(query: string): Promise<void> {
		this.searchQuery = query;
		const seq = ++this.#searchSeq;
		const db = this.#db;
		const results = db && query.trim() ? await searchProducts(db, query, 30) : [];
		if (seq === this.#searchSeq) this.searchResults = results;
	}

	/**
	 * The product a scanned product code names: any form of its GTIN by barcode, or, for another
	 * code, that barcode or the shop's own item code. Throws when the device cannot be read.
	 */
	async findScanned(
		scan: Exclude<ScanClass, { kind: 'wechat' | 'alipay' }>
	): Promise<DeviceProduct | undefined> {
		const db = this.#db;
		if (!db) return undefined;
		const forms = scan.kind === 'other' ? [scan.code] : scan.lookup;
		for (const form of forms) {
			const product = await findByBarcode(db, form);
			if (product) return product;
		}
		if (scan.kind !== 'other') return undefined;
		const hits = await searchProducts(db, scan.code, 2);
		return hits.find((p) => p.code?.toLowerCase() === scan.code.toLowerCase());
	}
}
