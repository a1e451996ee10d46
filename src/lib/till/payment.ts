/**
 * One payment-code charge from the till's side: the state machine behind "收款中…", "等待顾客确认",
 * "收款成功", "收款失败" and "正在向天工确认结果，请勿重复收款".
 *
 * Plain TypeScript with every dependency injected (API, device database, clock, sleep), so the
 * whole machine runs in unit tests with a fake server; session.svelte.ts puts its snapshots into
 * Svelte state.
 *
 * ## Phases
 * - `charging`: POST /api/charges is on its way (first attempt).
 * - `waiting`: the server says `pending`: the customer confirms on the phone. The deadline
 *   counts down; the machine long-polls GET /api/charges/{order_no}?wait=25&since=pending.
 * - `unknown`: the charge may have gone through and nobody knows yet: the server says
 *   `unknown`, or the POST itself got no answer (network error, timeout, 5xx), or the till
 *   reloaded mid-payment. The machine keeps asking: the SAME POST again (same order_no and
 *   body: the server is idempotent on order_no) while the POST is unanswered, else long polls.
 *   It never ends by itself in this phase except with an answer from the server.
 * - `paid`, `failed`: final answers from the server (`failed` also for a 4xx on the POST,
 *   where the server stored nothing, and for a reload whose charge never reached the server).
 * - `abandoned`: the cashier stopped waiting after a warning; the charge stays on the server
 *   (and `cancelled` in the device database) for the owner.
 *
 * Transitions: charging → paid | failed | waiting | unknown; waiting → paid | failed | unknown;
 * unknown → paid | failed | waiting; waiting | unknown → abandoned (only through `abandon()`,
 * which first asks the server once more, so a payment that just went through is not dropped).
 */
import { parseYuan, type Fen } from '$lib/domain/money';
import type { ChargeState as DeviceChargeState } from '$lib/offline/db';
import type { ApiErrorBody, ChargeApi, ChargeRequest, ChargeView } from './till-api';

export type PaymentPhase = 'charging' | 'waiting' | 'unknown' | 'paid' | 'failed' | 'abandoned';

export type PaymentFailure =
	/** Teegon (or the wallet) refused, or the trade failed/closed: `reason` as the server gave it. */
	| { kind: 'refused'; reason: string | null }
	/** The customer did not confirm before the deadline. */
	| { kind: 'timeout' }
	/** The server refused the request itself (4xx): nothing was charged. */
	| { kind: 'rejected'; status: number; error: ApiErrorBody }
	/** After a reload: the server never received this charge, so nothing was charged. */
	| { kind: 'not_sent' }
	/** The device database could not record the charge, so it was not sent: nothing charged. */
	| { kind: 'not_recorded' };

export type Wallet = 'wechat' | 'alipay' | 'unknown';

export interface PaymentSnapshot {
	orderNo: string;
	saleDraftId: string;
	amount: Fen;
	wallet: Wallet;
	phase: PaymentPhase;
	/** The server's last word on the charge, if any. */
	charge: ChargeView | null;
	failure: PaymentFailure | null;
	/** Device-clock epoch ms when the server gives up waiting for the customer. */
	deadlineAt: number | null;
	/** True while the POST has not been answered (so it is being sent again). */
	postUnanswered: boolean;
	/** POST attempts so far. */
	attempts: number;
	/** Resumed after a reload (the request body is gone: only GETs). */
	resumed: boolean;
}

/** What the machine needs from the device database (src/lib/offline/db.ts). */
export interface ChargeStore {
	started(charge: { orderNo: string; saleDraftId: string; amount: Fen }): Promise<void>;
	setState(orderNo: string, state: DeviceChargeState): Promise<void>;
}

export interface PaymentDeps {
	api: ChargeApi;
	store: ChargeStore;
	now?: () => number;
	/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
	sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
	/** Delay before retry number `attempt` (1-based) of an unanswered request. */
	retryDelay?: (attempt: number) => number;
	/** Long-poll wait, seconds. */
	pollWaitSeconds?: number;
	/** GETs that may answer 404 after a reload before the charge counts as never sent. */
	resumeNotFoundLimit?: number;
	/**
	 * And how long after the latest send of its POST (or a reload) a charge the server does not
	 * know may still arrive there (the POST's own timeout, 30 s, and a margin for a slow server or
	 * proxy): until then a 404 means "not yet", not "never". Default 60 000.
	 */
	notSentAfterMs?: number;
	onChange?: (snapshot: PaymentSnapshot) => void;
	/** Reported, never thrown: the device database failing must not stop a payment. */
	onError?: (error: unknown) => void;
}

export function defaultRetryDelay(attempt: number): number {
	return Math.min(5_000, 500 * 2 ** Math.max(0, attempt - 1));
}

export function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done(): void {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		}
		signal.addEventListener('abort', done, { once: true });
	});
}

export function walletOf(view: ChargeView | null, fallback: Wallet): Wallet {
	const w = view?.wallet;
	return w === 'wechat' || w === 'alipay' ? w : fallback;
}

export function isFinalPhase(phase: PaymentPhase): boolean {
	return phase === 'paid' || phase === 'failed' || phase === 'abandoned';
}

export interface NewCharge {
	orderNo: string;
	saleDraftId: string;
	amount: Fen;
	wallet: Wallet;
	/** The POST body; absent when resuming after a reload. */
	request?: ChargeRequest;
	/** Resuming a charge already known to the device. */
	resumed?: boolean;
}

export class PaymentAttempt {
	#s: PaymentSnapshot;
	readonly #request: ChargeRequest | undefined;
	readonly #api: ChargeApi;
	readonly #store: ChargeStore;
	readonly #now: () => number;
	readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
	readonly #retryDelay: (attempt: number) => number;
	readonly #pollWait: number;
	readonly #notFoundLimit: number;
	readonly #notSentAfterMs: number;
	/** A 4xx to a POST sent again after one went unanswered: the first may still have been stored. */
	#rejectedAfterUnanswered: { status: number; error: ApiErrorBody } | null = null;
	readonly #onChange: (s: PaymentSnapshot) => void;
	readonly #onError: (e: unknown) => void;
	/** Aborted by abandon(): ends every request and sleep for good. */
	readonly #stop = new AbortController();
	/** Aborted by checkNow(): ends the current wait only. */
	#nudge = new AbortController();
	/**
	 * When the latest POST may have left: each send here, or, resumed, the moment of the reload
	 * (the page before may have been sending it again until then).
	 */
	#postStartedAt: number;
	#running: Promise<PaymentSnapshot> | null = null;
	#abandoning: Promise<PaymentSnapshot> | null = null;

	constructor(charge: NewCharge, deps: PaymentDeps) {
		this.#request = charge.request;
		this.#api = deps.api;
		this.#store = deps.store;
		this.#now = deps.now ?? Date.now;
		this.#sleep = deps.sleep ?? defaultSleep;
		this.#retryDelay = deps.retryDelay ?? defaultRetryDelay;
		this.#pollWait = deps.pollWaitSeconds ?? 25;
		this.#notFoundLimit = deps.resumeNotFoundLimit ?? 3;
		this.#notSentAfterMs = deps.notSentAfterMs ?? 60_000;
		this.#postStartedAt = charge.request ? 0 : this.#now();
		this.#onChange = deps.onChange ?? (() => undefined);
		this.#onError = deps.onError ?? ((e) => console.error('payment', e));
		this.#s = {
			orderNo: charge.orderNo,
			saleDraftId: charge.saleDraftId,
			amount: charge.amount,
			wallet: charge.wallet,
			phase: charge.request ? 'charging' : 'unknown',
			charge: null,
			failure: null,
			deadlineAt: null,
			postUnanswered: false,
			attempts: 0,
			resumed: charge.resumed ?? !charge.request
		};
	}

	get snapshot(): PaymentSnapshot {
		return { ...this.#s };
	}

	/** Runs until the charge is paid, failed or abandoned; resolves with the final snapshot. */
	run(): Promise<PaymentSnapshot> {
		this.#running ??= this.#run();
		return this.#running;
	}

	/** Cuts the current wait short: ask the server again now ("再次查询"). */
	checkNow(): void {
		const nudge = this.#nudge;
		this.#nudge = new AbortController();
		nudge.abort();
	}

	/**
	 * The page goes away (reload, tab closed): stop asking, change nothing. The device database
	 * still has the charge as started, so the next page resumes it.
	 */
	stop(): void {
		this.#stop.abort();
	}

	/**
	 * The cashier stops waiting (after the warning dialog). Asks the server once more first: a
	 * charge that is paid by now is reported as paid, never dropped. Only in `waiting`/`unknown`.
	 */
	abandon(): Promise<PaymentSnapshot> {
		if (this.#abandoning) return this.#abandoning;
		const phase = this.#s.phase;
		if (phase !== 'waiting' && phase !== 'unknown') return Promise.resolve(this.snapshot);
		this.#abandoning = this.#abandon();
		return this.#abandoning;
	}

	async #abandon(): Promise<PaymentSnapshot> {
		this.#stop.abort();
		await this.#running?.catch(() => undefined);
		if (isFinalPhase(this.#s.phase)) return this.snapshot;
		if (!this.#s.postUnanswered) {
			const last = await this.#api.getCharge(this.#s.orderNo, { waitSeconds: 0 });
			if (last.kind === 'ok' && (last.value.state === 'paid' || last.value.state === 'failed')) {
				await this.#apply(last.value);
				return this.snapshot;
			}
		}
		await this.#persist('cancelled');
		this.#set({ phase: 'abandoned' });
		return this.snapshot;
	}

	#set(patch: Partial<PaymentSnapshot>): void {
		this.#s = { ...this.#s, ...patch };
		try {
			this.#onChange(this.snapshot);
		} catch (err) {
			this.#onError(err);
		}
	}

	async #persist(state: DeviceChargeState): Promise<void> {
		try {
			await this.#store.setState(this.#s.orderNo, state);
		} catch (err) {
			this.#onError(err);
		}
	}

	get #stopped(): boolean {
		return this.#stop.signal.aborted;
	}

	async #wait(ms: number): Promise<void> {
		await this.#sleep(ms, AbortSignal.any([this.#stop.signal, this.#nudge.signal]));
	}

	async #run(): Promise<PaymentSnapshot> {
		if (this.#request) {
			// Recorded before the request leaves: after a crash or reload the till asks the
			// server how it ended instead of charging the customer again.
			try {
				await this.#store.started({
					orderNo: this.#s.orderNo,
					saleDraftId: this.#s.saleDraftId,
					amount: this.#s.amount
				});
			} catch (err) {
				// Not sent: a charge the device cannot remember must not be made.
				this.#onError(err);
				this.#set({ phase: 'failed', failure: { kind: 'not_recorded' } });
				return this.snapshot;
			}
			this.#set({});
			const answered = await this.#post(this.#request);
			if (!answered) return this.snapshot;
		}
		await this.#poll();
		return this.snapshot;
	}

	/** Sends the POST until the server answers. Returns false if stopped or settled by it. */
	async #post(request: ChargeRequest): Promise<boolean> {
		for (;;) {
			if (this.#stopped) return false;
			this.#postStartedAt = this.#now();
			this.#set({ attempts: this.#s.attempts + 1 });
			const result = await this.#api.createCharge(request, this.#stop.signal);
			if (this.#stopped) return false;
			if (result.kind === 'ok') {
				this.#set({ postUnanswered: false });
				await this.#apply(result.value);
				return !isFinalPhase(this.#s.phase);
			}
			if (result.kind === 'rejected' && this.#s.postUnanswered) {
				// An earlier send of this POST got no answer and may have been stored (this 4xx
				// may be a proxy's, or a token revoked since): ask the server what it has.
				this.#rejectedAfterUnanswered = { status: result.status, error: result.error };
				this.#set({ postUnanswered: false });
				return true;
			}
			if (result.kind === 'rejected') {
				// 4xx: validated and refused before anything was stored or sent to Teegon.
				this.#set({
					phase: 'failed',
					postUnanswered: false,
					failure: { kind: 'rejected', status: result.status, error: result.error }
				});
				await this.#persist('failed');
				return false;
			}
			// No answer: it may have been applied. Same order_no, same body, until answered.
			this.#set({ phase: 'unknown', postUnanswered: true });
			await this.#wait(this.#retryDelay(this.#s.attempts));
		}
	}

	async #poll(): Promise<void> {
		let failures = 0;
		let notFound = 0;
		let first = true;
		while (!this.#stopped && !isFinalPhase(this.#s.phase)) {
			const known = this.#s.charge?.state;
			const nudge = this.#nudge.signal;
			// After a reload the first question is "what is it now", not "tell me when it changes".
			const result = await this.#api.getCharge(
				this.#s.orderNo,
				first && !known
					? { waitSeconds: 0 }
					: { waitSeconds: this.#pollWait, ...(known ? { since: known } : {}) },
				AbortSignal.any([this.#stop.signal, nudge])
			);
			first = false;
			if (this.#stopped) return;
			if (nudge.aborted && result.kind === 'unanswered') continue; // checkNow(): ask again now
			if (result.kind === 'ok') {
				failures = 0;
				await this.#apply(result.value);
				continue;
			}
			if (
				result.kind === 'rejected' &&
				result.status === 404 &&
				(!this.#request || this.#rejectedAfterUnanswered)
			) {
				// The server stores a charge before anything else: never stored means never sent,
				// once a POST still on its way could no longer arrive.
				if (
					++notFound >= this.#notFoundLimit &&
					this.#now() - this.#postStartedAt >= this.#notSentAfterMs
				) {
					const rejected = this.#rejectedAfterUnanswered;
					this.#set({
						phase: 'failed',
						postUnanswered: false,
						failure: rejected ? { kind: 'rejected', ...rejected } : { kind: 'not_sent' }
					});
					await this.#persist('failed');
					return;
				}
			}
			failures++;
			await this.#wait(this.#retryDelay(failures));
		}
	}

	async #apply(view: ChargeView): Promise<void> {
		const wallet = walletOf(view, this.#s.wallet);
		const amount = parseYuan(view.amount) ?? this.#s.amount;
		switch (view.state) {
			case 'paid':
				this.#set({ phase: 'paid', charge: view, wallet, amount, failure: null });
				await this.#persist('paid');
				return;
			case 'failed':
				this.#set({
					phase: 'failed',
					charge: view,
					wallet,
					failure:
						view.failure_code === 'deadline'
							? { kind: 'timeout' }
							: { kind: 'refused', reason: view.failure }
				});
				await this.#persist('failed');
				return;
			case 'pending':
				this.#set({
					phase: 'waiting',
					charge: view,
					wallet,
					deadlineAt: this.#localDeadline(view)
				});
				return;
			case 'unknown':
				this.#set({
					phase: 'unknown',
					charge: view,
					wallet,
					deadlineAt: this.#localDeadline(view)
				});
				return;
		}
	}

	/**
	 * The deadline on the device clock. The server's created_at is about when our POST left, so
	 * the server's own span (deadline − created) added to that moment survives a device clock
	 * that is off; after a reload only the server's deadline is left.
	 */
	#localDeadline(view: ChargeView): number | null {
		const deadline = Date.parse(view.deadline_at);
		const created = Date.parse(view.created_at);
		if (Number.isNaN(deadline)) return this.#s.deadlineAt;
		if (this.#s.deadlineAt !== null) return this.#s.deadlineAt;
		if (this.#postStartedAt > 0 && !Number.isNaN(created) && this.#s.attempts === 1) {
			return this.#postStartedAt + (deadline - created);
		}
		return deadline;
	}
}
