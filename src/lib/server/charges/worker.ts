/**
 * The worker in every server instance: asks Teegon about each charge that is not final until
 * it is, fails a waiting charge at its deadline, and resumes all of it after a restart. Each
 * charge is leased while it is checked, so with several instances one works it at a time.
 */
import type { LogFn } from '../log';
import { sql } from 'kysely';
import type { Charge } from '../db/schema';
import type { StatusOutcome, TeegonApi } from '../teegon/types';
import { observeStatus } from './observe';
import type { ChargeStore } from './store';
import { NOT_AT_TEEGON_REASON } from './transition';

export interface ChargeWorkerOptions {
	store: ChargeStore;
	teegon: TeegonApi;
	pollIntervalMs: number;
	authCodeReuseWindowMs: number;
	/** Teegon's total timeout: how long a check may hold its lease. */
	teegonTimeoutMs: number;
	/**
	 * A charge with no charge id that Teegon keeps saying it does not have is failed
	 * (not_at_teegon) after this long of such answers, or at its deadline if that comes first.
	 */
	absentSettleMs: number;
	instanceId: string;
	log: LogFn;
	now: () => number;
}

/** At most this many status checks at once per instance. */
const MAX_CHECKS_IN_FLIGHT = 200;
/** After a check failed (not the query: the check itself, a database error say), retry in. */
const CHECK_RETRY_MS = 5000;
const PRUNE_EVERY_MS = 10 * 60_000;

export class ChargeWorker {
	readonly #options: ChargeWorkerOptions;
	#timer: NodeJS.Timeout | null = null;
	#ticking = false;
	#prunedAt = 0;
	readonly #inFlight = new Set<Promise<unknown>>();
	/** Charges whose check is under way in this instance. */
	readonly #checking = new Set<string>();
	#stopped = false;

	constructor(o: ChargeWorkerOptions) {
		this.#options = o;
	}

	get running(): boolean {
		return this.#timer !== null;
	}

	/** Starts ticking: resumes every non-final charge, also after a restart. */
	start(tickMs = Math.min(250, this.#options.pollIntervalMs)): void {
		if (this.#timer) return;
		this.#stopped = false;
		this.#timer = setInterval(
			() =>
				void this.tick().catch((e: Error) =>
					this.#options.log(`[worker] tick failed: ${e.message}`)
				),
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

	/** Forgets payment-code claims older than the reuse window; returns how many went. */
	async pruneClaims(now = this.#options.now()): Promise<number> {
		this.#prunedAt = now;
		const r = await this.#options.store.db
			.deleteFrom('auth_code_claims')
			.where('claimed_at', '<', now - this.#options.authCodeReuseWindowMs)
			.executeTakeFirst();
		return Number(r.numDeletedRows);
	}

	/** One pass over the charges that are due a check; returns how many were due. */
	async tick(): Promise<number> {
		if (this.#ticking) return 0;
		this.#ticking = true;
		try {
			const now = this.#options.now();
			if (now - this.#prunedAt >= PRUNE_EVERY_MS)
				await this.pruneClaims(now).catch((e: Error) =>
					this.#options.log(`[worker] pruning payment-code claims failed: ${e.message}`)
				);
			const room = MAX_CHECKS_IN_FLIGHT - this.#checking.size;
			if (room <= 0) return 0;
			const due = await this.#options.store.db
				.selectFrom('charges')
				.select(['id'])
				.where('next_check_at', '<=', now)
				.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
				.orderBy('next_check_at')
				.limit(Math.min(50, room))
				.execute();
			// Not awaited: one query hanging until its timeout must not hold back the others.
			for (const { id } of due) {
				if (this.#checking.has(id)) continue; // its lease ran out while still checked here
				this.#checking.add(id);
				void this.#track(this.#check(id))
					.catch((e: Error) =>
						this.#options.log(`[worker] check of charge ${id} failed: ${e.message}`, { charge: id })
					)
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

	/** Takes the lease on a due charge; false when it is not due or another instance has it. */
	async #lease(id: string, now: number): Promise<boolean> {
		const claim = await this.#options.store.db
			.updateTable('charges')
			.set({
				lease_owner: this.#options.instanceId,
				lease_until: now + this.#options.teegonTimeoutMs + 5000,
				// A holder whose lease ran out still has the old rev: its next write re-reads the
				// row, and sees that the lease is no longer its own to release.
				rev: sql<number>`rev + 1`
			})
			.where('id', '=', id)
			.where('next_check_at', '<=', now)
			.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
			.executeTakeFirst();
		return Number(claim.numUpdatedRows) === 1;
	}

	async #check(id: string): Promise<void> {
		if (this.#stopped) return;
		const { store } = this.#options;
		if (!(await this.#lease(id, this.#options.now()))) return;
		try {
			const charge = await store.byId(id);
			if (charge.state === 'pending' && !charge.charge_id) {
				// The process that was calling Teegon died (or its call never returned).
				await store.apply(
					id,
					{
						kind: 'unknown',
						reason: 'the charge call did not complete (server stopped); asking Teegon'
					},
					{ releaseLease: true, checked: true }
				);
				return;
			}
			await this.#ask(charge);
		} catch (e) {
			this.#options.log(`[worker] check of charge ${id} failed: ${(e as Error).message}`, {
				charge: id
			});
			// Try again later, not on every tick: a failure that lasts would otherwise spin.
			await store.db
				.updateTable('charges')
				.set({
					lease_owner: null,
					lease_until: null,
					next_check_at:
						this.#options.now() + Math.max(this.#options.pollIntervalMs, CHECK_RETRY_MS)
				})
				.where('id', '=', id)
				.where('lease_owner', '=', this.#options.instanceId)
				.execute();
		}
	}

	/**
	 * One status query and what follows from it. By charge id when Teegon gave one; by order_no
	 * when its reply was lost, so a charge it never created ends instead of staying unknown.
	 */
	async #ask(charge: Charge): Promise<void> {
		const { store, teegon } = this.#options;
		const byOrderNo = charge.charge_id === null;
		const outcome = await (
			byOrderNo
				? teegon.barcodePayStatusByOrderNo(charge.order_no)
				: teegon.barcodePayStatus(charge.charge_id!)
		).catch((e: Error): StatusOutcome => ({
			kind: 'unknown',
			reason: e.message,
			httpStatus: null,
			raw: null
		}));
		const obs = observeStatus(outcome, byOrderNo);
		const now = () => this.#options.now();
		if (obs) {
			const after = await store.apply(charge.id, obs, { checked: true });
			if (after.state === 'pending' && now() >= after.deadline_at)
				await store.apply(charge.id, { kind: 'deadline' }, { checked: true });
			else if (obs.kind === 'absent' && after.absent_since !== null) {
				const settled =
					now() - after.absent_since >= this.#options.absentSettleMs || now() >= after.deadline_at;
				if (settled)
					await store.apply(
						charge.id,
						{ kind: 'failed', code: 'not_at_teegon', reason: NOT_AT_TEEGON_REASON },
						{ checked: true }
					);
			}
		} else if (charge.state === 'pending' && now() >= charge.deadline_at) {
			// The query itself failed at the deadline: the outcome is not known, so not `failed`.
			const reason =
				outcome.kind === 'error'
					? outcome.error
					: outcome.kind === 'unknown'
						? outcome.reason
						: outcome.tradeStatus;
			await store.apply(charge.id, { kind: 'unknown', reason }, { checked: true });
		}
		await store.apply(charge.id, null, { releaseLease: true, checked: true });
	}
}
