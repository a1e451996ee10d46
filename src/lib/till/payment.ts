/**
 * One payment-code charge from the till's side: the state machine behind 收款中, 等待顾客确认,
 * 收款成功, 收款失败 and 正在确认结果. Every dependency is injected, so it runs in unit tests with a
 * fake server; checkout.svelte.ts puts its snapshots into Svelte state.
 *
 * The rule it keeps: a charge that may have gone through is never given up by the till alone.
 * An unanswered POST is sent again, the same order_no and body (the server is idempotent on
 * order_no), until answered; then the server's long poll says how it ends. Only the cashier can
 * stop waiting, and even then the server is asked once more first.
 */
import { parseYuan, type Fen } from '$lib/domain/money';
import type { ApiError } from '$lib/domain/api-error';
import type { ChargeFailureCode, ChargeView } from '$lib/domain/charge';
import type { Wallet } from '$lib/domain/payment-code';
import type { ChargeApi, ChargeRequest } from '$lib/offline/api-client';
import type { DeviceChargeState } from '$lib/offline/db';

/**
 * - `charging`: the POST is on its way; `checking`: resumed after a reload, asking what the
 *   server has (no warning yet: it may well know); `waiting`: the customer confirms on the phone;
 * - `unknown`: the charge may have gone through and nobody knows yet (the server says so, or the
 *   POST got no answer): the cashier must not take another payment;
 * - `paid`, `failed`: the server's final word; `abandoned`: the cashier stopped waiting.
 */
export type PaymentPhase =
	'charging' | 'checking' | 'waiting' | 'unknown' | 'paid' | 'failed' | 'abandoned';

export type PaymentFailure =
	/** The server failed the charge; `code` says why (null from an older server). */
	| { kind: 'charge_failed'; code: ChargeFailureCode | null; reason: string | null }
	/** The server refused the request itself (4xx): nothing was charged. */
	| { kind: 'rejected'; status: number; error: ApiError }
	/** After a reload: the server never received this charge, so nothing was charged. */
	| { kind: 'not_sent' }
	/** The device database could not record the charge, so it was not sent: nothing charged. */
	| { kind: 'not_recorded' };

export type { Wallet };

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
	/** Device time of the answer to the cashier's last "再次查询", null before one. */
	checkedAt: number | null;
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

function defaultRetryDelay(attempt: number): number {
	return Math.min(5_000, 500 * 2 ** Math.max(0, attempt - 1));
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
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
	#snapshot: PaymentSnapshot;
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
	#rejectedAfterUnanswered: { status: number; error: ApiError } | null = null;
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
	/** The cashier asked to check: the next question is answered at once, not long-polled. */
	#checkRequested = false;
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
		this.#snapshot = {
			orderNo: charge.orderNo,
			saleDraftId: charge.saleDraftId,
			amount: charge.amount,
			wallet: charge.wallet,
			phase: charge.request ? 'charging' : 'checking',
			charge: null,
			failure: null,
			deadlineAt: null,
			postUnanswered: false,
			attempts: 0,
			resumed: charge.resumed ?? !charge.request,
			checkedAt: null
		};
	}

	get snapshot(): PaymentSnapshot {
		return { ...this.#snapshot };
	}

	/** Runs until the charge is paid, failed or abandoned; resolves with the final snapshot. */
	run(): Promise<PaymentSnapshot> {
		this.#running ??= this.#run();
		return this.#running;
	}

	/** "再次查询": cuts the current wait short and asks the server what it has now. */
	checkNow(): void {
		this.#checkRequested = true;
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
		const phase = this.#snapshot.phase;
		if (phase !== 'waiting' && phase !== 'unknown' && phase !== 'checking')
			return Promise.resolve(this.snapshot);
		this.#abandoning = this.#abandon();
		return this.#abandoning;
	}

	async #abandon(): Promise<PaymentSnapshot> {
		this.#stop.abort();
		await this.#running?.catch(() => undefined);
		if (isFinalPhase(this.#snapshot.phase)) return this.snapshot;
		if (!this.#snapshot.postUnanswered) {
			const last = await this.#api.getCharge(this.#snapshot.orderNo, { waitSeconds: 0 });
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
		this.#snapshot = { ...this.#snapshot, ...patch };
		try {
			this.#onChange(this.snapshot);
		} catch (err) {
			this.#onError(err);
		}
	}

	async #persist(state: DeviceChargeState): Promise<void> {
		try {
			await this.#store.setState(this.#snapshot.orderNo, state);
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
					orderNo: this.#snapshot.orderNo,
					saleDraftId: this.#snapshot.saleDraftId,
					amount: this.#snapshot.amount
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
			this.#set({ attempts: this.#snapshot.attempts + 1 });
			const result = await this.#api.createCharge(request, this.#stop.signal);
			if (this.#stopped) return false;
			if (result.kind === 'ok') {
				this.#set({ postUnanswered: false });
				await this.#apply(result.value);
				return !isFinalPhase(this.#snapshot.phase);
			}
			if (result.kind === 'rejected' && this.#snapshot.postUnanswered) {
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
			await this.#wait(this.#retryDelay(this.#snapshot.attempts));
		}
	}

	async #poll(): Promise<void> {
		let failures = 0;
		let notFound = 0;
		let first = true;
		while (!this.#stopped && !isFinalPhase(this.#snapshot.phase)) {
			const known = this.#snapshot.charge?.state;
			const nudge = this.#nudge.signal;
			// After a reload, and when the cashier asks, the question is "what is it now", not
			// "tell me when it changes".
			const now = (first && !known) || this.#checkRequested;
			const checking = this.#checkRequested;
			const result = await this.#api.getCharge(
				this.#snapshot.orderNo,
				now
					? { waitSeconds: 0 }
					: { waitSeconds: this.#pollWait, ...(known ? { since: known } : {}) },
				AbortSignal.any([this.#stop.signal, nudge])
			);
			first = false;
			if (this.#stopped) return;
			if (nudge.aborted && result.kind === 'unanswered') continue; // checkNow(): ask again now
			if (checking && result.kind !== 'unanswered') {
				this.#checkRequested = false;
				this.#set({ checkedAt: this.#now() });
			}
			if (result.kind === 'ok') {
				failures = 0;
				await this.#apply(result.value);
				continue;
			}
			// Resumed, and the server has no answer for it yet: it may still be charged.
			if (this.#snapshot.phase === 'checking') this.#set({ phase: 'unknown' });
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
		const wallet = walletOf(view, this.#snapshot.wallet);
		const amount = parseYuan(view.amount) ?? this.#snapshot.amount;
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
					failure: { kind: 'charge_failed', code: view.failure_code ?? null, reason: view.failure }
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
		if (Number.isNaN(deadline)) return this.#snapshot.deadlineAt;
		if (this.#snapshot.deadlineAt !== null) return this.#snapshot.deadlineAt;
		if (this.#postStartedAt > 0 && !Number.isNaN(created) && this.#snapshot.attempts === 1) {
			return this.#postStartedAt + (deadline - created);
		}
		return deadline;
	}
}
