/**
 * Wakes long polls when a charge changes. In one process an EventEmitter is enough; with
 * several server instances on one PostgreSQL, every change is also sent with NOTIFY, and
 * each instance LISTENs, so a notification received by one instance wakes a long poll
 * waiting on another within milliseconds.
 */
import type pg from 'pg';
import { logError } from '../log';

const CHANNEL = 'till_charge_changed';
/** Waits between attempts to get the LISTEN connection back, ms: 1 s, doubling, at most 30 s. */
const RELISTEN_FIRST_MS = 1000;
const RELISTEN_MAX_MS = 30_000;

export class ChargeEvents {
	// Not an EventEmitter: an order number is the event name, and one called `error` would
	// make emit() throw with nobody waiting (inside pg's socket handler: the process died).
	#waiters = new Map<string, Set<() => void>>();
	#pool: pg.Pool | null;
	#listener: pg.PoolClient | null = null;
	#closed = false;
	#relistenMs = RELISTEN_FIRST_MS;
	#relistenTimer: NodeJS.Timeout | null = null;
	#detach: (() => void) | null = null;

	constructor(pool: pg.Pool | null) {
		this.#pool = pool;
	}

	#wake(orderNo: string): void {
		const set = this.#waiters.get(orderNo);
		if (!set) return;
		for (const fn of [...set]) fn();
	}

	/** Starts listening to other instances (PostgreSQL only). */
	async start(): Promise<void> {
		if (!this.#pool || this.#listener) return;
		await this.#connectListener();
	}

	async #connectListener(): Promise<void> {
		if (!this.#pool || this.#closed) return;
		const client = await this.#pool.connect();
		let lost = false;
		const lose = (err: Error) => {
			if (lost) return;
			lost = true;
			if (this.#listener === client) this.#listener = null;
			client.release(err);
			if (!this.#closed) {
				logError(`[events] LISTEN connection lost: ${err.message}; reconnecting`);
				this.#relisten();
			}
		};
		const notified = (msg: pg.Notification) => {
			if (msg.channel === CHANNEL && msg.payload) this.#wake(msg.payload);
		};
		// Before the client goes back to the pool: it must not carry these to its next user.
		const detach = () => {
			client.removeListener('notification', notified);
			client.removeListener('error', lose);
		};
		client.on('notification', notified);
		client.on('error', lose);
		try {
			await client.query(`LISTEN ${CHANNEL}`);
		} catch (err) {
			// The connection may have dropped (the error handler released the client already).
			if (!lost) {
				lost = true;
				detach();
				client.release(err as Error);
			}
			throw err;
		}
		if (this.#closed) {
			lost = true;
			detach();
			client.release(true); // still LISTENing: not for the pool
			return;
		}
		this.#listener = client;
		this.#detach = () => {
			lost = true;
			detach();
		};
		this.#relistenMs = RELISTEN_FIRST_MS;
	}

	/** Tries again until the LISTEN connection is back (waiters re-read every few seconds meanwhile). */
	#relisten(): void {
		if (this.#closed || this.#relistenTimer) return;
		const delay = this.#relistenMs;
		this.#relistenMs = Math.min(RELISTEN_MAX_MS, delay * 2);
		this.#relistenTimer = setTimeout(() => {
			this.#relistenTimer = null;
			this.#connectListener().catch((err: Error) => {
				logError(`[events] LISTEN reconnect failed: ${err.message}; trying again`);
				this.#relisten();
			});
		}, delay);
		this.#relistenTimer.unref();
	}

	/** True while this instance hears the other instances' changes (PostgreSQL). */
	get listening(): boolean {
		return this.#listener !== null;
	}

	/** Tells every waiter, here and on other instances, that the charge changed. */
	async publish(orderNo: string): Promise<void> {
		this.#wake(orderNo);
		if (this.#pool && !this.#closed) {
			try {
				await this.#pool.query('SELECT pg_notify($1, $2)', [CHANNEL, orderNo]);
			} catch (err) {
				// Waiters on other instances fall back to their periodic re-read.
				logError(`[events] NOTIFY failed: ${(err as Error).message}`);
			}
		}
	}

	/** Resolves true when the charge changes, false after timeoutMs or when signal aborts. */
	wait(orderNo: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
		return new Promise((resolve) => {
			const done = (changed: boolean) => {
				clearTimeout(timer);
				const set = this.#waiters.get(orderNo);
				set?.delete(onChange);
				if (set?.size === 0) this.#waiters.delete(orderNo);
				signal?.removeEventListener('abort', onAbort);
				resolve(changed);
			};
			const onChange = () => done(true);
			const onAbort = () => done(false);
			const timer = setTimeout(() => done(false), timeoutMs);
			let set = this.#waiters.get(orderNo);
			if (!set) this.#waiters.set(orderNo, (set = new Set()));
			set.add(onChange);
			signal?.addEventListener('abort', onAbort);
		});
	}

	async close(): Promise<void> {
		this.#closed = true;
		if (this.#relistenTimer) clearTimeout(this.#relistenTimer);
		this.#relistenTimer = null;
		const l = this.#listener;
		this.#listener = null;
		if (l) {
			this.#detach?.();
			this.#detach = null;
			// Checked out, the client has no pool listener: an error now must not go unheard.
			let failed: Error | null = null;
			const onError = (err: Error) => (failed = err);
			l.on('error', onError);
			try {
				await l.query(`UNLISTEN ${CHANNEL}`);
			} catch (err) {
				failed = err as Error;
			} finally {
				l.removeListener('error', onError);
				l.release(failed ?? undefined);
			}
		}
	}
}
