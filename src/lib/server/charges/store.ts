/**
 * The charges table as the charge service, the worker and the notification receiver share
 * it: lookups, and every change through `apply`, with optimistic concurrency (`rev`), the
 * next check scheduled and long polls woken.
 */
import type { LogFn } from '../log';
import { sql, type Kysely } from 'kysely';
import type { ChargeView } from '../../domain/charge';
import { formatYuan } from '../../domain/money';
import type { SqliteDirect } from '../db';
import { readFlags, withFlag } from '../db/flags';
import { PreparedQueries } from '../db/prepared';
import type { Charge, Database } from '../db/schema';
import type { ChargeEvents } from './events';
import { nextCheck, type CheckPolicy } from './schedule';
import { transition, type Observation } from './transition';
import { chargesSettled } from '../metrics';

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
		flags: readFlags(c.flags),
		created_at: new Date(c.created_at).toISOString(),
		deadline_at: new Date(c.deadline_at).toISOString()
	};
}

export interface ChargeStoreOptions {
	db: Kysely<Database>;
	/** Db.durably: new charges must outlive a power cut before Teegon is called. */
	durably: <T>(fn: () => Promise<T>) => Promise<T>;
	/** SQLite: the connection's direct executor (db/index.ts), for the hot statements. */
	direct: SqliteDirect | null;
	events: ChargeEvents;
	policy: CheckPolicy;
	instanceId: string;
	log: LogFn;
	now: () => number;
}

export interface ApplyOptions {
	/** Give up this instance's lease on the charge (its work on it is done). */
	releaseLease?: boolean;
	/** Count this as a check of Teegon (the `checks` column). */
	checked?: boolean;
	/** Ask about it again at once, whatever the schedule says (a notification to confirm). */
	checkNow?: boolean;
}

/** At most this many new charges share one durable commit. */
const MAX_BATCH = 64;

export class ChargeStore {
	readonly db: Kysely<Database>;
	readonly #options: ChargeStoreOptions;
	readonly #queries: PreparedQueries<Database>;
	/** New charges waiting for the next group commit (insertDurably). */
	#pending: { row: Charge; done: (inserted: boolean) => void; fail: (e: unknown) => void }[] = [];
	#flushScheduled = false;

	constructor(o: ChargeStoreOptions) {
		this.db = o.db;
		this.#options = o;
		this.#queries = new PreparedQueries(o.db, o.direct);
	}

	get queries(): PreparedQueries<Database> {
		return this.#queries;
	}

	/**
	 * Stores a new charge durably; false when a charge with its order_no exists already (a
	 * concurrent duplicate). Charges that arrive together share one commit: on SQLite a
	 * durable commit waits for the disk, and one per charge would queue every till behind it.
	 */
	insertDurably(row: Charge): Promise<boolean> {
		return new Promise((done, fail) => {
			this.#pending.push({ row, done, fail });
			if (this.#flushScheduled) return;
			this.#flushScheduled = true;
			// Once the requests that reached this point in this turn of the event loop are in.
			setImmediate(() => void this.#flush());
		});
	}

	async #flush(): Promise<void> {
		this.#flushScheduled = false;
		const batch = this.#pending.splice(0, MAX_BATCH);
		if (this.#pending.length) {
			this.#flushScheduled = true;
			setImmediate(() => void this.#flush());
		}
		const rows = batch.map((b) => b.row);
		const columns = Object.keys(rows[0]!).filter(
			(c) => c !== 'checks' && c !== 'rev'
		) as (keyof Charge)[];
		try {
			const inserted = await this.#options.durably(() =>
				this.#queries.run(
					`insert-charges:${rows.length}`,
					rows.flatMap((r) => columns.map((c) => r[c])),
					(args) =>
						this.db
							.insertInto('charges')
							.values(
								rows.map((_, i) =>
									Object.fromEntries(columns.map((c, j) => [c, args[i * columns.length + j]]))
								) as Charge[]
							)
							.onConflict((oc) => oc.column('order_no').doNothing())
							.returning('id')
				)
			);
			const stored = new Set(inserted.rows.map((r) => r.id));
			for (const b of batch) b.done(stored.has(b.row.id));
		} catch (e) {
			for (const b of batch) b.fail(e);
		}
	}

	async byOrderNo(orderNo: string): Promise<Charge | undefined> {
		const r = await this.#queries.run('charge-by-order-no', [orderNo], ([o]) =>
			this.db
				.selectFrom('charges')
				.selectAll()
				.where('order_no', '=', o as string)
		);
		return r.rows[0];
	}

	async byId(id: string): Promise<Charge> {
		const r = await this.#queries.run('charge-by-id', [id], ([i]) =>
			this.db
				.selectFrom('charges')
				.selectAll()
				.where('id', '=', i as string)
		);
		if (!r.rows[0]) throw new Error(`charge ${id} not found`);
		return r.rows[0];
	}

	/**
	 * Applies an observation, reschedules the worker and wakes waiters. A null observation
	 * only reschedules (and releases the lease). `known`: the row as last read or written by
	 * this caller, which saves a read when nobody changed it since.
	 */
	async apply(
		id: string,
		obs: Observation | null,
		opts: ApplyOptions = {},
		known?: Charge
	): Promise<Charge> {
		const { now: clock, instanceId, policy } = this.#options;
		for (let attempt = 0; ; attempt++) {
			const charge = attempt === 0 && known ? known : await this.byId(id);
			const now = clock();
			const change = obs ? transition(charge, obs, now) : null;
			const merged: Charge = { ...charge, ...change, updated_at: change ? now : charge.updated_at };
			const scheduled = nextCheck(merged, now, policy);
			const update = {
				...change,
				next_check_at: opts.checkNow && scheduled !== null ? now : scheduled,
				updated_at: merged.updated_at,
				// Only this instance's own lease: one that outlived it may be another's by now.
				...(opts.releaseLease && charge.lease_owner === instanceId
					? { lease_owner: null, lease_until: null }
					: {})
			};
			const columns = Object.keys(update).sort() as (keyof typeof update)[];
			const res = await this.#queries.run(
				`apply:${columns.join(',')}:${opts.checked ? 'checked' : ''}`,
				[...columns.map((c) => update[c]), id, charge.rev],
				(args) =>
					this.db
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
					if (change.state) this.#logChange(charge, change);
					await this.#options.events.publish(charge.order_no);
				}
				return after;
			}
			if (attempt > 20) throw new Error(`charge ${id}: too many concurrent updates`);
		}
	}

	#logChange(charge: Charge, change: Partial<Charge>): void {
		chargesSettled.inc({
			state: change.state!,
			failure_code: change.failure_code ?? '',
			late: change.late ? 'yes' : 'no'
		});
		const late = change.late ? ' (LATE: paid after the till gave up; refund it)' : '';
		const why = change.failure ? ` (${change.failure_code}: ${change.failure})` : '';
		this.#options.log(
			`[charge] order_no=${charge.order_no} ${charge.state} -> ${change.state}${late}${why}`,
			{
				order_no: charge.order_no,
				charge_id: change.charge_id ?? charge.charge_id,
				from: charge.state,
				to: change.state,
				...(change.failure_code ? { failure_code: change.failure_code } : {}),
				...(change.late ? { late: true } : {})
			}
		);
	}

	/** Adds a flag for the owner (idempotent: a replay that flags again changes nothing). */
	async flag(id: string, flag: string): Promise<void> {
		for (let attempt = 0; attempt < 20; attempt++) {
			const c = await this.db
				.selectFrom('charges')
				.select(['rev', 'flags', 'order_no'])
				.where('id', '=', id)
				.executeTakeFirstOrThrow();
			if (readFlags(c.flags).includes(flag)) return;
			const res = await this.db
				.updateTable('charges')
				.set({
					flags: withFlag(c.flags, flag),
					updated_at: this.#options.now(),
					rev: sql<number>`rev + 1`
				})
				.where('id', '=', id)
				.where('rev', '=', c.rev)
				.executeTakeFirst();
			if (Number(res.numUpdatedRows) === 1) {
				await this.#options.events.publish(c.order_no);
				return;
			}
		}
		// Not silently: a notification is then answered 500 and Teegon sends it again.
		throw new Error(`charge ${id}: could not flag ${flag}, too many concurrent updates`);
	}
}
