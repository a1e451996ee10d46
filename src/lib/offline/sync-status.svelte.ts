/** The sync engine's status as Svelte 5 state, for the status line. */
import type { SaleSync } from './sale-sync';
import type { SyncRole, SyncStatus } from './sync-report';

export class SyncStatusState {
	queued = $state(0);
	rejected = $state(0);
	lastSyncAt = $state<string | null>(null);
	lastError = $state<string | null>(null);
	syncing = $state(false);
	role = $state<SyncRole>('idle');
	authRequired = $state(false);

	#unsubscribe: (() => void) | null = null;

	/** Follows `sync` (and stops following the previous engine). Returns the disconnect. */
	connect(sync: SaleSync): () => void {
		this.disconnect();
		this.#unsubscribe = sync.subscribe((status) => this.#apply(status));
		return () => this.disconnect();
	}

	disconnect(): void {
		this.#unsubscribe?.();
		this.#unsubscribe = null;
	}

	#apply(status: SyncStatus): void {
		this.queued = status.queued;
		this.rejected = status.rejected;
		this.lastSyncAt = status.lastSyncAt;
		this.lastError = status.lastError;
		this.syncing = status.syncing;
		this.role = status.role;
		this.authRequired = status.authRequired;
	}
}
