/**
 * The device's own database (IndexedDB through Dexie): the catalog copy, every sale the till has
 * recorded, the outbox of sales still to send, in-flight payment-code charges, and a few meta
 * values. Browser-only at run time; nothing here imports Svelte.
 *
 * A sale is written together with its outbox row in one transaction before the screen says
 * "done" (peers.md, "Offline queues"), and a sale row is never deleted: rejected sales stay for
 * the cashier to see.
 */
import Dexie, { type DexieOptions, type EntityTable, type Transaction } from 'dexie';
import type { Fen } from '$lib/domain/money';
import type { Sale, SyncSaleResult, Tender } from '$lib/domain/sale';

export const DEFAULT_DB_NAME = 'till';

// ---------------------------------------------------------------------------------------------
// Row types

export interface CatalogProduct {
	id: string;
	name: string;
	price: Fen;
	/** Every barcode that scans to this product (multiEntry index). */
	barcodes: string[];
	/** The shop's own item code (SKU), if it uses one. */
	code: string | null;
	category: string | null;
	favourite: boolean;
	/**
	 * Pinyin of the name, syllables separated by spaces ("ke kou ke le"). Search matches the
	 * initials ("kkkl") and the joined syllables ("kekou"); a value without spaces is taken as
	 * initials already.
	 */
	pinyin?: string;
	/** The catalog version in which the server last changed this product. */
	updatedVersion: number;
}

export type SaleSyncState = 'queued' | 'synced' | 'rejected';

export interface SaleSyncError {
	code: string;
	message: string;
	field?: string;
}

export interface SaleRecord {
	/** = sale.id; also the idempotency key at the server. */
	id: string;
	number: string;
	createdAt: string;
	syncState: SaleSyncState;
	/** Since schema v2: when the server answered applied/duplicate; null until then. */
	syncedAt: string | null;
	/** Why the server rejected the sale; kept so the cashier and the owner can see it. */
	syncError: SaleSyncError | null;
	/** Tender references the server flagged (payment code not matching a paid charge). */
	flagged: string[];
	sale: Sale;
}

export interface OutboxEntry {
	/** Auto-increment: the order sales were recorded in, which is the order they are sent in. */
	seq: number;
	saleId: string;
	attempts: number;
	/** Epoch ms; the timer does not send this row before then. */
	nextAttemptAt: number;
	lastError: string | null;
}

/**
 * A payment-code charge the till has started. Written before the request leaves, so that after
 * a reload the till can ask the server how it ended instead of charging the customer again.
 * Since schema v2.
 */
export type ChargeState = 'pending' | 'paid' | 'failed' | 'cancelled' | 'recorded';

export interface ChargeRecord {
	/** The till API's order_no (device-generated, unique per till). */
	orderNo: string;
	/** The id the sale will get once it is recorded. */
	saleDraftId: string;
	amount: Fen;
	state: ChargeState;
	startedAt: string;
	updatedAt: string;
}

export type PersistState = 'granted' | 'denied' | 'unsupported';

/** Typed meta values; the table stores `{ key, value }`. */
export interface MetaValues {
	catalogVersion: number;
	/** The server's `latest` when the device last pulled the whole catalog to get back in step. */
	catalogResyncAt: number;
	/** The store whose till this device is (its catalog, its queued sales). */
	storeId: string;
	lastSyncAt: string;
	lastSyncError: string | null;
	deviceId: string;
	persistState: PersistState;
	/** The till screen's daily counters (order-no.ts DailySeq): charges and receipt numbers. */
	orderSeq: { day: string; seq: number };
	saleSeq: { day: string; seq: number };
}

export interface MetaRow {
	key: string;
	value: unknown;
}

export type TillDb = Dexie & {
	catalog: EntityTable<CatalogProduct, 'id'>;
	sales: EntityTable<SaleRecord, 'id'>;
	outbox: EntityTable<OutboxEntry, 'seq'>;
	meta: EntityTable<MetaRow, 'key'>;
	charges: EntityTable<ChargeRecord, 'orderNo'>;
};

// ---------------------------------------------------------------------------------------------
// Schema
//
// Never edit a published version's stores: add a version. Dexie keeps the old declarations so
// a device that skipped versions upgrades through each step.

const STORES_V1 = {
	catalog: 'id, *barcodes, code, category, updatedVersion',
	sales: 'id, number, createdAt, syncState',
	outbox: '++seq, &saleId, nextAttemptAt',
	meta: 'key'
};

const STORES_V2 = {
	...STORES_V1,
	sales: 'id, number, createdAt, syncState, syncedAt',
	charges: 'orderNo, saleDraftId, state, startedAt'
};

export const SCHEMA_VERSION = 2;

/** v1 → v2: sales get `syncedAt` (indexed), and the `charges` table appears. */
async function upgradeToV2(tx: Transaction): Promise<void> {
	const lastSync = (await tx.table<MetaRow, string>('meta').get('lastSyncAt'))?.value;
	const fallback = typeof lastSync === 'string' ? lastSync : null;
	await tx
		.table<Partial<SaleRecord>, string>('sales')
		.toCollection()
		.modify((row) => {
			// v1 did not record when a sale synced; the last successful sync is the best upper
			// bound we have, and the sale's own time a lower one.
			row.syncedAt = row.syncState === 'synced' ? (fallback ?? row.createdAt ?? null) : null;
			row.syncError ??= null;
			row.flagged ??= [];
		});
}

/**
 * Opens (lazily, on first use) the till's database. `options` lets tests pass their own
 * indexedDB; the browser needs none.
 */
export function openTillDb(name: string = DEFAULT_DB_NAME, options?: DexieOptions): TillDb {
	const db = new Dexie(name, options) as TillDb;
	db.version(1).stores(STORES_V1);
	db.version(2).stores(STORES_V2).upgrade(upgradeToV2);
	return db;
}

// ---------------------------------------------------------------------------------------------
// Meta

export async function getMeta<K extends keyof MetaValues>(
	db: TillDb,
	key: K
): Promise<MetaValues[K] | undefined> {
	const row = await db.meta.get(key);
	return row?.value as MetaValues[K] | undefined;
}

export async function setMeta<K extends keyof MetaValues>(
	db: TillDb,
	key: K,
	value: MetaValues[K]
): Promise<void> {
	await db.meta.put({ key, value });
}

/** This device's id, created on first use and kept for the life of the database. */
export async function getDeviceId(db: TillDb): Promise<string> {
	return db.transaction('rw', db.meta, async () => {
		const existing = await getMeta(db, 'deviceId');
		if (existing) return existing;
		const id = crypto.randomUUID();
		await setMeta(db, 'deviceId', id);
		return id;
	});
}

// ---------------------------------------------------------------------------------------------
// Sales and the outbox

export type RecordSaleResult = 'recorded' | 'already-recorded';

/**
 * Writes the sale and its outbox row in one transaction; call it, and await it, before the
 * screen says "done". Idempotent on `sale.id`: recording the same sale again changes nothing.
 * Charges paid by this sale's payment-code tenders are marked `recorded` in the same
 * transaction, so a reload does not offer to resume them.
 */
export async function recordSale(
	db: TillDb,
	sale: Sale,
	now: () => number = Date.now
): Promise<RecordSaleResult> {
	if (typeof sale.id !== 'string' || sale.id === '') throw new TypeError('sale.id is required');
	// A JSON copy: the UI may hand us a Svelte $state proxy, which IndexedDB cannot clone, and
	// the stored sale must not change if the caller mutates its object afterwards.
	const copy = JSON.parse(JSON.stringify(sale)) as Sale;
	const orderNos = copy.tenders.flatMap((t) => (t.kind === 'payment_code' ? [t.orderNo] : []));
	return db.transaction('rw', [db.sales, db.outbox, db.charges], async () => {
		if (await db.sales.get(copy.id)) return 'already-recorded';
		await db.sales.add({
			id: copy.id,
			number: copy.number,
			createdAt: copy.createdAt,
			syncState: 'queued',
			syncedAt: null,
			syncError: null,
			flagged: [],
			sale: copy
		});
		await db.outbox.add({
			saleId: copy.id,
			attempts: 0,
			nextAttemptAt: now(),
			lastError: null
		});
		if (orderNos.length > 0) {
			const updatedAt = new Date(now()).toISOString();
			await db.charges
				.where('orderNo')
				.anyOf(orderNos)
				.modify({ state: 'recorded' satisfies ChargeState, updatedAt });
		}
		return 'recorded';
	});
}

/** Sales not yet accepted by the server (for the sign-out guard and the status line). */
export function queuedCount(db: TillDb): Promise<number> {
	return db.outbox.count();
}

export function rejectedSales(db: TillDb): Promise<SaleRecord[]> {
	return db.sales.where('syncState').equals('rejected').sortBy('createdAt');
}

/**
 * Puts a rejected sale back in the outbox (after the cause was fixed at the server). Returns
 * false if the sale is unknown or not rejected.
 */
export async function requeueRejectedSale(
	db: TillDb,
	saleId: string,
	now: () => number = Date.now
): Promise<boolean> {
	return db.transaction('rw', [db.sales, db.outbox], async () => {
		const row = await db.sales.get(saleId);
		if (!row || row.syncState !== 'rejected') return false;
		await db.sales.update(saleId, { syncState: 'queued', syncError: null });
		if (!(await db.outbox.where('saleId').equals(saleId).first())) {
			await db.outbox.add({ saleId, attempts: 0, nextAttemptAt: now(), lastError: null });
		}
		return true;
	});
}

/**
 * Applies the server's answers for a batch in one transaction: accepted sales become synced and
 * leave the outbox; rejected ones keep their row and error but leave the outbox (resending would
 * be rejected again). A sent sale without an answer stays in the outbox with a backoff. Also
 * notes the time of this successful contact. Used by the sync engine.
 */
export async function applySyncResults(
	db: TillDb,
	sent: OutboxEntry[],
	results: SyncSaleResult[],
	at: number,
	retryDelay: (attempts: number) => number
): Promise<{ synced: number; rejected: number; unanswered: number }> {
	const byId = new Map(results.map((r) => [r.id, r]));
	const syncedAt = new Date(at).toISOString();
	let synced = 0;
	let rejected = 0;
	let unanswered = 0;
	const saleChanges: { key: string; changes: Partial<SaleRecord> }[] = [];
	const answered: number[] = [];
	const deferred: { key: number; changes: Partial<OutboxEntry> }[] = [];
	for (const entry of sent) {
		const result = byId.get(entry.saleId);
		if (!result) {
			unanswered++;
			const attempts = entry.attempts + 1;
			deferred.push({
				key: entry.seq,
				changes: {
					attempts,
					nextAttemptAt: at + retryDelay(attempts),
					lastError: 'no answer for this sale in the server reply'
				}
			});
			continue;
		}
		if (result.status === 'rejected') {
			rejected++;
			saleChanges.push({
				key: entry.saleId,
				changes: {
					syncState: 'rejected',
					syncError: result.error ?? { code: 'rejected', message: 'rejected by the server' },
					flagged: result.flagged ?? []
				}
			});
		} else {
			synced++;
			saleChanges.push({
				key: entry.saleId,
				changes: { syncState: 'synced', syncedAt, syncError: null, flagged: result.flagged ?? [] }
			});
		}
		answered.push(entry.seq);
	}
	await db.transaction('rw', [db.sales, db.outbox, db.meta], async () => {
		await db.sales.bulkUpdate(saleChanges);
		await db.outbox.bulkDelete(answered);
		if (deferred.length > 0) await db.outbox.bulkUpdate(deferred);
		await setMeta(db, 'lastSyncAt', syncedAt);
		await setMeta(db, 'lastSyncError', null);
	});
	return { synced, rejected, unanswered };
}

/**
 * Marks a batch that got no reply at all (network error, 5xx): the rows stay, attempts grow, and
 * the error is kept for the status line.
 */
export async function deferOutbox(
	db: TillDb,
	sent: OutboxEntry[],
	error: string,
	at: number,
	retryDelay: (attempts: number) => number
): Promise<void> {
	await db.transaction('rw', [db.outbox, db.meta], async () => {
		await db.outbox.bulkUpdate(
			sent.map((entry) => {
				const attempts = entry.attempts + 1;
				return {
					key: entry.seq,
					changes: { attempts, nextAttemptAt: at + retryDelay(attempts), lastError: error }
				};
			})
		);
		await setMeta(db, 'lastSyncError', error);
	});
}

// ---------------------------------------------------------------------------------------------
// Payment-code charges in flight

export async function recordChargeStarted(
	db: TillDb,
	charge: { orderNo: string; saleDraftId: string; amount: Fen },
	now: () => number = Date.now
): Promise<void> {
	const at = new Date(now()).toISOString();
	await db.charges.put({ ...charge, state: 'pending', startedAt: at, updatedAt: at });
}

export async function setChargeState(
	db: TillDb,
	orderNo: string,
	state: ChargeState,
	now: () => number = Date.now
): Promise<boolean> {
	const n = await db.charges.update(orderNo, { state, updatedAt: new Date(now()).toISOString() });
	return n > 0;
}

/**
 * Charges to resume after a reload: still pending at the provider, or paid but their sale not
 * yet recorded. Oldest first.
 */
export function chargesToResume(db: TillDb): Promise<ChargeRecord[]> {
	return db.charges.where('state').anyOf(['pending', 'paid']).sortBy('startedAt');
}

/**
 * A charge of this sale whose outcome is still open on the device: pending, or paid but not yet
 * among the sale's tenders. While there is one, the sale must not be charged again.
 */
export function unsettledCharge(
	db: TillDb,
	saleDraftId: string,
	tenders: readonly Tender[]
): Promise<ChargeRecord | undefined> {
	const settled = new Set(tenders.flatMap((t) => (t.kind === 'payment_code' ? [t.orderNo] : [])));
	return db.charges
		.where('state')
		.anyOf(['pending', 'paid'])
		.filter((c) => c.saleDraftId === saleDraftId && !settled.has(c.orderNo))
		.first();
}

// ---------------------------------------------------------------------------------------------
// Storage persistence

interface StorageLike {
	persist?: () => Promise<boolean>;
}

/**
 * Asks the browser not to evict the database (peers.md: OCA/pos #172 lost offline orders that
 * way). The answer is kept in meta for the status screen.
 */
export async function requestPersistence(
	db: TillDb,
	storage: StorageLike | undefined = globalThis.navigator?.storage
): Promise<PersistState> {
	let state: PersistState;
	if (!storage || typeof storage.persist !== 'function') state = 'unsupported';
	else {
		try {
			state = (await storage.persist()) ? 'granted' : 'denied';
		} catch {
			state = 'denied';
		}
	}
	await setMeta(db, 'persistState', state);
	return state;
}

// ---------------------------------------------------------------------------------------------
// Catalog

/** A product as the server sends it; `updatedVersion` defaults to the change set's version. */
export type CatalogProductInput = Omit<CatalogProduct, 'updatedVersion' | 'code' | 'category'> & {
	updatedVersion?: number;
	code?: string | null;
	category?: string | null;
};

export interface CatalogChanges {
	version: number;
	products: CatalogProductInput[];
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

export function catalogVersion(db: TillDb): Promise<number> {
	return getMeta(db, 'catalogVersion').then((v) => v ?? 0);
}

export function findByBarcode(db: TillDb, barcode: string): Promise<CatalogProduct | undefined> {
	return db.catalog.where('barcodes').equals(barcode.trim()).first();
}

/** Favourites for the quick-pick grid, by name. */
export async function favourites(db: TillDb): Promise<CatalogProduct[]> {
	// Booleans are not IndexedDB keys, so `favourite` cannot be indexed; a shop's catalog is
	// small enough to filter.
	const rows = await db.catalog.filter((p) => p.favourite).toArray();
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
): Promise<CatalogProduct[]> {
	const q = query.trim().toLowerCase();
	if (q === '') return [];
	const hits: { product: CatalogProduct; score: number }[] = [];
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
