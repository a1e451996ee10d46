/** Test data and fakes for the offline specs. Import 'fake-indexeddb/auto' before this. */
import { openTillDb, type TillDb } from '$lib/offline/db';
import { recordSale } from '$lib/offline/outbox';
import type { SendSales } from '$lib/offline/sale-sync';
import type { LockManagerLike } from '$lib/offline/tab-lock';
import type { Sale, SyncSaleResult, SyncSalesReply } from '$lib/domain/sale';
import { sale } from '../../helpers/factories';

/** A fresh database with a unique name; `drop()` closes and deletes it. */
export function freshDb(): TillDb & { drop: () => Promise<void> } {
	const db = openTillDb(`till-test-${crypto.randomUUID()}`);
	return Object.assign(db, {
		drop: async () => {
			db.close();
			await db.delete({ disableAutoOpen: true });
		}
	});
}

/** A valid cash sale; `amount` in fen. */
export const makeSale = (amount?: number): Sale => sale(amount);

export async function recordSales(db: TillDb, count: number, amount = 1_250): Promise<Sale[]> {
	const sales: Sale[] = [];
	for (let i = 0; i < count; i++) {
		const made = makeSale(amount + i);
		await recordSale(db, made);
		sales.push(made);
	}
	return sales;
}

/**
 * The server side of POST /api/sales as far as sync cares: idempotent on sale id, keeping the
 * first answer; a sale with a negative total is rejected.
 */
export class FakeSalesServer {
	readonly stored = new Map<string, Sale>();
	/** Every batch received, in order (resends included). */
	readonly requests: string[][] = [];
	/** How many times each sale id was received. */
	readonly received = new Map<string, number>();

	handle(batch: Sale[]): SyncSalesReply {
		this.requests.push(batch.map((s) => s.id));
		const results: SyncSaleResult[] = batch.map((sale) => {
			this.received.set(sale.id, (this.received.get(sale.id) ?? 0) + 1);
			if (sale.total < 0) {
				return {
					id: sale.id,
					status: 'rejected',
					error: { code: 'negative_total', message: 'total must not be negative', field: 'total' }
				};
			}
			if (this.stored.has(sale.id)) return { id: sale.id, status: 'duplicate' };
			// Stored as the JSON the wire would carry.
			this.stored.set(sale.id, JSON.parse(JSON.stringify(sale)) as Sale);
			return { id: sale.id, status: 'applied' };
		});
		return { results };
	}

	/** A sender that answers asynchronously, like a network would. */
	sender(): SendSales {
		return async (batch) => {
			await new Promise((resolve) => setTimeout(resolve, 1));
			return { kind: 'ok', value: this.handle(batch) };
		};
	}

	get count(): number {
		return this.stored.size;
	}

	get sum(): number {
		let sum = 0;
		for (const sale of this.stored.values()) sum += sale.total;
		return sum;
	}
}

/** Web Locks, exclusive mode only: enough to show which engine leads. */
export class FakeLocks implements LockManagerLike {
	readonly #held = new Set<string>();
	readonly #waiting = new Map<string, (() => void)[]>();

	async request<T>(
		name: string,
		options: { signal?: AbortSignal; ifAvailable?: boolean },
		callback: (lock: unknown) => Promise<T>
	): Promise<T> {
		if (this.#held.has(name)) {
			if (options.ifAvailable) return callback(null);
			await new Promise<void>((resolve, reject) => {
				const queue = this.#waiting.get(name) ?? [];
				const grant = (): void => {
					options.signal?.removeEventListener('abort', onAbort);
					resolve();
				};
				const onAbort = (): void => {
					queue.splice(queue.indexOf(grant), 1);
					reject(new DOMException('The request was aborted.', 'AbortError'));
				};
				options.signal?.addEventListener('abort', onAbort, { once: true });
				queue.push(grant);
				this.#waiting.set(name, queue);
			});
		}
		// A waiter is handed the lock directly, so nobody can slip in between.
		this.#held.add(name);
		try {
			return await callback({ name, mode: 'exclusive' });
		} finally {
			const next = this.#waiting.get(name)?.shift();
			if (next) next();
			else this.#held.delete(name);
		}
	}
}
