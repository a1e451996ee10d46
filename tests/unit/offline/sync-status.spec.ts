import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncStatusState } from '$lib/offline/sync-status.svelte';
import { SaleSync } from '$lib/offline/sale-sync';
import { FakeSalesServer, freshDb, recordSales } from './helpers';

let db: ReturnType<typeof freshDb>;
beforeEach(() => {
	db = freshDb();
});
afterEach(async () => {
	await db.drop();
});

describe('SyncStatusState', () => {
	it('mirrors the engine status as state', async () => {
		const server = new FakeSalesServer();
		const sync = new SaleSync(db, {
			send: server.sender(),
			locks: null,
			createChannel: null,
			events: null
		});
		const state = new SyncStatusState();
		state.connect(sync);
		expect(state.queued).toBe(0);

		await recordSales(db, 2);
		await sync.refreshStatus();
		expect(state.queued).toBe(2);
		expect(state.syncing).toBe(false);

		await sync.syncNow();
		expect(state.queued).toBe(0);
		expect(state.lastSyncAt).not.toBeNull();
		expect(state.syncing).toBe(false);

		state.disconnect();
		await recordSales(db, 1);
		await sync.refreshStatus();
		expect(state.queued).toBe(0);
	});
});
