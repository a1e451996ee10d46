/**
 * The charge service: the server half of taking a payment-code payment, as the till API
 * calls it. It stores every charge before Teegon is called, calls Teegon at most once per
 * order, and answers long polls; the worker (worker.ts) and notifications (notifications.ts)
 * settle what the charge call left open. Never reports as failed a charge that may have
 * succeeded (README, "How a payment is settled").
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ApiError } from '../../domain/api-error';
import type { ChargeView } from '../../domain/charge';
import type { Fen } from '../../domain/money';
import { isOrderNo, ORDER_NO_RULE } from '../../domain/order-no';
import { walletOfAuthCode } from '../../domain/payment-code';
import { alreadyDurable, type SqliteDirect } from '../db';
import type { Charge, Database } from '../db/schema';
import { logInfo, type LogFn } from '../log';
import type { ChargeOutcome, TeegonApi } from '../teegon/types';
import type { ChargeEvents } from './events';
import { NotificationReceiver, type NotifyResult } from './notifications';
import { observeCharge } from './observe';
import { chargeView, ChargeStore } from './store';
import { isFinal } from './transition';
import { validateChargeInput } from './validate';
import { ChargeWorker } from './worker';

export { chargeView };
export type { ChargeView };

export interface TillRef {
	id: string;
	storeId: string;
}

export type ServiceReply<T> =
	| { status: 200; body: T }
	| { status: 400 | 401 | 403 | 404 | 409 | 415; body: { error: ApiError } };

export interface ChargeServiceOptions {
	db: Kysely<Database>;
	/** SQLite: the connection's direct executor (db/index.ts), for the hot statements. */
	direct?: SqliteDirect | null;
	/** Db.durably: for the writes Teegon or the till act on at once. Default: run as is. */
	durably?: <T>(fn: () => Promise<T>) => Promise<T>;
	teegon: TeegonApi;
	events: ChargeEvents;
	/** Teegon posts notifications here. */
	notifyUrl: string;
	clientSecret: string;
	deadlineMs: number;
	pollIntervalMs: number;
	maxAmount: Fen;
	authCodeReuseWindowMs: number;
	/** Teegon's total timeout: how long a charge call may hold its lease. */
	teegonTimeoutMs: number;
	/** After the deadline, a given-up charge is still queried this long, to catch late payments. */
	lateWatchMs?: number;
	/** An unknown charge is queried this long before it is left to the owner. */
	unknownWatchMs?: number;
	/** Teegon saying it has no such charge for this long fails a charge whose reply was lost. */
	absentSettleMs?: number;
	instanceId?: string;
	log?: LogFn;
	now?: () => number;
}

const WAITING_HINT_MS = 1000;
/** A notification's confirming query waits at most this long; the worker confirms after. */
const CONFIRM_TIMEOUT_MS = 3000;

function sha256(text: string): string {
	return createHash('sha256').update(text, 'utf8').digest('hex');
}

function err(
	status: 400 | 401 | 403 | 404 | 409 | 415,
	code: string,
	message: string,
	field?: string
) {
	return { status, body: { error: { code, message, ...(field ? { field } : {}) } } } as const;
}

/** Tries to store Teegon's answer to a charge call (100, 300 ms apart) before giving up. */
const SEND_APPLY_TRIES = 3;

export class ChargeService {
	readonly #store: ChargeStore;
	readonly #worker: ChargeWorker;
	readonly #receiver: NotificationReceiver;
	readonly #teegon: TeegonApi;
	readonly #events: ChargeEvents;
	readonly #options: ChargeServiceOptions & {
		durably: <T>(fn: () => Promise<T>) => Promise<T>;
		instanceId: string;
		log: LogFn;
		now: () => number;
	};

	constructor(o: ChargeServiceOptions) {
		const options = {
			instanceId: randomUUID(),
			log: logInfo,
			now: () => Date.now(),
			durably: alreadyDurable,
			...o
		};
		this.#options = options;
		this.#teegon = o.teegon;
		this.#events = o.events;
		this.#store = new ChargeStore({
			db: o.db,
			durably: options.durably,
			direct: o.direct ?? null,
			events: o.events,
			policy: {
				pollIntervalMs: o.pollIntervalMs,
				lateWatchMs: o.lateWatchMs ?? 5 * 60_000,
				unknownWatchMs: o.unknownWatchMs ?? 24 * 3600_000
			},
			instanceId: options.instanceId,
			log: options.log,
			now: options.now
		});
		this.#worker = new ChargeWorker({
			store: this.#store,
			teegon: o.teegon,
			pollIntervalMs: o.pollIntervalMs,
			authCodeReuseWindowMs: o.authCodeReuseWindowMs,
			teegonTimeoutMs: o.teegonTimeoutMs,
			absentSettleMs: o.absentSettleMs ?? 10_000,
			instanceId: options.instanceId,
			log: options.log,
			now: options.now
		});
		this.#receiver = new NotificationReceiver({
			store: this.#store,
			teegon: o.teegon,
			clientSecret: o.clientSecret,
			durably: options.durably,
			confirmTimeoutMs: Math.min(CONFIRM_TIMEOUT_MS, o.teegonTimeoutMs),
			log: options.log,
			now: options.now
		});
	}

	get db(): Kysely<Database> {
		return this.#store.db;
	}

	/** Teegon's notification (the notify route). */
	notify(fields: Record<string, string>): Promise<NotifyResult> {
		return this.#receiver.receive(fields);
	}

	/** Whether this instance's worker is settling charges. */
	get running(): boolean {
		return this.#worker.running;
	}

	start(tickMs?: number): void {
		this.#worker.start(tickMs);
	}

	stop(): Promise<void> {
		return this.#worker.stop();
	}

	/** One pass of the worker. For tests and the admin command. */
	tick(): Promise<number> {
		return this.#worker.tick();
	}

	pruneClaims(now?: number): Promise<number> {
		return this.#worker.pruneClaims(now);
	}

	async create(till: TillRef, body: unknown): Promise<ServiceReply<ChargeView>> {
		const v = validateChargeInput(body, this.#options.maxAmount);
		if (!v.ok) return { status: 400, body: { error: v.error } };
		const input = v.value;
		const requestHash = sha256(
			JSON.stringify([input.orderNo, input.amount, input.subject, input.authCode, input.metadata])
		);
		const authHash = sha256(input.authCode);

		// A new order is the common case: insert first, and treat a unique violation as a repeat.
		for (let attempt = 0; attempt < 3; attempt++) {
			if (attempt > 0) {
				const existing = await this.#store.byOrderNo(input.orderNo);
				if (existing) {
					// This request claimed a code for an order that is another charge's: give it back.
					if (existing.auth_code_hash !== authHash) await this.#unclaim(authHash, input.orderNo);
					return this.#repeat(till, existing, requestHash);
				}
			}

			const now = this.#options.now();
			// Claim the payment code for this order, atomically: a new code, one last used by
			// this same order, or one whose last use is older than the window. Anything else
			// (another order used it within the window, even at this very moment) is refused.
			const claim = await this.#store.queries.run(
				'auth-code-claim',
				[authHash, input.orderNo, now, now - this.#options.authCodeReuseWindowMs],
				([hash, order, at, since]) =>
					this.#store.db
						.insertInto('auth_code_claims')
						.values({
							auth_code_hash: hash as string,
							order_no: order as string,
							claimed_at: at as number
						})
						.onConflict((oc) =>
							oc
								.column('auth_code_hash')
								.doUpdateSet((eb) => ({
									order_no: eb.ref('excluded.order_no'),
									claimed_at: eb.ref('excluded.claimed_at')
								}))
								.where((eb) =>
									eb.or([
										eb('auth_code_claims.claimed_at', '<=', since as number),
										eb('auth_code_claims.order_no', '=', eb.ref('excluded.order_no'))
									])
								)
						)
			);
			if (Number(claim.numAffectedRows ?? 0) === 0) {
				// A repeat of an order that exists is answered as a repeat, whatever its code.
				const existing = await this.#store.byOrderNo(input.orderNo);
				if (existing) return this.#repeat(till, existing, requestHash);
				return err(
					409,
					'auth_code_used',
					'auth_code: this payment code was already used for another order; ask the customer to refresh it',
					'auth_code'
				);
			}

			const leaseMs = this.#options.teegonTimeoutMs + 5000;
			const row = {
				id: randomUUID(),
				store_id: till.storeId,
				till_id: till.id,
				order_no: input.orderNo,
				amount: input.amount,
				subject: input.subject,
				auth_code_hash: authHash,
				auth_code_last4: input.authCode.slice(-4),
				wallet: walletOfAuthCode(input.authCode),
				metadata: input.metadata,
				request_hash: requestHash,
				state: 'pending' as const,
				charge_id: null,
				channel: null,
				transaction_no: null,
				paid_at: null,
				failure: null,
				failure_code: null,
				late: 0,
				flags: null,
				last_status: null,
				absent_since: null,
				created_at: now,
				updated_at: now,
				deadline_at: now + this.#options.deadlineMs,
				sent_at: now,
				// If this process dies during the call, the worker takes the charge over here.
				next_check_at: now + leaseMs,
				lease_owner: this.#options.instanceId,
				lease_until: now + leaseMs
			};
			const charge: Charge = { ...row, checks: 0, rev: 0 };
			// Teegon is called next: the charge (and its claim, committed just before) must
			// outlive a power cut, or a till's retry would charge the order a second time.
			if (!(await this.#store.insertDurably(charge))) continue; // a concurrent duplicate won
			const sent = await this.#send(charge, input);
			return { status: 200, body: chargeView(sent) };
		}
		return err(409, 'conflict', 'order_no: could not be stored, try again', 'order_no');
	}

	/** Drops this order's claim on a payment code (the request will not charge it). */
	async #unclaim(authHash: string, orderNo: string): Promise<void> {
		await this.#store.queries.run('auth-code-unclaim', [authHash, orderNo], ([hash, order]) =>
			this.#store.db
				.deleteFrom('auth_code_claims')
				.where('auth_code_hash', '=', hash as string)
				.where('order_no', '=', order as string)
		);
	}

	async #repeat(
		till: TillRef,
		existing: Charge,
		requestHash: string
	): Promise<ServiceReply<ChargeView>> {
		if (existing.store_id !== till.storeId)
			return err(
				409,
				'order_no_taken',
				'order_no: already used; generate a new order number',
				'order_no'
			);
		if (existing.request_hash !== requestHash)
			return err(
				409,
				'order_no_conflict',
				'order_no: already used for a charge with a different amount, subject, payment code or metadata',
				'order_no'
			);
		// The first request is still talking to Teegon: give it a moment so the repeat gets a useful answer.
		if (
			existing.state === 'pending' &&
			!existing.charge_id &&
			existing.lease_until &&
			existing.lease_until > this.#options.now()
		) {
			await this.#events.wait(
				existing.order_no,
				Math.min(
					existing.lease_until - this.#options.now(),
					this.#options.teegonTimeoutMs + WAITING_HINT_MS
				)
			);
			existing = (await this.#store.byOrderNo(existing.order_no)) ?? existing;
		}
		return { status: 200, body: chargeView(existing) };
	}

	async #send(
		row: Charge,
		input: {
			orderNo: string;
			amount: Fen;
			subject: string;
			authCode: string;
			metadata: string | null;
		}
	): Promise<Charge> {
		let outcome: ChargeOutcome;
		try {
			outcome = await this.#teegon.charge({
				orderNo: input.orderNo,
				amount: input.amount,
				subject: input.subject,
				authCode: input.authCode,
				notifyUrl: this.#options.notifyUrl,
				...(input.metadata ? { metadata: input.metadata } : {})
			});
		} catch (e) {
			outcome = {
				kind: 'unknown',
				reason: `client error: ${(e as Error).message}`,
				httpStatus: null,
				raw: null
			};
		}
		// Certainly never reached Teegon: the payment code was not used, and may pay a new order.
		if (outcome.kind === 'not_sent') await this.#unclaim(row.auth_code_hash, row.order_no);
		// Teegon has answered: what it said (the charge id above all) is worth a few tries to store.
		const obs = observeCharge(outcome);
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.#store.apply(
					row.id,
					obs,
					{ releaseLease: true },
					attempt === 1 ? row : undefined
				);
			} catch (e) {
				this.#options.log(
					`[charge] order_no=${row.order_no} Teegon answered ${outcome.kind}${'chargeId' in outcome && outcome.chargeId ? ` (charge_id=${outcome.chargeId})` : ''} but storing it failed (try ${attempt} of ${SEND_APPLY_TRIES}): ${(e as Error).message}`
				);
				if (attempt >= SEND_APPLY_TRIES) throw e;
				await new Promise((r) => setTimeout(r, 100 * 3 ** (attempt - 1)));
			}
		}
	}

	async get(
		till: TillRef,
		orderNo: string,
		opts: { waitMs?: number; since?: string; signal?: AbortSignal } = {}
	): Promise<ServiceReply<ChargeView>> {
		if (!isOrderNo(orderNo)) return err(400, 'invalid', `order_no: ${ORDER_NO_RULE}`, 'order_no');
		let charge = await this.#store.byOrderNo(orderNo);
		// Another store's charge is answered exactly like a missing one.
		if (!charge || charge.store_id !== till.storeId)
			return err(404, 'not_found', 'order_no: no such charge for this store', 'order_no');
		const waitMs = Math.min(opts.waitMs ?? 0, 30_000);
		if (waitMs > 0) {
			const first = JSON.stringify(chargeView(charge));
			const end = this.#options.now() + waitMs;
			const known = opts.since;
			while (
				!isFinal(charge.state) &&
				(known === undefined || known === charge.state) &&
				!opts.signal?.aborted
			) {
				const left = end - this.#options.now();
				if (left <= 0) break;
				// Re-read at least every few seconds in case a wake-up from another instance was lost.
				await this.#events.wait(orderNo, Math.min(left, 5000), opts.signal);
				const next = await this.#store.byOrderNo(orderNo);
				if (!next) break;
				charge = next;
				if (JSON.stringify(chargeView(charge)) !== first) break;
			}
		}
		return { status: 200, body: chargeView(charge) };
	}

	async list(till: TillRef, opts: { limit?: number } = {}): Promise<ChargeView[]> {
		const rows = await this.#store.db
			.selectFrom('charges')
			.selectAll()
			.where('store_id', '=', till.storeId)
			.where('till_id', '=', till.id)
			.orderBy('created_at', 'desc')
			.limit(Math.min(opts.limit ?? 50, 200))
			.execute();
		return rows.map(chargeView);
	}
}
