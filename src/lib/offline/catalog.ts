/**
 * The device's copy of its store's catalog: change sets applied whole or not at all, the store
 * the device is bound to, and lookups for scans and search. The copy is what lets the till sell
 * offline.
 */
import { getMeta, setMeta, type DeviceProduct, type TillDb } from './db';

/** A product as the server sends it; `updatedVersion` defaults to the change set's version. */
export type DeviceProductInput = Omit<DeviceProduct, 'updatedVersion' | 'code' | 'category'> & {
	updatedVersion?: number;
	code?: string | null;
	category?: string | null;
};

export interface CatalogChanges {
	version: number;
	products: DeviceProductInput[];
	/** Ids of products removed since the requested version. */
	deleted: string[];
	/** The server's latest version and product count (server/catalog.ts); older servers omit them. */
	latest?: number;
	count?: number;
}

/** Stores a change set's products as the device keeps them (inside the caller's transaction). */
async function putProducts(db: TillDb, changes: CatalogChanges): Promise<void> {
	if (changes.products.length === 0) return;
	await db.catalog.bulkPut(
		changes.products.map((p) => ({
			...p,
			code: p.code ?? null,
			category: p.category ?? null,
			updatedVersion: p.updatedVersion ?? changes.version
		}))
	);
}

/**
 * Replaces the whole catalog with a full change set (since=0), in one transaction: for a device
 * out of step with the server (a restored database numbers its versions lower than the device's).
 */
export async function replaceCatalog(
	db: TillDb,
	full: CatalogChanges,
	/** The version the device held when it decided to pull it all: another pull since wins. */
	from: number
): Promise<boolean> {
	return db.transaction('rw', [db.catalog, db.meta], async () => {
		if (((await getMeta(db, 'catalogVersion')) ?? 0) !== from) return false;
		await db.catalog.clear();
		await putProducts(db, full);
		await setMeta(db, 'catalogVersion', full.version);
		await setMeta(db, 'catalogResyncAt', full.latest ?? full.version);
		return true;
	});
}

/**
 * Applies an incremental change set (GET /api/catalog?since=…) in one transaction. A change set
 * older than what the device has is ignored, so a slow reply cannot roll the catalog back.
 * Returns whether it was applied.
 */
export async function applyCatalogChanges(db: TillDb, changes: CatalogChanges): Promise<boolean> {
	return db.transaction('rw', [db.catalog, db.meta], async () => {
		const current = (await getMeta(db, 'catalogVersion')) ?? 0;
		if (changes.version < current) return false;
		if (changes.deleted.length > 0) await db.catalog.bulkDelete(changes.deleted);
		await putProducts(db, changes);
		await setMeta(db, 'catalogVersion', changes.version);
		return true;
	});
}

/**
 * Binds the device to a store. The first time it is recorded. For another store, the old
 * store's catalog goes (its version would hide the new store's products), but not while sales of
 * the old store are still queued: sent with the new store's token they would be counted there.
 */
export async function bindStore(
	db: TillDb,
	storeId: string,
	/** The store the device was paired with as far as the page knows (before this was recorded). */
	presumed?: string
): Promise<{ ok: true; changed: boolean } | { ok: false; queued: number }> {
	return db.transaction('rw', [db.meta, db.catalog, db.outbox, db.charges], async () => {
		const recorded = await getMeta(db, 'storeId');
		const current = recorded ?? presumed;
		if (current === storeId) {
			if (recorded === undefined) await setMeta(db, 'storeId', storeId);
			return { ok: true, changed: false };
		}
		if (current !== undefined) {
			// Sales not yet sent, or charges whose outcome only the old store's server knows.
			const queued =
				(await db.outbox.count()) +
				(await db.charges.where('state').anyOf(['pending', 'paid']).count());
			if (queued > 0) return { ok: false, queued };
			await db.catalog.clear();
			await setMeta(db, 'catalogVersion', 0);
			await db.meta.delete('catalogResyncAt'); // the old store's server's version
		}
		await setMeta(db, 'storeId', storeId);
		return { ok: true, changed: current !== undefined };
	});
}

/** The server's `latest` when the whole catalog was last pulled to get back in step. */
export function catalogResyncedAt(db: TillDb): Promise<number | undefined> {
	return getMeta(db, 'catalogResyncAt');
}

export function catalogVersion(db: TillDb): Promise<number> {
	return getMeta(db, 'catalogVersion').then((v) => v ?? 0);
}

export function findByBarcode(db: TillDb, barcode: string): Promise<DeviceProduct | undefined> {
	return db.catalog.where('barcodes').equals(barcode.trim()).first();
}

/** Favourites for the quick-pick grid, by name. */
export async function favourites(db: TillDb): Promise<DeviceProduct[]> {
	// Booleans are not IndexedDB keys, so `favourite` cannot be indexed; a shop's catalog is
	// small enough to filter.
	const rows = await db.catalog.filter((p) => p.favourite).toArray();
	return rows.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
}

/** The categories of the products on the device, by name; and whether some product has none. */
export async function categories(db: TillDb): Promise<{ names: string[]; uncategorised: boolean }> {
	const keys = (await db.catalog.orderBy('category').uniqueKeys()) as string[];
	const names = keys.filter((k) => typeof k === 'string' && k !== '');
	const total = await db.catalog.count();
	const categorised = await db.catalog.where('category').anyOf(names).count();
	return {
		names: names.sort((a, b) => a.localeCompare(b, 'zh-CN')),
		uncategorised: total > categorised
	};
}

/** The products of a category (null: those without one), by name. */
export async function productsInCategory(
	db: TillDb,
	category: string | null
): Promise<DeviceProduct[]> {
	const rows =
		category === null
			? await db.catalog.filter((p) => !p.category).toArray()
			: await db.catalog.where('category').equals(category).toArray();
	return rows.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
}

function pinyinKeys(pinyin: string | undefined): { initials: string; joined: string } | null {
	if (!pinyin) return null;
	const syllables = pinyin.toLowerCase().trim().split(/\s+/).filter(Boolean);
	if (syllables.length === 0) return null;
	if (syllables.length === 1) return { initials: syllables[0] ?? '', joined: '' };
	return { initials: syllables.map((s) => s[0]).join(''), joined: syllables.join('') };
}

/**
 * Search for the product picker: exact barcode or code first, then code prefix, name prefix,
 * name contains, pinyin initials / pinyin. Case-insensitive; an empty query finds nothing.
 */
export async function searchProducts(
	db: TillDb,
	query: string,
	limit = 50
): Promise<DeviceProduct[]> {
	const q = query.trim().toLowerCase();
	if (q === '') return [];
	const hits: { product: DeviceProduct; score: number }[] = [];
	await db.catalog.each((p) => {
		const name = p.name.toLowerCase();
		const code = p.code?.toLowerCase() ?? '';
		const py = pinyinKeys(p.pinyin);
		let score = 0;
		if (p.barcodes.includes(q) || code === q) score = 100;
		else if (code !== '' && code.startsWith(q)) score = 80;
		else if (name.startsWith(q)) score = 70;
		else if (name.includes(q)) score = 60;
		else if (py && py.initials.startsWith(q)) score = 50;
		else if (py && (py.initials.includes(q) || py.joined.includes(q))) score = 40;
		else if (p.barcodes.some((b) => b.includes(q))) score = 30;
		if (score > 0) hits.push({ product: p, score });
	});
	hits.sort((a, b) => b.score - a.score || a.product.name.localeCompare(b.product.name, 'zh-CN'));
	return hits.slice(0, limit).map((h) => h.product);
}

/** Products on the device. */
export function productCount(db: TillDb): Promise<number> {
	return db.catalog.count();
}
