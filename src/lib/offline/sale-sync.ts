/**
 * Sends the outbox to POST /api/sales: at start, on `online`, after every sale, and on a timer
 * that respects backoff (there is no Background Sync outside Chromium). Resending is always safe:
 * the server applies a sale id once and answers `duplicate` after (Odoo #40567's lesson); only a
 * refused token stops it. One tab of the device leads (tab-lock.ts).
 */
import type { Sale, SyncSalesReply } from '$lib/domain/sale';
import { describeFailure, type ApiFailure, type ApiResult } from './api-client';
import { addRuns, emptyRun, type SyncRunResult, type SyncStatus } from './sync-report';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { getMeta, type OutboxEntry, type TillDb } from './db';
import {
	applySyncResults,
	deferOutbox,
	nextOutboxAttempt,
	outboxBatch,
	queuedCount,
	rejectedCount
} from './outbox';
import {
	browserChannel,
	browserLocks,
	withTabMutex,
	type ChannelLike,
	type LockManagerLike
} from './tab-lock';

/** Sends one batch; the till's is TillApiClient.postSales. A throw counts as no answer. */
export type SendSales = (batch: Sale[]) => Promise<ApiResult<SyncSalesReply>>;

export interface EventSourceLike {
	addEventListener(type: 'online', listener: () => void): void;
	removeEventListener(type: 'online', listener: () => void): void;
}

type TabMessage = { type: 'nudge' } | { type: 'status' };

export interface SaleSyncOptions {
	send: SendSales;
	/** Sales per request. */
	batchSize?: number;
	/**
	 * And at most this many bytes of JSON per request (default 256 KiB, half the server's default
	 * BODY_SIZE_LIMIT): a batch over the server's limit is refused whole, every time.
	 */
	batchBytes?: number;
	backoff?: BackoffOptions;
	/** How often the leader looks at the outbox when nothing is due (other tabs' sales). */
	idleIntervalMs?: number;
	now?: () => number;
	random?: () => number;
	/** `navigator.locks` by default; null for in-tab coordination only. */
	locks?: LockManagerLike | null;
	/** BroadcastChannel by default; null for none. */
	createChannel?: ((name: string) => ChannelLike) | null;
	/** `window` by default (for `online`); null for none. */
	events?: EventSourceLike | null;
	/** Web Lock and channel name; `${db.name}-sync` ("till-sync") by default. */
	lockName?: string;
}

type Listener = (status: SyncStatus) => void;

export class SaleSync {
	readonly #db: TillDb;
	readonly #send: SendSales;
	readonly #batchSize: number;
	readonly #batchBytes: number;
	readonly #backoff: Required<BackoffOptions>;
	readonly #idleIntervalMs: number;
	readonly #now: () => number;
	readonly #random: () => number;
	readonly #locks: LockManagerLike | null;
	readonly #createChannel: ((name: string) => ChannelLike) | null;
	readonly #events: EventSourceLike | null;
	readonly #lockName: string;

	#status: SyncStatus = {
		queued: 0,
		rejected: 0,
		lastSyncAt: null,
		lastError: null,
		syncing: false,
		role: 'idle',
		authRequired: false
	};
	readonly #listeners = new Set<Listener>();

	#started = false;
	#stopping = false;
	#inFlight: Promise<SyncRunResult> | null = null;
	#rerun: { force: boolean } | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#channel: ChannelLike | null = null;
	#lockAbort: AbortController | null = null;
	#releaseLock: (() => void) | null = null;
	#lockRequest: Promise<void> | null = null;

	constructor(db: TillDb, options: SaleSyncOptions) {
		this.#db = db;
		this.#send = options.send;
		this.#batchSize = Math.max(1, options.batchSize ?? 200);
		this.#batchBytes = Math.max(1, options.batchBytes ?? 256 * 1024);
		this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
		this.#idleIntervalMs = options.idleIntervalMs ?? 30_000;
		this.#now = options.now ?? Date.now;
		this.#random = options.random ?? Math.random;
		this.#locks = options.locks === undefined ? browserLocks() : options.locks;
		this.#createChannel =
			options.createChannel === undefined ? browserChannel() : options.createChannel;
		this.#events =
			options.events === undefined
				? typeof window === 'undefined'
					? null
					: window
				: options.events;
		this.#lockName = options.lockName ?? `${db.name}-sync`;
	}

	// --- status ----------------------------------------------------------------------------

	get status(): SyncStatus {
		return { ...this.#status };
	}

	/** Svelte store contract: called at once with the current status, then on every change. */
	subscribe(listener: Listener): () => void {
		this.#listeners.add(listener);
		listener(this.status);
		return () => {
			this.#listeners.delete(listener);
		};
	}

	#set(patch: Partial<SyncStatus>): void {
		this.#status = { ...this.#status, ...patch };
		const snapshot = this.status;
		for (const listener of this.#listeners) {
			try {
				listener(snapshot);
			} catch (err) {
				console.error('sync status listener failed', err);
			}
		}
	}

	/** Re-reads counts and the last sync time from the database (shared by all tabs). */
	async refreshStatus(): Promise<SyncStatus> {
		const [queued, rejected, lastSyncAt, lastSyncError] = await Promise.all([
			queuedCount(this.#db),
			rejectedCount(this.#db),
			getMeta(this.#db, 'lastSyncAt'),
			getMeta(this.#db, 'lastSyncError')
		]);
		this.#set({
			queued,
			rejected,
			lastSyncAt: lastSyncAt ?? null,
			lastError: this.#status.authRequired ? this.#status.lastError : (lastSyncError ?? null)
		});
		return this.status;
	}

	// --- lifecycle -------------------------------------------------------------------------

	/**
	 * Starts syncing: now, on `online`, on a timer, and on `nudge()`. With Web Locks this tab
	 * leads only while it holds the lock; the others wait in line and pass nudges to the leader.
	 */
	start(): void {
		if (this.#started) return;
		this.#started = true;
		this.#stopping = false;
		this.#events?.addEventListener('online', this.#onOnline);
		if (this.#createChannel) {
			this.#channel = this.#createChannel(this.#lockName);
			this.#channel.addEventListener('message', this.#onMessage);
		}
		this.#background(this.refreshStatus());
		if (this.#locks) {
			this.#set({ role: 'follower' });
			const abort = new AbortController();
			this.#lockAbort = abort;
			this.#lockRequest = this.#locks
				.request(this.#lockName, { signal: abort.signal }, async () => {
					if (this.#stopping) return;
					const held = new Promise<void>((resolve) => (this.#releaseLock = resolve));
					this.#becomeLeader();
					// Hold the lock for as long as this tab runs; it goes when the tab dies.
					await held;
				})
				.catch((err: unknown) => {
					if (!abort.signal.aborted) this.#reportError(err);
				});
		} else {
			this.#becomeLeader();
		}
	}

	/** Stops timers and listeners, waits for a running sync, then gives up the lead. */
	async stop(): Promise<void> {
		if (!this.#started) {
			await this.#inFlight?.catch(() => undefined);
			return;
		}
		this.#stopping = true;
		this.#started = false;
		this.#clearTimer();
		this.#events?.removeEventListener('online', this.#onOnline);
		if (this.#channel) {
			this.#channel.removeEventListener('message', this.#onMessage);
			this.#channel.close();
			this.#channel = null;
		}
		await this.#inFlight?.catch(() => undefined);
		this.#lockAbort?.abort();
		this.#lockAbort = null;
		this.#releaseLock?.();
		this.#releaseLock = null;
		await this.#lockRequest;
		this.#lockRequest = null;
		this.#stopping = false;
		this.#set({ role: 'idle' });
	}

	/** Call after each recorded sale. */
	nudge(): void {
		if (this.#status.role === 'follower') {
			this.#post({ type: 'nudge' });
			this.#background(this.refreshStatus());
			return;
		}
		this.#kick(false);
	}

	/** After the device got a new token: clears the 401 stop and syncs. */
	resume(): void {
		this.#set({ authRequired: false, lastError: null });
		this.#kick(true);
	}

	/**
	 * Runs a sync now and resolves when it is done. `force` also sends rows still in backoff
	 * (start, `online`, a "sync now" button). A follower tab passes the request to the leader.
	 */
	syncNow(options: { force?: boolean } = {}): Promise<SyncRunResult> {
		const force = options.force ?? false;
		if (this.#status.role === 'follower') {
			this.#post({ type: 'nudge' });
			return Promise.resolve({ ...emptyRun(), skipped: 'follower' });
		}
		if (this.#status.authRequired) {
			return Promise.resolve({ ...emptyRun(), skipped: 'auth', error: null });
		}
		if (this.#inFlight) {
			// Coalesce: one more pass after the current one picks up what arrived meanwhile.
			this.#rerun = { force: force || (this.#rerun?.force ?? false) };
			return this.#inFlight;
		}
		const run = this.#loop(force).finally(() => {
			this.#inFlight = null;
		});
		this.#inFlight = run;
		return run;
	}

	// --- internals -------------------------------------------------------------------------

	readonly #onOnline = (): void => {
		if (this.#status.role === 'leader') this.#kick(true);
	};

	readonly #onMessage = (event: MessageEvent): void => {
		const message = event.data as TabMessage | null;
		if (message?.type === 'nudge' && this.#status.role === 'leader') this.#kick(false);
		else if (message?.type === 'status') this.#background(this.refreshStatus());
	};

	#post(message: TabMessage): void {
		try {
			this.#channel?.postMessage(message);
		} catch (err) {
			console.error('sync channel post failed', err);
		}
	}

	#becomeLeader(): void {
		this.#set({ role: 'leader' });
		this.#kick(true);
	}

	#kick(force: boolean): void {
		this.#background(this.syncNow({ force }));
	}

	#background(promise: Promise<unknown>): void {
		promise.catch((err: unknown) => this.#reportError(err));
	}

	#reportError(err: unknown): void {
		console.error('sale sync failed', err);
		this.#set({ lastError: err instanceof Error ? err.message : String(err) });
	}

	async #loop(force: boolean): Promise<SyncRunResult> {
		let total = emptyRun();
		this.#set({ syncing: true });
		try {
			let nextForce = force;
			for (;;) {
				this.#rerun = null;
				const run = await this.#exclusive(() => this.#runOnce(nextForce));
				total = addRuns(total, run);
				const rerun = this.#takeRerun();
				if (!rerun || this.#stopping || this.#status.authRequired) break;
				nextForce = rerun.force;
			}
		} finally {
			this.#set({ syncing: false });
			await this.refreshStatus().catch((err: unknown) => this.#reportError(err));
			this.#post({ type: 'status' });
			this.#schedule();
		}
		return total;
	}

	#takeRerun(): { force: boolean } | null {
		const rerun = this.#rerun;
		this.#rerun = null;
		return rerun;
	}

	/**
	 * Runs `pass` as the only sync of this database: the tab mutex always, and, for an engine
	 * that was not started (so holds no lead), the Web Lock if no other tab holds it.
	 */
	async #exclusive(pass: () => Promise<SyncRunResult>): Promise<SyncRunResult> {
		const inTab = (): Promise<SyncRunResult> => withTabMutex(this.#db.name, pass);
		if (this.#status.role !== 'idle' || !this.#locks) return inTab();
		return this.#locks.request(this.#lockName, { ifAvailable: true }, async (lock) =>
			lock ? inTab() : { ...emptyRun(), skipped: 'follower' as const }
		);
	}

	/**
	 * One pass over the outbox in recording order, each row at most once. A pass started by a
	 * nudge or the timer sends only rows whose backoff is over; once the server has answered a
	 * batch it is reachable, so the pass goes on with every row, including older ones it had
	 * skipped. (So a new sale can reach the server before an older one in backoff; the server
	 * keys on sale id and orders by createdAt, so that is harmless.)
	 */
	async #runOnce(force: boolean): Promise<SyncRunResult> {
		const db = this.#db;
		const result = emptyRun();
		const retryDelay = (attempts: number): number =>
			backoffDelay(attempts, this.#backoff, this.#random);
		const attempted = new Set<number>();
		let cursor = 0;
		let sendAll = force;
		while (!this.#stopping) {
			const at = this.#now();
			// A row due further ahead than the longest backoff means the clock was set back
			// (a till left on a wrong date, then corrected): send it rather than wait for the date.
			const due = (e: OutboxEntry): boolean =>
				e.nextAttemptAt <= at || e.nextAttemptAt > at + this.#backoff.capMs;
			const batch = await outboxBatch(
				db,
				cursor,
				this.#batchSize,
				this.#batchBytes,
				(e) => !attempted.has(e.seq) && (sendAll || due(e))
			);
			const taken = batch.entries;
			if (taken.length === 0) break;
			cursor = taken.at(-1)!.seq;
			for (const entry of taken) attempted.add(entry.seq);

			const entries: OutboxEntry[] = [];
			const sales: Sale[] = [];
			const orphans: OutboxEntry[] = [];
			taken.forEach((entry, i) => {
				const sale = batch.sales[i];
				if (sale) {
					entries.push(entry);
					sales.push(sale);
				} else orphans.push(entry);
			});
			if (orphans.length > 0) {
				// Cannot happen while sale and outbox row are written together; keep the row as
				// evidence rather than drop something we do not understand.
				await deferOutbox(db, orphans, 'outbox row without a sale', at, () => this.#backoff.capMs);
			}
			if (sales.length === 0) continue;

			result.sent += sales.length;
			const reply = await this.#send(sales).catch((err: unknown): ApiFailure => ({
				kind: 'unanswered',
				status: null,
				reason: err instanceof Error ? err.message : String(err)
			}));
			if (reply.kind !== 'ok') {
				result.failed += entries.length;
				result.error = reply;
				const text = describeFailure(reply);
				await deferOutbox(db, entries, text, this.#now(), retryDelay);
				if (reply.kind === 'rejected' && reply.status === 401) {
					this.#set({ authRequired: true, lastError: text });
					result.skipped = 'auth';
				}
				break;
			}
			const applied = await applySyncResults(
				db,
				entries,
				reply.value.results,
				this.#now(),
				retryDelay
			);
			result.synced += applied.synced;
			result.rejected += applied.rejected;
			result.failed += applied.unanswered;
			if (!sendAll) {
				// Go back once for the rows this pass skipped while they were in backoff.
				sendAll = true;
				cursor = 0;
			}
			this.#set({ queued: await queuedCount(db) });
		}
		if (this.#stopping && result.sent === 0) result.skipped = 'stopped';
		return result;
	}

	#clearTimer(): void {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = null;
	}

	/** The leader looks again when the earliest backoff ends, and every idle interval anyway. */
	#schedule(): void {
		this.#clearTimer();
		if (!this.#started || this.#stopping || this.#status.role !== 'leader') return;
		if (this.#status.authRequired) return;
		const arm = (delay: number): void => {
			this.#clearTimer();
			if (!this.#started || this.#stopping) return;
			this.#timer = setTimeout(
				() => {
					this.#timer = null;
					this.#kick(false);
				},
				Math.max(250, Math.min(delay, this.#idleIntervalMs))
			);
		};
		arm(this.#idleIntervalMs);
		this.#background(
			nextOutboxAttempt(this.#db).then((next) => {
				if (next !== null && this.#timer !== null) arm(next - this.#now());
			})
		);
	}
}
