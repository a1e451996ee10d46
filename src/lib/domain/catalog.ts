/**
 * The catalog as GET /api/catalog sends it: the products of a store that changed after a
 * version, and where the store's catalog stands. Made by the server, read by the till's sync.
 */
import type { Fen } from './money';

/** A product as the catalog API sends it (the till keeps its own form on the device). */
export interface CatalogEntry {
	id: string;
	name: string;
	price: Fen;
	barcodes: string[];
	category: string | null;
	pinyin: string | null;
	favourite: boolean;
	version: number;
}

export interface CatalogChanges {
	version: number;
	products: CatalogEntry[];
	deleted: string[];
	/**
	 * The store's catalog as it stands: its latest version and how many products it has. A
	 * device whose version is ahead of `latest`, or whose product count differs after applying
	 * the changes, is out of step (the database was restored from a backup, or renumbered) and
	 * pulls the whole catalog again.
	 */
	latest: number;
	count: number;
}
