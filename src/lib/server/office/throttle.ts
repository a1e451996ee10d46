/**
 * Failed sign-ins counted per key ('login:<name>', 'addr:<ip>', later 'pin:<till>:<staff>'),
 * in the database, so every instance on PostgreSQL counts the same failures and a restart
 * forgets nothing. A key with `limit` failures inside `windowMs` is locked for `lockMs`.
 * Per account and per address both: one address guessing many accounts, and many addresses
 * guessing one account, are each stopped (every till of a shop shares one address, so the
 * address limit is the looser one).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export interface ThrottleRule {
	limit: number;
	windowMs: number;
	lockMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = { limit: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
export const ADDRESS_RULE: ThrottleRule = { limit: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export class Throttle {
	constructor(
		private readonly db: Kysely<Database>,
		private readonly now: () => number = Date.now
	) {}

	/** Milliseconds until the key may try again; 0 if it may now. */
	async retryAfterMs(key: string): Promise<number> {
		const row = await this.db
			.selectFrom('auth_throttle')
			.select('locked_until')
			.where('key', '=', key)
			.executeTakeFirst();
		const until = row?.locked_until ? Number(row.locked_until) : 0;
		return Math.max(0, until - this.now());
	}

	/** Counts a failure; returns the lock's length in ms if this failure locked the key. */
	async fail(key: string, rule: ThrottleRule): Promise<number> {
		const now = this.now();
		return this.db.transaction().execute(async (tx) => {
			const row = await tx
				.selectFrom('auth_throttle')
				.selectAll()
				.where('key', '=', key)
				.executeTakeFirst();
			const fresh = !row || now - Number(row.window_start) > rule.windowMs;
			const failures = fresh ? 1 : Number(row.failures) + 1;
			const locked = failures >= rule.limit ? now + rule.lockMs : null;
			const values = {
				failures: locked ? 0 : failures,
				window_start: fresh || locked ? now : Number(row.window_start),
				locked_until: locked
			};
			await tx
				.insertInto('auth_throttle')
				.values({ key, ...values })
				.onConflict((oc) => oc.column('key').doUpdateSet(values))
				.execute();
			return locked ? rule.lockMs : 0;
		});
	}

	async clear(key: string): Promise<void> {
		await this.db.deleteFrom('auth_throttle').where('key', '=', key).execute();
	}
}
