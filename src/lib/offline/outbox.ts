/**
 * Sales on the device and the outbox of those still to send. A sale is written with its outbox
 * row in one transaction before the screen says "done", and a sale row is never deleted: rejected
 * sales stay for the cashier and the owner to see. An outbox row goes only in the transaction
 * that stores the server's answer for it.
 */
import type { Sale, SyncSaleResult } from '$lib/domain/sale';
import {
	setMeta,
	type DeviceChargeState,
	type OutboxEntry,
	type SaleRecord,
	type TillDb
} from './db';

export type RecordSaleResult = 'recorded' | 'already-recorded';

/**
 * Writes the sale and its outbox row in one transaction; await it before the screen says "done".
 * Idempotent on `sale.id`. Charges paid by its payment-code tenders become `recorded` in the
 * same transaction, so a reload does not offer to resume them.
 */
export async function recordSale(
	db: TillDb,
	sale: Sale,
	now: () => number = Date.now
): Promise<RecordSaleResult> {
	if (typeof sale.id !== 'string' || sale.id === '') throw new TypeError('sale.id is required');
	// A JSON copy: the UI may hand over a Svelte $state proxy, which IndexedDB cannot clone, and
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
		await db.outbox.add({ saleId: copy.id, attempts: 0, nextAttemptAt: now(), lastError: null });
		if (orderNos.length > 0) {
			const updatedAt = new Date(now()).toISOString();
			await db.charges
				.where('orderNo')
				.anyOf(orderNos)
				.modify({ state: 'recorded' satisfies DeviceChargeState, updatedAt });
		}
		return 'recorded';
	});
}

/** The sale recorded under `id`, if any. */
export async function recordedSale(db: TillDb, id: string): Promise<Sale | undefined> {
	return (await db.sales.get(id))?.sale;
}

/** The latest sales recorded on this device, newest first. */
export function recentSales(db: TillDb, limit: number): Promise<SaleRecord[]> {
	return db.sales.orderBy('createdAt').reverse().limit(limit).toArray();
}

/** Sales not yet accepted by the server (the status line, the sign-out guard). */
export function queuedCount(db: TillDb): Promise<number> {
	return db.outbox.count();
}

export function rejectedCount(db: TillDb): Promise<number> {
	return db.sales.where('syncState').equals('rejected').count();
}

/**
 * Applies the server's answers for a batch in one transaction: accepted sales become synced and
 * leave the outbox; rejected ones keep their error and leave it too (resending would be rejected
 * again). A sent sale without an answer stays, with a backoff. Notes this successful contact.
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

/** A batch that got no reply at all: the rows stay, attempts grow, the error is kept. */
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

const encoder = new TextEncoder();

/**
 * Up to `limit` outbox rows after `cursor` (recording order) that `take` accepts, with their
 * sales (undefined for a row whose sale is missing), within `maxBytes` of JSON (always at least
 * one row: a request over the server's body limit would be refused whole, every time).
 */
export async function outboxBatch(
	db: TillDb,
	cursor: number,
	limit: number,
	maxBytes: number,
	take: (entry: OutboxEntry) => boolean
): Promise<{ entries: OutboxEntry[]; sales: (Sale | undefined)[] }> {
	const rows = await db.outbox.where('seq').above(cursor).filter(take).limit(limit).toArray();
	const records = await db.sales.bulkGet(rows.map((e) => e.saleId));
	let bytes = 0;
	let fits = 0;
	while (fits < rows.length) {
		const sale = records[fits]?.sale;
		// The UTF-8 size of its JSON, as it goes over the wire (plus a comma).
		const size = sale ? encoder.encode(JSON.stringify(sale)).length + 1 : 0;
		if (fits > 0 && bytes + size > maxBytes) break;
		bytes += size;
		fits++;
	}
	return { entries: rows.slice(0, fits), sales: records.slice(0, fits).map((r) => r?.sale) };
}

/** When the earliest outbox row is due, or null for an empty outbox. */
export async function nextOutboxAttempt(db: TillDb): Promise<number | null> {
	return (await db.outbox.orderBy('nextAttemptAt').first())?.nextAttemptAt ?? null;
}
