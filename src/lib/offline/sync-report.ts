/** What the sale sync reports: its status for the screen, and what one run did. */
import type { ApiFailure } from './api-client';

export type SyncRole = 'idle' | 'leader' | 'follower';

export interface SyncStatus {
	/** Sales in the outbox (recorded on this device, not yet answered by the server). */
	queued: number;
	/** Sales the server refused; they stay on the device for someone to look at. */
	rejected: number;
	/** Last time the server answered a batch (ISO). */
	lastSyncAt: string | null;
	lastError: string | null;
	syncing: boolean;
	/** leader: this tab sends; follower: another tab does; idle: not started. */
	role: SyncRole;
	/** The server refused the token: sending stopped until `resume()`. */
	authRequired: boolean;
}

export interface SyncRunResult {
	/** Sales sent in this run (counting a resent one again). */
	sent: number;
	synced: number;
	rejected: number;
	/** Sales sent without getting an answer (network, 5xx, missing from the reply). */
	failed: number;
	skipped: 'follower' | 'auth' | 'stopped' | null;
	error: ApiFailure | null;
}

export const emptyRun = (): SyncRunResult => ({
	sent: 0,
	synced: 0,
	rejected: 0,
	failed: 0,
	skipped: null,
	error: null
});

export function addRuns(a: SyncRunResult, b: SyncRunResult): SyncRunResult {
	return {
		sent: a.sent + b.sent,
		synced: a.synced + b.synced,
		rejected: a.rejected + b.rejected,
		failed: a.failed + b.failed,
		skipped: b.skipped ?? a.skipped,
		error: b.error ?? a.error
	};
}
