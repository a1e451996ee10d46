/**
 * The browser side of the offline-first till: sends queued sales to POST /api/sales and pulls
 * catalog changes from GET /api/catalog.
 *
 * Safety rests on three rules (peers.md, "Offline queues" and the Odoo lessons):
 * - An outbox row is deleted only in the transaction that stores the server's answer for it.
 *   A tab that dies mid-send leaves the row; sending it again is safe because the server
 *   applies a sale id once and answers `duplicate` afterwards (Odoo #40567).
 * - One sync at a time per tab (an in-flight promise plus a per-database mutex), and one
 *   leading tab per device through Web Locks (Odoo #152259: two tabs synced the same orders).
 * - Sync at start, on `online`, on a timer that respects backoff, and after every sale; there
 *   is no Background Sync outside Chromium.
 */
import type { Sale, SyncSaleResult, SyncSalesReply, SyncSalesRequest } from '$lib/domain/sale';
import {
	applyCatalogChanges,
	applySyncResults,
	catalogVersion,
	deferOutbox,
	getMeta,
	replaceCatalog,
	type CatalogChanges,
	type CatalogProductInput,
	type OutboxEntry,
	type TillDb
} from './db';

// ---------------------------------------------------------------------------------------------
// Errors

export type SyncErrorKind = 'network' | 'http' | 'auth' | 'bad_reply';

/**
 * Why a request to the server failed. Everything but `auth` is worth retrying: the server is
 * idempotent on sale id, so a resend can never double a sale.
 */
export class SyncError extends Error {
	readonly kind: SyncErrorKind;
	readonly status: number | null;
	readonly body: string | null;

	constructor(
		kind: SyncErrorKind,
		message: string,
		options: { status?: number | null; body?: string | null; cause?: unknown } = {}
	) {
		super(message, { cause: options.cause });
		this.name = 'SyncError';
		this.kind = kind;
		this.status = options.status ?? null;
		this.body = options.body ?? null;
	}

	get retryable(): boolean {
		return this.kind !== 'auth';
	}
}

function toSyncError(err: unknown): SyncError {
	if (err instanceof SyncError) return err;
	const message = err instanceof Error ? err.message : String(err);
	return new SyncError('network', message, { cause: err });
}

// ---------------------------------------------------------------------------------------------
// HTTP

export type SendSales = (batch: Sale[]) => Promise<SyncSalesReply>;
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
export type TokenSource = () => string | null | Promise<string | null>;

export interface HttpOptions {
	/** Per request; the default suits a slow shop connection. */
	timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

const defaultFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

function joinUrl(baseUrl: string, path: string): string {
	return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

async function request(
	fetchImpl: FetchLike,
	url: string,
	init: RequestInit,
	getToken: TokenSource | undefined,
	timeoutMs: number
): Promise<unknown> {
	const headers = new Headers(init.headers);
	headers.set('x-request-id', crypto.randomUUID());
	const token = getToken ? await getToken() : null;
	if (token) headers.set('authorization', `Bearer ${token}`);
	let response: Response;
	try {
		response = await fetchImpl(url, {
			...init,
			headers,
			signal: AbortSignal.timeout(timeoutMs)
		});
	} catch (err) {
		throw new SyncError('network', err instanceof Error ? err.message : String(err), {
			cause: err
		});
	}
	const text = await response.text().catch(() => '');
	if (response.status === 401) {
		throw new SyncError('auth', 'the server refused the device token (401)', {
			status: 401,
			body: text
		});
	}
	if (!response.ok) {
		throw new SyncError('http', `the server answered ${response.status}`, {
			status: response.status,
			body: text
		});
	}
	try {
		return JSON.parse(text) as unknown;
	} catch (err) {
		throw new SyncError('bad_reply', 'the server reply is not JSON', {
			status: response.status,
			body: text,
			cause: err
		});
	}
}

const RESULT_STATUSES: ReadonlySet<string> = new Set(['applied', 'duplicate', 'rejected']);

function isSyncSaleResult(x: unknown): x is SyncSaleResult {
	if (typeof x !== 'object' || x === null) return false;
	const r = x as Record<string, unknown>;
	return typeof r.id === 'string' && typeof r.status === 'string' && RESULT_STATUSES.has(r.status);
}

/** Checks the shape of a POST /api/sales reply; results of an unknown shape are dropped. */
export function parseSyncReply(body: unknown): SyncSalesReply {
	const results = (body as { results?: unknown } | null)?.results;
	if (!Array.isArray(results)) {
		throw new SyncError('bad_reply', 'the server reply has no results array');
	}
	return { results: results.filter(isSyncSaleResult) };
}

/**
 * The real sender: POST {baseUrl}/api/sales with the device token. Throws a SyncError:
 * `auth` on 401 (stop and ask for a new token), `http` on any other non-2xx, `network` when
 * no answer came, `bad_reply` when the answer is not a sync reply; all but `auth` are retried.
 */
const encoder = new TextEncoder();
/** The UTF-8 size of a value's JSON, as it goes over the wire (plus a comma). */
function jsonBytes(value: unknown): number {
	return encoder.encode(JSON.stringify(value)).length + 1;
}

export function httpSender(
	baseUrl: string,
	getToken: TokenSource,
	fetchImpl: FetchLike = defaultFetch,
	options: HttpOptions = {}
): SendSales {
	const url = joinUrl(baseUrl, '/api/sales');
	return async (batch) => {
		const body: SyncSalesRequest = { sales: batch };
		const reply = await request(
			fetchImpl,
			url,
			{
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body)
			},
			getToken,
			options.timeoutMs ?? DEFAULT_TIMEOUT_MS
		);
		return parseSyncReply(reply);
	};
}

function parseCatalogChanges(body: unknown): CatalogChanges {
	const b = body as Partial<Record<keyof CatalogChanges, unknown>> | null;
	if (
		!b ||
		typeof b.version !== 'number' ||
		!Number.isSafeInteger(b.version) ||
		!Array.isArray(b.products) ||
		!Array.isArray(b.deleted) ||
		!b.deleted.every((d) => typeof d === 'string')
	) {
		throw new SyncError('bad_reply', 'the catalog reply is not {version, products, deleted}');
	}
	const whole = (n: unknown) =>
		typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
	return {
		...(b as CatalogChanges),
		products: b.products.map(toProductInput),
		latest: whole(b.latest),
		count: whole(b.count)
	};
}

/**
 * The server's product (`version`, `pinyin` as initials such as "nfsq" or null) as the device
 * stores it: `updatedVersion`, and `pinyin` left out when there is none. Initials without spaces
 * are what searchProducts matches "nfsq" against.
 */
function toProductInput(raw: unknown): CatalogProductInput {
	const p = raw as CatalogProductInput & { version?: unknown; pinyin?: unknown; code?: unknown };
	const { version, pinyin, ...rest } = p;
	return {
		...rest,
		...(typeof pinyin === 'string' && pinyin.trim() !== '' ? { pinyin: pinyin.trim() } : {}),
		...(p.updatedVersion === undefined && typeof version === 'number'
			? { updatedVersion: version }
			: {})
	};
}

export interface PullCatalogOptions extends HttpOptions {
	/** '' (same origin) by default. */
	baseUrl?: string;
	getToken?: TokenSource;
}

/**
 * Catalog down-sync: GET /api/catalog?since=<version> and apply the change set in one
 * transaction. Throws a SyncError when the request fails.
 */
export async function pullCatalog(
	db: TillDb,
	fetchImpl: FetchLike = defaultFetch,
	options: PullCatalogOptions = {}
): Promise<{
	version: number;
	applied: boolean;
	changed: number;
	deleted: number;
	/** The whole catalog was pulled again: the device was out of step with the server. */
	resynced: boolean;
}> {
	const since = await catalogVersion(db);
	const get = async (from: number) =>
		parseCatalogChanges(
			await request(
				fetchImpl,
				joinUrl(options.baseUrl ?? '', `/api/catalog?since=${from}`),
				{ method: 'GET', headers: { accept: 'application/json' } },
				options.getToken,
				options.timeoutMs ?? DEFAULT_TIMEOUT_MS
			)
		);
	const changes = await get(since);
	const applied = await applyCatalogChanges(db, changes);
	// Out of step with the server: its catalog is behind what the device holds (a database
	// restored from a backup numbers new products below the device's version, so they would
	// never come), or the device holds another number of products than the server has. Pull it
	// all again, once per server version, so a difference that stays cannot loop.
	const { latest, count } = changes;
	if (
		latest !== undefined &&
		(latest < since || (applied && count !== undefined && (await db.catalog.count()) !== count)) &&
		(await getMeta(db, 'catalogResyncAt')) !== latest
	) {
		const held = await catalogVersion(db); // after the changes above, before the full pull
		const full = await get(0);
		if (await replaceCatalog(db, full, held))
			return {
				version: full.version,
				applied: true,
				changed: full.products.length,
				deleted: 0,
				resynced: true
			};
		// Another pull moved the catalog on meanwhile: it stands, and the next pull checks again.
	}
	return {
		version: applied ? changes.version : since,
		applied,
		changed: applied ? changes.products.length : 0,
		deleted: applied ? changes.deleted.length : 0,
		resynced: false
	};
}

// ---------------------------------------------------------------------------------------------
// Backoff

export interface BackoffOptions {
	/** Delay after the first failure, before jitter. */
	baseMs?: number;
	/** Longest delay. */
	capMs?: number;
}

const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 1_000, capMs: 60_000 };

/**
 * Delay before attempt `attempts + 1`: exponential, capped, with "equal jitter" (half fixed,
 * half random) so that tills coming back online together do not retry in step, while the delay
 * still grows with every failure.
 */
export function backoffDelay(
	attempts: number,
	options: BackoffOptions = {},
	random: () => number = Math.random
): number {
	const { baseMs, capMs } = { ...DEFAULT_BACKOFF, ...options };
	const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
	return Math.round(exp / 2 + (random() * exp) / 2);
}

// ---------------------------------------------------------------------------------------------
// Locks and tabs

/** The part of `navigator.locks` the engine uses. */
export interface LockManagerLike {
	request<T>(
		name: string,
		options: { signal?: AbortSignal; ifAvailable?: boolean },
		callback: (lock: unknown) => Promise<T>
	): Promise<T>;
}

/** The part of BroadcastChannel the engine uses. */
export interface ChannelLike {
	postMessage(message: unknown): void;
	addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
	removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
	close(): void;
}

export interface EventSourceLike {
	addEventListener(type: 'online', listener: () => void): void;
	removeEventListener(type: 'online', listener: () => void): void;
}

type TabMessage = { type: 'nudge' } | { type: 'status' };

/**
 * Serialises sync runs on one database within this JavaScript realm, including runs of two
 * engines on the same database (and the only guard across tabs when Web Locks are missing).
 */
const tabMutexes = new Map<string, Promise<void>>();

async function withTabMutex<T>(key: string, fn: () => Promise<T>): Promise<T> {
	const previous = tabMutexes.get(key) ?? Promise.resolve();
	let release!: () => void;
	const mine = new Promise<void>((resolve) => (release = resolve));
	const tail = previous.then(() => mine);
	tabMutexes.set(key, tail);
	await previous;
	try {
		return await fn();
	} finally {
		release();
		if (tabMutexes.get(key) === tail) tabMutexes.delete(key);
	}
}

// ---------------------------------------------------------------------------------------------
// The engine

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
	error: SyncError | null;
}

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

const emptyRun = (): SyncRunResult => ({
	sent: 0,
	synced: 0,
	rejected: 0,
	failed: 0,
	skipped: null,
	error: null
});

function addRuns(a: SyncRunResult, b: SyncRunResult): SyncRunResult {
	return {
		sent: a.sent + b.sent,
		synced: a.synced + b.synced,
		rejected: a.rejected + b.rejected,
		failed: a.failed + b.failed,
		skipped: b.skipped ?? a.skipped,
		error: b.error ?? a.error
	};
}

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
		this.#locks =
			options.locks === undefined
				? ((globalThis.navigator?.locks as LockManagerLike | undefined) ?? null)
				: options.locks;
		this.#createChannel =
			options.createChannel === undefined
				? typeof BroadcastChannel === 'function'
					? (name) => new BroadcastChannel(name)
					: null
				: options.createChannel;
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
			this.#db.outbox.count(),
			this.#db.sales.where('syncState').equals('rejected').count(),
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
			const batch = await db.outbox
				.where('seq')
				.above(cursor)
				.filter((e) => !attempted.has(e.seq) && (sendAll || due(e)))
				.limit(this.#batchSize)
				.toArray();
			if (batch.length === 0) break;
			const records = await db.sales.bulkGet(batch.map((e) => e.saleId));
			// Within the byte budget (always at least one sale); the rest waits for the next request.
			let bytes = 0;
			let fits = 0;
			while (fits < batch.length) {
				const record = records[fits];
				const size = record ? jsonBytes(record.sale) : 0;
				if (fits > 0 && bytes + size > this.#batchBytes) break;
				bytes += size;
				fits++;
			}
			batch.length = fits;
			records.length = fits;
			cursor = batch.at(-1)!.seq;
			for (const entry of batch) attempted.add(entry.seq);

			const entries: OutboxEntry[] = [];
			const sales: Sale[] = [];
			const orphans: OutboxEntry[] = [];
			batch.forEach((entry, i) => {
				const record = records[i];
				if (record) {
					entries.push(entry);
					sales.push(record.sale);
				} else orphans.push(entry);
			});
			if (orphans.length > 0) {
				// Cannot happen while sale and outbox row are written together; keep the row as
				// evidence rather than drop something we do not understand.
				await deferOutbox(db, orphans, 'outbox row without a sale', at, () => this.#backoff.capMs);
			}
			if (sales.length === 0) continue;

			let reply: SyncSalesReply;
			try {
				result.sent += sales.length;
				reply = parseSyncReply(await this.#send(sales));
			} catch (err) {
				const error = toSyncError(err);
				result.failed += entries.length;
				result.error = error;
				await deferOutbox(db, entries, `${error.kind}: ${error.message}`, this.#now(), retryDelay);
				if (error.kind === 'auth') {
					this.#set({ authRequired: true, lastError: error.message });
					result.skipped = 'auth';
				}
				break;
			}
			const applied = await applySyncResults(db, entries, reply.results, this.#now(), retryDelay);
			result.synced += applied.synced;
			result.rejected += applied.rejected;
			result.failed += applied.unanswered;
			if (!sendAll) {
				// Go back once for the rows this pass skipped while they were in backoff.
				sendAll = true;
				cursor = 0;
			}
			this.#set({ queued: await db.outbox.count() });
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
			this.#db.outbox
				.orderBy('nextAttemptAt')
				.first()
				.then((next) => {
					if (next && this.#timer !== null) arm(next.nextAttemptAt - this.#now());
				})
		);
	}
}
