/**
 * Bundled by esbuild into the page for bench:offline and the offline e2e suite: the device
 * database and the sync engine, exactly as the till ships them.
 */
import Dexie from 'dexie';
import { TillApiClient } from '../../src/lib/offline/api-client';
import { openTillDb } from '../../src/lib/offline/db';
import { queuedCount, recordSale } from '../../src/lib/offline/outbox';
import { SaleSync, type SendSales } from '../../src/lib/offline/sale-sync';
import type { Sale } from '../../src/lib/domain/sale';

declare global {
	interface Window {
		tillOffline: typeof api;
	}
}

export interface BenchResult {
	commit: { median: number; p95: number; rawMedian: number; rawP95: number };
	sync: { ms: number; rawMs: number; queued: number; serverAdded: number; queuedTotal: number };
}

async function benchOffline({
	SALES,
	COMMITS,
	token
}: {
	SALES: number;
	COMMITS: number;
	token: string;
}): Promise<BenchResult> {
	const pct = (xs: number[], p: number) =>
		[...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
	const sale = () => makeSale();
	const summary = async () =>
		(await (
			await fetch('/api/sales/summary?till=mine', {
				headers: { authorization: `Bearer ${token}` }
			})
		).json()) as { count: number; total: number };

	// Baseline for commits: one raw IndexedDB put per transaction.
	const raw = await new Promise<IDBDatabase>((resolve, reject) => {
		const r = indexedDB.open('bench-raw', 1);
		r.onupgradeneeded = () => r.result.createObjectStore('sales', { keyPath: 'id' });
		r.onsuccess = () => resolve(r.result);
		r.onerror = () => reject(r.error);
	});
	const rawTimes: number[] = [];
	const dbTimes: number[] = [];
	const db = openTillDb('till-bench');
	await db.open();
	for (let i = 0; i < COMMITS; i++) {
		const a = sale();
		let t0 = performance.now();
		await new Promise<void>((resolve, reject) => {
			const tx = raw.transaction('sales', 'readwrite');
			tx.objectStore('sales').put(a);
			tx.oncomplete = () => resolve();
			tx.onerror = () => reject(tx.error);
		});
		rawTimes.push(performance.now() - t0);
		const b = sale();
		t0 = performance.now();
		await recordSale(db, b);
		dbTimes.push(performance.now() - t0);
	}

	// Queue the backlog (not timed), then time its sync.
	for (let i = 0; i < SALES; i += 500) {
		const batch = Array.from({ length: Math.min(500, SALES - i) }, sale);
		await Promise.all(batch.map((s) => recordSale(db, s)));
	}
	const queued = await queuedCount(db);
	const before = await summary();
	const sync = new SaleSync(db, {
		send: httpSender(token),
		batchSize: 200,
		locks: null,
		createChannel: null,
		events: null
	});
	let t0 = performance.now();
	while ((await queuedCount(db)) > 0) await sync.syncNow({ force: true });
	const syncMs = performance.now() - t0;
	const afterSync = await summary();

	// Baseline for the backlog: the same number of fresh sales, bare fetch, same batches.
	const fresh = Array.from({ length: SALES }, sale);
	t0 = performance.now();
	for (let i = 0; i < fresh.length; i += 200) {
		const r = await fetch('/api/sales', {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({ sales: fresh.slice(i, i + 200) })
		});
		if (!r.ok) throw new Error(`baseline POST ${r.status}`);
	}
	const rawSyncMs = performance.now() - t0;
	const queuedTotal = SALES; // every queued sale was sent
	return {
		commit: {
			median: pct(dbTimes, 50),
			p95: pct(dbTimes, 95),
			rawMedian: pct(rawTimes, 50),
			rawP95: pct(rawTimes, 95)
		},
		sync: {
			ms: syncMs,
			rawMs: rawSyncMs,
			queued,
			serverAdded: afterSync.count - before.count,
			queuedTotal
		}
	};
}

let made = 0;
/** A valid cash sale of `qty` × ¥2.00. */
/** POST /api/sales as the till sends it: its own client. */
function httpSender(token: string): SendSales {
	const client = new TillApiClient({ getToken: () => token });
	return (batch) => client.postSales(batch);
}

function makeSale(qty = (made % 5) + 1): Sale {
	const i = made++;
	return {
		id: crypto.randomUUID(),
		number: `E-${i}`,
		cashier: '测试',
		createdAt: new Date().toISOString(),
		lines: [
			{
				lineId: 'l1',
				productId: null,
				name: '矿泉水',
				barcode: null,
				unitPrice: 200,
				quantity: qty,
				discount: 0,
				total: 200 * qty
			}
		],
		subtotal: 200 * qty,
		discount: 0,
		total: 200 * qty,
		tenders: [{ kind: 'cash', amount: 200 * qty, tendered: 200 * qty, change: 0 }]
	};
}

/** Records n sales in the named database; returns their count and sum (fen). */
async function seed(dbName: string, n: number): Promise<{ count: number; total: number }> {
	const db = openTillDb(dbName);
	let total = 0;
	for (let i = 0; i < n; i += 250) {
		const batch = Array.from({ length: Math.min(250, n - i) }, () => makeSale());
		total += batch.reduce((a, s) => a + s.total, 0);
		await Promise.all(batch.map((s) => recordSale(db, s)));
	}
	db.close();
	return { count: n, total };
}

/** One sync engine for the named database, with the browser's own Web Locks and channels. */
function engine(dbName: string, token: string): SaleSync {
	return new SaleSync(openTillDb(dbName), { send: httpSender(token), batchSize: 200 });
}

async function queued(dbName: string): Promise<number> {
	const db = openTillDb(dbName);
	try {
		return await queuedCount(db);
	} finally {
		db.close();
	}
}

/**
 * Version 1 of the device database as it shipped, written out on purpose (see
 * tests/unit/offline/upgrade.spec.ts): creates a v1 database with a queued and a synced sale,
 * then opens it with the current code.
 */
async function upgradeFromV1(dbName: string) {
	const v1 = new Dexie(dbName);
	v1.version(1).stores({
		catalog: 'id, *barcodes, code, category, updatedVersion',
		sales: 'id, number, createdAt, syncState',
		outbox: '++seq, &saleId, nextAttemptAt',
		meta: 'key'
	});
	const queuedSale = makeSale(2);
	const syncedSale = makeSale(3);
	await v1.table('sales').bulkAdd([
		{
			id: queuedSale.id,
			number: queuedSale.number,
			createdAt: queuedSale.createdAt,
			syncState: 'queued',
			sale: queuedSale
		},
		{
			id: syncedSale.id,
			number: syncedSale.number,
			createdAt: syncedSale.createdAt,
			syncState: 'synced',
			sale: syncedSale
		}
	]);
	await v1
		.table('outbox')
		.add({ saleId: queuedSale.id, attempts: 0, nextAttemptAt: 0, lastError: null });
	await v1.table('meta').put({ key: 'lastSyncAt', value: '2026-11-26T03:00:00.000Z' });
	v1.close();

	const db = openTillDb(dbName);
	await db.open();
	const result = {
		version: db.verno,
		sales: (await db.sales.toArray()).map((s) => ({
			id: s.id,
			syncState: s.syncState,
			syncedAt: s.syncedAt,
			total: s.sale.total
		})),
		queued: await queuedCount(db),
		chargesTable: db.tables.some((t) => t.name === 'charges'),
		ids: { queued: queuedSale.id, synced: syncedSale.id }
	};
	db.close();
	return result;
}

const api = {
	openTillDb,
	recordSale,
	queuedCount,
	SaleSync,
	httpSender,
	benchOffline,
	makeSale,
	seed,
	engine,
	queued,
	upgradeFromV1
};
window.tillOffline = api;
