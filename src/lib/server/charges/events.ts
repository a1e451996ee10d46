/**
 * Wakes long polls when a charge changes. In one process an EventEmitter is enough; with
 * several server instances on one PostgreSQL, every change is also sent with NOTIFY, and
 * each instance LISTENs, so a notification received by one instance wakes a long poll
 * waiting on another within milliseconds.
 */
import { EventEmitter } from 'node:events';
import type pg from 'pg';

const CHANNEL = 'till_charge_changed';

export class ChargeEvents {
	#emitter = new EventEmitter();
	#pool: pg.Pool | null;
	#listener: pg.PoolClient | null = null;
	#closed = false;

	constructor(pool: pg.Pool | null) {
		this.#pool = pool;
		this.#emitter.setMaxListeners(0);
	}

	/** Starts listening to other instances (PostgreSQL only). */
	async start(): Promise<void> {
		if (!this.#pool || this.#listener) return;
		await this.#connectListener();
	}

	async #connectListener(): Promise<void> {
		if (!this.#pool || this.#closed) return;
		const client = await this.#pool.connect();
		client.on('notification', (msg) => {
			if (msg.channel === CHANNEL && msg.payload) this.#emitter.emit(msg.payload);
		});
		client.on('error', (err) => {
			console.error(`[events] LISTEN connection lost: ${err.message}; reconnecting`);
			this.#listener = null;
			client.release(err);
			setTimeout(() => void this.#connectListener().catch(() => undefined), 1000).unref();
		});
		await client.query(`LISTEN ${CHANNEL}`);
		this.#listener = client;
	}

	/** Tells every waiter, here and on other instances, that the charge changed. */
	async publish(orderNo: string): Promise<void> {
		this.#emitter.emit(orderNo);
		if (this.#pool && !this.#closed) {
			try {
				await this.#pool.query('SELECT pg_notify($1, $2)', [CHANNEL, orderNo]);
			} catch (err) {
				// Waiters on other instances fall back to their periodic re-read.
				console.error(`[events] NOTIFY failed: ${(err as Error).message}`);
			}
		}
	}

	/** Resolves true when the charge changes, false after timeoutMs or when signal aborts. */
	wait(orderNo: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
		return new Promise((resolve) => {
			const done = (changed: boolean) => {
				clearTimeout(timer);
				this.#emitter.off(orderNo, onChange);
				signal?.removeEventListener('abort', onAbort);
				resolve(changed);
			};
			const onChange = () => done(true);
			const onAbort = () => done(false);
			const timer = setTimeout(() => done(false), timeoutMs);
			this.#emitter.on(orderNo, onChange);
			signal?.addEventListener('abort', onAbort);
		});
	}

	async close(): Promise<void> {
		this.#closed = true;
		const l = this.#listener;
		this.#listener = null;
		if (l) {
			try {
				await l.query(`UNLISTEN ${CHANNEL}`);
			} finally {
				l.release();
			}
		}
	}
}
