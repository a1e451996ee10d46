/**
 * The device's own database (IndexedDB through Dexie): its tables and their schema versions, and
 * the meta values. What is stored and read goes through the modules beside this one (outbox,
 * device-charges, catalog, counters), never through the tables from elsewhere.
 */
import Dexie, { type DexieOptions, type EntityTable, type Transaction } from 'dexie';
import type { ApiError } from '$lib/domain/api-error';
import type { Fen } from '$lib/domain/money';
import type { Sale } from '$lib/domain/sale';

export const DEFAULT_DB_NAME = 'till';

/** The device's copy of a catalog product. */
export interface DeviceProduct {
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
	 * Pinyin of the name, syllables separated by spaces ("ke kou ke le"); a value without spaces is
	 * taken as initials already ("kkkl").
	 */
	pinyin?: string;
	/** The catalog version in which the server last changed this product. */
	updatedVersion: number;
}

export type SaleSyncState = 'queued' | 'synced' | 'rejected';

export interface SaleRecord {
	/** = sale.id; also the idempotency key at the server. */
	id: string;
	number: string;
	createdAt: string;
	syncState: SaleSyncState;
	/** Since schema v2: when the server answered applied/duplicate; null until then. */
	syncedAt: string | null;
	/** Why the server rejected the sale; kept so the cashier and the owner can see it. */
	syncError: ApiError | null;
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

/** A payment-code charge as the device tracks it (the server's own states are ChargeState). */
export type DeviceChargeState = 'pending' | 'paid' | 'failed' | 'cancelled' | 'recorded';

/**
 * A payment-code charge the till has started, written before the request leaves, so that after a
 * reload the till asks the server how it ended instead of charging the customer again (v2).
 */
export interface DeviceCharge {
	/** The till API's order_no (device-generated, unique per till). */
	orderNo: string;
	/** The id the sale will get once it is recorded. */
	saleDraftId: string;
	amount: Fen;
	state: DeviceChargeState;
	startedAt: string;
	updatedAt: string;
}

export type PersistState = 'granted' | 'denied' | 'unsupported';

/** A daily counter (order-no.ts DailySeq). */
export interface DailyCounter {
	day: string;
	seq: number;
}

/** Typed meta values; the table stores `{ key, value }`. */
export interface MetaValues {
	catalogVersion: number;
	/** The server's `latest` when the device last pulled the whole catalog to get back in step. */
	catalogResyncAt: number;
	/** The store whose till this device is (its catalog, its queued sales). */
	storeId: string;
	lastSyncAt: string;
	lastSyncError: string | null;
	persistState: PersistState;
	/** The daily counters of charges and of receipt numbers. */
	orderSeq: DailyCounter;
	saleSeq: DailyCounter;
}

export interface MetaRow {
	key: string;
	value: unknown;
}

export type TillDb = Dexie & {
	catalog: EntityTable<DeviceProduct, 'id'>;
	sales: EntityTable<SaleRecord, 'id'>;
	outbox: EntityTable<OutboxEntry, 'seq'>;
	meta: EntityTable<MetaRow, 'key'>;
	charges: EntityTable<DeviceCharge, 'orderNo'>;
};

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

/** Opens (lazily, on first use) the till's database; tests pass their own indexedDB. */
export function openTillDb(name: string = DEFAULT_DB_NAME, options?: DexieOptions): TillDb {
	const db = new Dexie(name, options) as TillDb;
	db.version(1).stores(STORES_V1);
	db.version(SCHEMA_VERSION).stores(STORES_V2).upgrade(upgradeToV2);
	return db;
}

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
