/** The last sales recorded on this device, newest first, with their sync state (F9). */
import type { SaleRecord, TillDb } from '$lib/offline/db';
import { recentSales } from '$lib/offline/outbox';

const SHOWN = 30;

export class RecentSales {
	list = $state.raw<SaleRecord[]>([]);
	#db: TillDb | null = null;

	attach(db: TillDb): void {
		this.#db = db;
	}

	async refresh(): Promise<void> {
		if (!this.#db) return;
		try {
			this.list = await recentSales(this.#db, SHOWN);
		} catch {
			// the list is a convenience; the status line still shows the queue
		}
	}

	/** The server has this sale (the list follows the sync engine). */
	isSynced(saleId: string): boolean {
		return this.list.some((r) => r.id === saleId && r.syncState === 'synced');
	}
}
