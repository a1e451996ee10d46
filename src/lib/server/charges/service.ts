/**
 * The charge service: the server half of taking a payment-code payment. It stores every
 * charge before Teegon is called, calls Teegon at most once per order, settles the outcome
 * by status queries and notifications, and never reports as failed a charge that may have
 * succeeded. See issue 3 and ../shared/docs/teegon-protocol.md.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ChargeView } from '../../domain/charge';
import { formatYuan, parseYuan, type Fen } from '../../domain/money';
import { isOrderNo, ORDER_NO_RULE } from '../../domain/order-no';
import { alreadyDurable, isUniqueViolation, type SqliteDirect } from '../db';
import { PreparedQueries } from '../db/prepared';
import type { Charge, Database } from '../db/schema';
import { verify } from '../teegon/sign';
import { tradeState, walletOfAuthCode } from '../teegon/status';
import type { ChargeOutcome, StatusOutcome, TeegonApi } from '../teegon/types';
import type { ChargeEvents } from './events';
import { DEADLINE_REASON, isFinal, transition, type Observation } from './transition';
import { validateChargeInput, type ApiError } from './validate';
import { logInfo } from '../log';

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
	instanceId?: string;
	log?: (line: string) => void;
	now?: () => number;
}

const WAITING_HINT_MS = 1000;

export function chargeView(c: Charge): ChargeView {
	return {
		order_no: c.order_no,
		state: c.state,
		amount: formatYuan(c.amount),
		charge_id: c.charge_id,
		channel: c.channel,
		wallet: c.wallet,
		paid_at: c.paid_at,
		failure: c.failure,
		failure_code: c.failure_code,
		late: c.late === 1,
		flags: c.flags ? c.flags.split(',') : [],
		created_at: new Date(c.created_at).toISOString(),
		deadline_at: new Date(c.deadline_at).toISOString()
	};
}

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

function addFlag(flags: string | null, flag: string): string {
	const set = new Set(flags ? flags.split(',') : []);
	set.add(flag);
	return [...set].join(',');
}

/** What a charge call's outcome tells about the charge. */
export function observeCharge(outcome: ChargeOutcome): Observation {
	switch (outcome.kind) {
		case 'paid':
			return {
				kind: 'paid',
				chargeId: outcome.chargeId,
				channel: outcome.channel,
				transactionNo: outcome.transactionNo,
				paidAt: outcome.paidAt
			};
		case 'pending':
			return { kind: 'pending', chargeId: outcome.chargeId, channel: outcome.channel };
		case 'refused':
			return { kind: 'failed', code: 'refused', reason: outcome.error, status: 'refused' };
		case 'unknown':
			return { kind: 'unknown', reason: outcome.reason, chargeId: outcome.chargeId ?? null };
	}
}

/** What a status query's outcome tells about the charge. */
export function observeStatus(outcome: StatusOutcome): Observation | null {
	if (outcome.kind !== 'status') return null;
	switch (outcome.state) {
		case 'paid':
			return { kind: 'paid', status: outcome.tradeStatus };
		case 'failed':
			return {
				kind: 'failed',
				code: 'declined',
				reason: `Teegon: ${outcome.tradeStatus}`,
				status: outcome.tradeStatus
			};
		case 'pending':
			return { kind: 'pending', status: outcome.tradeStatus };
		case 'unknown':
			return { kind: 'unknown', reason: unlistedStatus(outcome.tradeStatus) };
	}
}

/** How a trade_status the spec does not list is kept (last_status) and shown to the owner. */
function unlistedStatus(tradeStatus: string): string {
	return `Teegon: trade_status ${JSON.stringify(tradeStatus)} is not one the till knows`;
}

/** Tries to store Teegon's answer to a charge call (100, 300 ms apart) before giving up. */
const SEND_APPLY_TRIES = 3;
/** At most this many status checks at once per instance. */
const MAX_CHECKS_IN_FLIGHT = 200;
/** After a check failed (not the query: the check itself, a database error say), retry in. */
const CHECK_RETRY_MS = 5000;

type ResolvedOptions = Required<Omit<ChargeServiceOptions, 'log' | 'now'>> & {
	log: (line: string) => void;
	now: () => number;
};

export class ChargeService {
	readonly #o: ResolvedOptions;
	readonly #q: PreparedQueries<Database>;
	#timer: NodeJS.Timeout | null = null;
	#ticking = false;
	#prunedAt = 0;
	#inFlight = new Set<Promise<unknown>>();
	/** Charges whose status check is under way in this instance (tick). */
	#checking = new Set<string>();
	#stopped = false;

	constructor(o: ChargeServiceOptions) {
		this.#o = {
			lateWatchMs: 5 * 60_000,
			unknownWatchMs: 24 * 3600_000,
			instanceId: randomUUID(),
			log: logInfo,
			now: () => Date.now(),
			durably: alreadyDurable,
			...o
		} as ResolvedOptions;
		this.#q = new PreparedQueries(this.#o.db, this.#o.direct ?? null);
	}

	get db(): Kysely<Database> {
		return this.#o.db;
	}

	// ----- the till API -------------------------------------------------------------------

	async create(till: TillRef, body: unknown): Promise<ServiceReply<ChargeView>> {
		const v = validateChargeInput(body, this.#o.maxAmount);
		if (!v.ok) return { status: 400, body: { error: v.error } };
		const input = v.value;
		const requestHash = sha256(
			JSON.stringify([input.orderNo, input.amount, input.subject, input.authCode, input.metadata])
		);
		const authHash = sha256(input.authCode);

		// A new order is the common case: insert first, and treat a unique violation as a repeat.
		for (let attempt = 0; attempt < 3; attempt++) {
			if (attempt > 0) {
				const existing = await this.#byOrderNo(input.orderNo);
				if (existing) {
					// This request claimed a code for an order that is another charge's: give it back.
					if (existing.auth_code_hash !== authHash) await this.#unclaim(authHash, input.orderNo);
					return this.#repeat(till, existing, requestHash);
				}
			}

			const now = this.#o.now();
			// Claim the payment code for this order, atomically: a new code, one last used by
			// this same order, or one whose last use is older than the window. Anything else
			// (another order used it within the window, even at this very moment) is refused.
			const claim = await this.#q.run(
				'auth-code-claim',
				[authHash, input.orderNo, now, now - this.#o.authCodeReuseWindowMs],
				([hash, order, at, since]) =>
					this.#o.db
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
				const existing = await this.#byOrderNo(input.orderNo);
				if (existing) return this.#repeat(till, existing, requestHash);
				return err(
					409,
					'auth_code_used',
					'auth_code: this payment code was already used for another order; ask the customer to refresh it',
					'auth_code'
				);
			}

			const leaseMs = this.#o.teegonTimeoutMs + 5000;
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
				created_at: now,
				updated_at: now,
				deadline_at: now + this.#o.deadlineMs,
				sent_at: now,
				// If this process dies during the call, the worker takes the charge over here.
				next_check_at: now + leaseMs,
				lease_owner: this.#o.instanceId,
				lease_until: now + leaseMs
			};
			try {
				const columns = Object.keys(row) as (keyof typeof row)[];
				// Teegon is called next: the charge (and its claim, committed just before) must
				// outlive a power cut, or a till's retry would charge the order a second time.
				await this.#o.durably(() =>
					this.#q.run(
						'insert-charge',
						columns.map((c) => row[c]),
						(args) =>
							this.#o.db
								.insertInto('charges')
								.values(Object.fromEntries(columns.map((c, i) => [c, args[i]])) as typeof row)
					)
				);
			} catch (e) {
				if (isUniqueViolation(e)) continue; // a concurrent duplicate won: answer as a repeat
				throw e;
			}
			const charge = await this.#send({ ...row, checks: 0, rev: 0 }, input);
			return { status: 200, body: chargeView(charge) };
		}
		return err(409, 'conflict', 'order_no: could not be stored, try again', 'order_no');
	}

	/** Drops this order's claim on a payment code (the request will not charge it). */
	async #unclaim(authHash: string, orderNo: string): Promise<void> {
		await this.#q.run('auth-code-unclaim', [authHash, orderNo], ([hash, order]) =>
			this.#o.db
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
			existing.lease_until > this.#o.now()
		) {
			await this.#o.events.wait(
				existing.order_no,
				Math.min(existing.lease_until - this.#o.now(), this.#o.teegonTimeoutMs + WAITING_HINT_MS)
			);
			existing = (await this.#byOrderNo(existing.order_no)) ?? existing;
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
			outcome = await this.#o.teegon.charge({
				orderNo: input.orderNo,
				amount: input.amount,
				subject: input.subject,
				authCode: input.authCode,
				notifyUrl: this.#o.notifyUrl,
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
		// Teegon has answered: what it said (the charge id above all: without it only a
		// notification can settle the charge) is worth a few tries to store.
		const obs = observeCharge(outcome);
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.#apply(
					row.id,
					obs,
					{ releaseLease: true },
					attempt === 1 ? row : undefined
				);
			} catch (e) {
				this.#o.log(
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
		let charge = await this.#byOrderNo(orderNo);
		// Another store's charge is answered exactly like a missing one.
		if (!charge || charge.store_id !== till.storeId)
			return err(404, 'not_found', 'order_no: no such charge for this store', 'order_no');
		const waitMs = Math.min(opts.waitMs ?? 0, 30_000);
		if (waitMs > 0) {
			const first = JSON.stringify(chargeView(charge));
			const end = this.#o.now() + waitMs;
			const known = opts.since;
			while (
				!isFinal(charge.state) &&
				(known === undefined || known === charge.state) &&
				!opts.signal?.aborted
			) {
				const left = end - this.#o.now();
				if (left <= 0) break;
				// Re-read at least every few seconds in case a wake-up from another instance was lost.
				await this.#o.events.wait(orderNo, Math.min(left, 5000), opts.signal);
				const next = await this.#byOrderNo(orderNo);
				if (!next) break;
				charge = next;
				if (JSON.stringify(chargeView(charge)) !== first) break;
			}
		}
		return { status: 200, body: chargeView(charge) };
	}

	async list(till: TillRef, opts: { limit?: number } = {}): Promise<ChargeView[]> {
		const rows = await this.#o.db
			.selectFrom('charges')
			.selectAll()
			.where('store_id', '=', till.storeId)
			.where('till_id', '=', till.id)
			.orderBy('created_at', 'desc')
			.limit(Math.min(opts.limit ?? 50, 200))
			.execute();
		return rows.map(chargeView);
	}

	// ----- notifications ------------------------------------------------------------------

	/**
	 * Applies a Teegon notification. 403 for a bad or missing signature (nothing stored);
	 * otherwise it is recorded durably, applied once, and answered 200 `success`.
	 */
	async notify(
		fields: Record<string, string>
	): Promise<{ status: 200 | 400 | 403; body: string; outcome: string }> {
		if (!fields.sign) return { status: 403, body: 'missing sign', outcome: 'forged' };
		if (!verify(fields, this.#o.clientSecret)) {
			this.#o.log(`[notify] bad signature for order_no=${fields.order_no ?? '?'}: refused`);
			return { status: 403, body: 'bad sign', outcome: 'forged' };
		}
		const orderNo = fields.order_no ?? null;
		const canonical = JSON.stringify(
			Object.keys(fields)
				.sort()
				.map((k) => [k, fields[k]])
		);
		const digest = sha256(canonical);
		const now = this.#o.now();
		const charge = orderNo ? await this.#byOrderNo(orderNo) : undefined;

		let outcome: string;
		let obs: Observation | null = null;
		if (!charge) outcome = 'orphan';
		else {
			const amount = fields.amount !== undefined ? parseYuan(fields.amount) : null;
			const success = fields.is_success === 'true'; // text, never truthiness: "false" is a non-empty string
			if (success && amount !== charge.amount) outcome = 'mismatch';
			else {
				outcome = 'applied';
				if (success)
					obs = {
						kind: 'paid',
						chargeId: fields.charge_id ?? null,
						channel: fields.channel ?? null,
						paidAt: fields.pay_time ?? null,
						status: fields.status ? `notify:${fields.status}` : 'notify:paid'
					};
				else if (fields.is_success === 'false') {
					const st = fields.status ?? '';
					const chargeId = fields.charge_id ?? null;
					switch (tradeState(st)) {
						case 'failed':
							obs = {
								kind: 'failed',
								code: 'declined',
								reason: `Teegon: ${st}`,
								chargeId,
								status: st
							};
							break;
						case 'pending':
							obs = { kind: 'pending', chargeId, status: st };
							break;
						default:
							// Not successful, but in words the till does not know: not known yet.
							obs = { kind: 'unknown', reason: unlistedStatus(st), chargeId };
					}
				} else outcome = 'ignored';
			}
		}

		// Answered 200 below, Teegon will not send it again: the record and what it changed must
		// outlive a power cut, not only a crash.
		const duplicate = await this.#o.durably(async () => {
			let replay = false;
			try {
				await this.#o.db
					.insertInto('notifications')
					.values({
						id: randomUUID(),
						digest,
						received_at: now,
						order_no: orderNo,
						charge_id: fields.charge_id ?? null,
						fields: JSON.stringify(fields),
						outcome,
						store_id: charge?.store_id ?? null
					})
					.execute();
			} catch (e) {
				if (!isUniqueViolation(e)) throw e;
				// A replay. It is applied again all the same: applying is idempotent, and the first
				// delivery may have been recorded and then not applied (the process died, or the
				// update failed and Teegon was answered 500): Teegon sends it until it gets 200.
				replay = true;
				this.#o.log(`[notify] order_no=${orderNo} replay of a notification already recorded`);
			}
			if (charge && outcome === 'ignored') {
				await this.#flag(charge.id, UNREADABLE_NOTIFICATION);
				this.#o.log(
					`[notify] order_no=${orderNo} is_success=${JSON.stringify(fields.is_success ?? null)} is neither true nor false: flagged for the owner`
				);
			} else if (charge && outcome === 'mismatch') {
				await this.#flag(charge.id, 'amount_mismatch');
				this.#o.log(
					`[notify] order_no=${orderNo} amount ${fields.amount} differs from the charge's ${formatYuan(charge.amount)}: flagged for the owner, not accepted as paid`
				);
			} else if (charge && obs) {
				await this.#apply(charge.id, obs, {});
			}
			return replay;
		});
		if (!charge && !duplicate)
			this.#o.log(
				`[notify] order_no=${orderNo} is not a charge of this till server: kept as an orphan for the owner`
			);
		return { status: 200, body: 'success', outcome: duplicate ? 'duplicate' : outcome };
	}

	// ----- settling: the worker -----------------------------------------------------------

	/** Starts the background worker: resumes every non-final charge, also after a restart. */
	start(tickMs = Math.min(250, this.#o.pollIntervalMs)): void {
		if (this.#timer) return;
		this.#stopped = false;
		this.#timer = setInterval(
			() => void this.tick().catch((e: Error) => this.#o.log(`[worker] tick failed: ${e.message}`)),
			tickMs
		);
		this.#timer.unref?.();
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		await Promise.allSettled([...this.#inFlight]);
	}

	/**
	 * Forgets payment-code claims older than the reuse window (they block nothing any more).
	 * Run by the worker every ten minutes; returns how many went.
	 */
	async pruneClaims(now = this.#o.now()): Promise<number> {
		this.#prunedAt = now;
		const r = await this.#o.db
			.deleteFrom('auth_code_claims')
			.where('claimed_at', '<', now - this.#o.authCodeReuseWindowMs)
			.executeTakeFirst();
		return Number(r.numDeletedRows);
	}

	/** One pass over the charges that are due a check. Exposed for tests. */
	async tick(): Promise<number> {
		if (this.#ticking) return 0;
		this.#ticking = true;
		try {
			const now = this.#o.now();
			if (now - this.#prunedAt >= 10 * 60_000)
				await this.pruneClaims(now).catch((e: Error) =>
					this.#o.log(`[worker] pruning payment-code claims failed: ${e.message}`)
				);
			const room = MAX_CHECKS_IN_FLIGHT - this.#checking.size;
			if (room <= 0) return 0;
			const due = await this.#o.db
				.selectFrom('charges')
				.select(['id'])
				.where('next_check_at', '<=', now)
				.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
				.orderBy('next_check_at')
				.limit(Math.min(50, room))
				.execute();
			// Not awaited: one status query hanging until its timeout must not hold back the next
			// tick's checks (other charges' polls and deadlines). A charge being checked is leased,
			// so the next tick does not pick it again.
			for (const { id } of due) {
				// Still being checked here (its lease ran out first): not twice at once.
				if (this.#checking.has(id)) continue;
				this.#checking.add(id);
				void this.#track(this.#check(id))
					.catch((e: Error) => this.#o.log(`[worker] check of charge ${id} failed: ${e.message}`))
					.finally(() => this.#checking.delete(id));
			}
			return due.length;
		} finally {
			this.#ticking = false;
		}
	}

	#track<T>(p: Promise<T>): Promise<T> {
		this.#inFlight.add(p);
		void p.finally(() => this.#inFlight.delete(p)).catch(() => undefined);
		return p;
	}

	async #check(id: string): Promise<void> {
		if (this.#stopped) return;
		const now = this.#o.now();
		// Claim the charge: with several instances on one database, one works it at a time.
		const claim = await this.#o.db
			.updateTable('charges')
			.set({
				lease_owner: this.#o.instanceId,
				lease_until: now + this.#o.teegonTimeoutMs + 5000,
				// A holder whose lease ran out still has the old rev: its next write re-reads the
				// row, and sees that the lease is no longer its own to release.
				rev: sql<number>`rev + 1`
			})
			.where('id', '=', id)
			.where('next_check_at', '<=', now)
			.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
			.executeTakeFirst();
		if (Number(claim.numUpdatedRows) !== 1) return;
		try {
			const charge = await this.#o.db
				.selectFrom('charges')
				.selectAll()
				.where('id', '=', id)
				.executeTakeFirstOrThrow();
			if (charge.state === 'pending' && !charge.charge_id) {
				// The process that was calling Teegon died (or its call never returned).
				await this.#apply(
					id,
					{
						kind: 'unknown',
						reason: 'the charge call did not complete (server stopped); waiting for Teegon'
					},
					{ releaseLease: true, checked: true }
				);
				return;
			}
			if (charge.charge_id) {
				const outcome = await this.#o.teegon
					.barcodePayStatus(charge.charge_id)
					.catch((e: Error): StatusOutcome => ({
						kind: 'unknown',
						reason: e.message,
						httpStatus: null,
						raw: null
					}));
				const obs = observeStatus(outcome);
				if (obs) {
					const after = await this.#apply(id, obs, { checked: true });
					if (after.state === 'pending' && this.#o.now() >= after.deadline_at)
						await this.#apply(id, { kind: 'deadline' }, { checked: true });
				} else if (charge.state === 'pending' && this.#o.now() >= charge.deadline_at) {
					// The query itself failed at the deadline: the outcome is not known, so not `failed`.
					await this.#apply(
						id,
						{
							kind: 'unknown',
							reason:
								outcome.kind === 'error'
									? outcome.error
									: outcome.kind === 'unknown'
										? outcome.reason
										: outcome.tradeStatus
						},
						{ checked: true }
					);
				}
			}
			await this.#apply(id, null, { releaseLease: true, checked: true });
		} catch (e) {
			this.#o.log(`[worker] check of charge ${id} failed: ${(e as Error).message}`);
			// Try again later, not on every tick: a failure that lasts would otherwise spin.
			await this.#o.db
				.updateTable('charges')
				.set({
					lease_owner: null,
					lease_until: null,
					next_check_at: this.#o.now() + Math.max(this.#o.pollIntervalMs, CHECK_RETRY_MS)
				})
				.where('id', '=', id)
				.where('lease_owner', '=', this.#o.instanceId)
				.execute();
		}
	}

	/** When the worker should next look at a charge, or null when it never needs to. */
	#nextCheck(c: Charge, now: number): number | null {
		const poll = this.#o.pollIntervalMs;
		switch (c.state) {
			case 'paid':
				return null;
			case 'failed':
				// Given up at the deadline: the customer may still pay; keep asking for a while,
				// counted from when it failed (or last changed since): a charge that was unknown
				// may fail long after its deadline, once Teegon answers again.
				if (
					c.failure === DEADLINE_REASON &&
					c.charge_id &&
					now < Math.max(c.deadline_at, c.updated_at) + this.#o.lateWatchMs
				)
					return now + Math.max(poll, Math.min(15_000, this.#o.lateWatchMs / 10));
				return null;
			case 'pending':
				if (!c.charge_id) return c.lease_until ?? now;
				return Math.min(now + poll, Math.max(c.deadline_at, now + 10));
			case 'unknown': {
				if (!c.charge_id) return null; // only a notification can settle it; listed for the owner
				if (now < c.deadline_at) return now + poll;
				if (now > c.created_at + this.#o.unknownWatchMs) return null;
				const since = now - c.deadline_at;
				return now + Math.min(60_000, Math.max(poll, Math.floor(since / 4)));
			}
		}
	}

	/**
	 * Applies an observation with optimistic concurrency (`rev`), reschedules the worker and
	 * wakes waiters. A null observation only reschedules (and releases the lease).
	 */
	async #apply(
		id: string,
		obs: Observation | null,
		opts: { releaseLease?: boolean; checked?: boolean },
		/** The row as last read or written by this caller; saves a read when nobody changed it since. */
		known?: Charge
	): Promise<Charge> {
		for (let attempt = 0; ; attempt++) {
			const charge = attempt === 0 && known ? known : await this.#byId(id);
			const now = this.#o.now();
			const change = obs ? transition(charge, obs, now) : null;
			const merged: Charge = { ...charge, ...change, updated_at: change ? now : charge.updated_at };
			const next = this.#nextCheck(merged, now);
			const update = {
				...change,
				next_check_at: next,
				updated_at: merged.updated_at,
				// Only this instance's own lease: one that outlived it may be another's by now.
				...(opts.releaseLease && charge.lease_owner === this.#o.instanceId
					? { lease_owner: null, lease_until: null }
					: {})
			};
			const columns = Object.keys(update).sort() as (keyof typeof update)[];
			const res = await this.#q.run(
				`apply:${columns.join(',')}:${opts.checked ? 'checked' : ''}`,
				[...columns.map((c) => update[c]), id, charge.rev],
				(args) =>
					this.#o.db
						.updateTable('charges')
						.set({
							...Object.fromEntries(columns.map((c, i) => [c, args[i]])),
							rev: sql<number>`rev + 1`,
							...(opts.checked ? { checks: sql<number>`checks + 1` } : {})
						})
						.where('id', '=', args[columns.length] as string)
						.where('rev', '=', args[columns.length + 1] as number)
			);
			if (Number(res.numAffectedRows) === 1) {
				const after = { ...merged, ...update, rev: charge.rev + 1 } as Charge;
				if (change) {
					if (change.state)
						this.#o.log(
							`[charge] order_no=${charge.order_no} ${charge.state} -> ${change.state}${change.late ? ' (LATE: paid after the till gave up; refund it)' : ''}${change.failure ? ` (${change.failure})` : ''}`
						);
					await this.#o.events.publish(charge.order_no);
				}
				return after;
			}
			if (attempt > 20) throw new Error(`charge ${id}: too many concurrent updates`);
		}
	}

	async #flag(id: string, flag: string): Promise<void> {
		for (let attempt = 0; attempt < 20; attempt++) {
			const c = await this.#o.db
				.selectFrom('charges')
				.select(['rev', 'flags', 'order_no'])
				.where('id', '=', id)
				.executeTakeFirstOrThrow();
			if (c.flags?.split(',').includes(flag)) return; // a replay: already flagged
			const res = await this.#o.db
				.updateTable('charges')
				.set({
					flags: addFlag(c.flags, flag),
					updated_at: this.#o.now(),
					rev: sql<number>`rev + 1`
				})
				.where('id', '=', id)
				.where('rev', '=', c.rev)
				.executeTakeFirst();
			if (Number(res.numUpdatedRows) === 1) {
				await this.#o.events.publish(c.order_no);
				return;
			}
		}
		// Not silently: the notification is answered 500 and Teegon sends it again.
		throw new Error(`charge ${id}: could not flag ${flag}, too many concurrent updates`);
	}

	async #byOrderNo(orderNo: string): Promise<Charge | undefined> {
		const r = await this.#q.run('charge-by-order-no', [orderNo], ([o]) =>
			this.#o.db
				.selectFrom('charges')
				.selectAll()
				.where('order_no', '=', o as string)
		);
		return r.rows[0];
	}

	async #byId(id: string): Promise<Charge> {
		const r = await this.#q.run('charge-by-id', [id], ([i]) =>
			this.#o.db
				.selectFrom('charges')
				.selectAll()
				.where('id', '=', i as string)
		);
		if (!r.rows[0]) throw new Error(`charge ${id} not found`);
		return r.rows[0];
	}
}

export interface AttentionItem {
	kind: 'late' | 'unknown' | 'mismatch' | 'orphan' | 'flagged' | 'unsold' | 'sale';
	/**
	 * What the owner names to mark it dealt with: `<kind>:<order_no>` for a charge (`late:…`,
	 * `unsold:…`), `orphan:<notification id>`, `sale:<sale id>`.
	 */
	ref: string;
	order_no: string | null;
	store_id: string | null;
	amount: string | null;
	charge_id: string | null;
	state: string | null;
	detail: string;
	at: string;
	/** Set when the owner has marked it dealt with (listed only when asked for). */
	reviewed: { at: string; note: string } | null;
}

/**
 * How long a paid charge may go without a sale that names it before the owner is told. A till
 * records the sale the moment the charge is paid and syncs it within seconds when online; an
 * hour leaves room for a till that went offline right after.
 */
export const UNSOLD_GRACE_MS = 3600_000;
/**
 * How far back the unsold list looks: a paid charge still without a sale a month on has been
 * seen on the list for a month; it bounds the query, which scans paid charges.
 */
export const UNSOLD_LOOKBACK_MS = 30 * 24 * 3600_000;

/** The longest note the owner may keep on a reviewed item. */
export const REVIEW_NOTE_MAX = 500;

type Pending = AttentionItem & { subject: string };

/**
 * Everything the owner must look at: late payments to refund, unknown outcomes, mismatches,
 * orphans, money taken with no sale recorded for it (`unsold`: the cashier abandoned the
 * wait and the customer paid anyway before the deadline, or a till lost the sale), and sales
 * whose payment-code tender matches no paid charge of the store (`sale`). Items the
 * owner marked dealt with (`reviewAttentionItem`) are left out unless `includeReviewed`.
 */
export async function chargesNeedingOwner(
	db: Kysely<Database>,
	now = Date.now(),
	opts: { includeReviewed?: boolean } = {}
): Promise<AttentionItem[]> {
	const items = await attentionCandidates(db, now);
	const reviews = new Map<string, { at: string; note: string }>();
	const subjects = [...new Set(items.map((i) => i.subject))];
	for (let i = 0; i < subjects.length; i += 500) {
		const rows = await db
			.selectFrom('owner_reviews')
			.selectAll()
			.where('subject', 'in', subjects.slice(i, i + 500))
			.execute();
		for (const r of rows)
			reviews.set(`${r.subject} ${r.kind}`, {
				at: new Date(Number(r.reviewed_at)).toISOString(),
				note: r.note
			});
	}
	const out: AttentionItem[] = [];
	for (const { subject, ...item } of items) {
		const reviewed = reviews.get(`${subject} ${item.kind}`) ?? null;
		if (reviewed && !opts.includeReviewed) continue;
		out.push({ ...item, reviewed });
	}
	return out;
}

/** An owner's review that cannot be recorded; the message names the field and the rule. */
export class ReviewError extends Error {
	constructor(
		readonly field: 'ref' | 'note',
		message: string
	) {
		super(message);
		this.name = 'ReviewError';
	}
}

/**
 * Marks the attention item `ref` (as listed) dealt with, with the owner's note of what was
 * done; it leaves the list while its kind stays the same. Reviewing it again replaces the note.
 */
export async function reviewAttentionItem(
	db: Kysely<Database>,
	ref: string,
	note: string,
	now = Date.now()
): Promise<AttentionItem> {
	const text = note.trim();
	const length = [...text].length;
	if (length === 0)
		throw new ReviewError('note', 'note: say what was done (for example "refunded in Teegon")');
	if (length > REVIEW_NOTE_MAX)
		throw new ReviewError('note', `note: at most ${REVIEW_NOTE_MAX} characters`);
	const item = (await attentionCandidates(db, now)).find((i) => i.ref === ref);
	if (!item)
		throw new ReviewError(
			'ref',
			`ref: "${ref}" is not on the owner's list (use a ref as \`attention\` prints it)`
		);
	await db
		.insertInto('owner_reviews')
		.values({ subject: item.subject, kind: item.kind, reviewed_at: now, note: text })
		.onConflict((oc) =>
			oc.columns(['subject', 'kind']).doUpdateSet({ reviewed_at: now, note: text })
		)
		.execute();
	const { subject: _subject, ...view } = item;
	return { ...view, reviewed: { at: new Date(now).toISOString(), note: text } };
}

/** A charge's flag: a notification whose is_success was neither `true` nor `false`. */
export const UNREADABLE_NOTIFICATION = 'unreadable_notification';

/** A charge's flag in the owner's words. */
function chargeFlagText(flag: string): string {
	return flag === UNREADABLE_NOTIFICATION
		? 'a notification said neither success nor failure: check in the Teegon account'
		: flag;
}

/** A sale's flag (sales.ts) in the owner's words. */
function saleFlagText(flag: string): string {
	const [what, order, state] = flag.split(':');
	switch (what) {
		case 'charge_missing':
			return `paid by payment code ${order}, which is no charge of this store`;
		case 'charge_not_paid':
			return `paid by payment code ${order}, whose charge is ${state}, not paid`;
		case 'charge_reused':
			return `paid by payment code ${order}, which already pays another sale (counted twice?)`;
		case 'charge_amount_mismatch':
			return `paid by payment code ${order} for another amount than the charge's`;
		default:
			return flag;
	}
}

async function attentionCandidates(db: Kysely<Database>, now: number): Promise<Pending[]> {
	const charges = await db
		.selectFrom('charges')
		.selectAll()
		.where((eb) =>
			eb.or([
				eb('late', '=', 1),
				eb('flags', 'is not', null),
				eb.and([eb('state', '=', 'unknown'), eb('deadline_at', '<', now)])
			])
		)
		.orderBy('created_at')
		.execute();
	// One item per thing to look at: a charge both mismatched and late is two, so a review of
	// the one does not hide the other.
	const items: Pending[] = [];
	for (const c of charges) {
		const flags = c.flags ? c.flags.split(',') : [];
		const item = (kind: AttentionItem['kind'], detail: string): Pending => ({
			kind,
			subject: `charge:${c.id}`,
			ref: `${kind}:${c.order_no}`,
			order_no: c.order_no,
			store_id: c.store_id,
			amount: formatYuan(c.amount),
			charge_id: c.charge_id,
			state: c.state,
			detail,
			at: new Date(c.created_at).toISOString(),
			reviewed: null
		});
		if (flags.includes('amount_mismatch'))
			items.push(
				item(
					'mismatch',
					`a notification reported another amount than ${formatYuan(c.amount)}: check in the Teegon account`
				)
			);
		const other = flags.filter((f) => f !== 'amount_mismatch');
		if (other.length) items.push(item('flagged', other.map(chargeFlagText).join('; ')));
		if (c.late)
			items.push(
				item('late', 'paid after the till was told it failed: refund it in the Teegon account')
			);
		if (c.state === 'unknown' && c.deadline_at < now)
			items.push(
				item(
					'unknown',
					`outcome unknown${c.last_status ? ` (${c.last_status})` : ''}: check in the Teegon account`
				)
			);
	}
	const unsold = await db
		.selectFrom('charges')
		.selectAll()
		.where('state', '=', 'paid')
		.where('late', '=', 0)
		.where('flags', 'is', null)
		.where('created_at', '<', now - UNSOLD_GRACE_MS)
		.where('created_at', '>=', now - UNSOLD_LOOKBACK_MS)
		.where(({ not, exists, selectFrom }) =>
			not(
				exists(
					// A sale of the charge's own store: another store's till naming this order gets
					// its sale flagged (charge_missing), and must not hide this store's money.
					selectFrom('sale_tenders')
						.innerJoin('sales', 'sales.id', 'sale_tenders.sale_id')
						.select('sale_tenders.order_no')
						.whereRef('sale_tenders.order_no', '=', 'charges.order_no')
						.whereRef('sales.store_id', '=', 'charges.store_id')
				)
			)
		)
		.orderBy('created_at')
		.execute();
	for (const c of unsold) {
		items.push({
			kind: 'unsold',
			subject: `charge:${c.id}`,
			ref: `unsold:${c.order_no}`,
			order_no: c.order_no,
			store_id: c.store_id,
			amount: formatYuan(c.amount),
			charge_id: c.charge_id,
			state: c.state,
			detail:
				'paid, but no sale names this charge: find the sale or refund it in the Teegon account',
			at: new Date(c.created_at).toISOString(),
			reviewed: null
		});
	}
	const flaggedSales = await db
		.selectFrom('sales')
		.select(['id', 'store_id', 'number', 'total', 'flags', 'received_at'])
		.where('flags', 'is not', null)
		.orderBy('received_at')
		.execute();
	for (const sale of flaggedSales) {
		items.push({
			kind: 'sale',
			subject: `sale:${sale.id}`,
			ref: `sale:${sale.id}`,
			order_no: null,
			store_id: sale.store_id,
			amount: formatYuan(sale.total),
			charge_id: null,
			state: null,
			detail: `sale ${sale.number}: ${(sale.flags ?? '').split('|').map(saleFlagText).join('; ')}`,
			at: new Date(Number(sale.received_at)).toISOString(),
			reviewed: null
		});
	}
	const orphans = await db
		.selectFrom('notifications')
		.selectAll()
		.where('outcome', '=', 'orphan')
		.orderBy('received_at')
		.execute();
	for (const n of orphans) {
		const f = JSON.parse(n.fields) as Record<string, string>;
		items.push({
			kind: 'orphan',
			subject: `notification:${n.id}`,
			ref: `orphan:${n.id}`,
			order_no: n.order_no,
			store_id: null,
			amount: f.amount ?? null,
			charge_id: n.charge_id,
			state: f.is_success === 'true' ? 'paid' : (f.status ?? null),
			detail: 'notification for an order this server never charged',
			at: new Date(n.received_at).toISOString(),
			reviewed: null
		});
	}
	return items;
}
