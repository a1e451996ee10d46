/**
 * The direct SQLite executor behind PreparedQueries (db/index.ts SqliteDirect): the same
 * results as Kysely's driver, and never inside somebody else's open transaction.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, sql } from '../../src/lib/server/db';
import { PreparedQueries } from '../../src/lib/server/db/prepared';

const fresh = () => ({
	kind: 'sqlite' as const,
	file: join(mkdtempSync(join(tmpdir(), 'till-direct-')), 'till.db')
});

describe('SQLite direct execution', () => {
	it('answers as Kysely’s driver does, for reads and writes', async () => {
		const db = await openDatabase(fresh());
		try {
			const q = new PreparedQueries(db.db, db.direct);
			const insert = (id: string) =>
				q.run('insert-store', [id, `Store ${id}`, 1], ([i, n, c]) =>
					db.db
						.insertInto('stores')
						.values({ id: i as string, name: n as string, created_at: c as number })
				);
			const viaDirect = await insert('a');
			const viaKysely = await new PreparedQueries(db.db).run(
				'insert-store',
				['b', 'Store b', 1],
				([i, n, c]) =>
					db.db
						.insertInto('stores')
						.values({ id: i as string, name: n as string, created_at: c as number })
			);
			expect(viaDirect.numAffectedRows).toBe(1n);
			expect(Object.keys(viaDirect).sort()).toEqual(Object.keys(viaKysely).sort());
			const read = await q.run('store-by-id', ['a'], ([i]) =>
				db.db
					.selectFrom('stores')
					.select(['id', 'name'])
					.where('id', '=', i as string)
			);
			expect(read.rows).toEqual([{ id: 'a', name: 'Store a' }]);
			// A constraint error reaches the caller as a rejection, as through Kysely.
			await expect(insert('a')).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
		} finally {
			await db.close();
		}
	});

	it('waits for an open transaction instead of joining it', async () => {
		const db = await openDatabase(fresh());
		try {
			const q = new PreparedQueries(db.db, db.direct);
			let release!: () => void;
			const held = new Promise<void>((r) => (release = r));
			let started!: () => void;
			const inside = new Promise<void>((r) => (started = r));
			const tx = db.db
				.transaction()
				.execute(async (trx) => {
					await trx
						.insertInto('stores')
						.values({ id: 'tx', name: 'in tx', created_at: 1 })
						.execute();
					started();
					await held;
					throw new Error('roll back');
				})
				.catch((e: Error) => e.message);
			await inside;
			expect(db.direct!.execute('SELECT 1 AS one', [])).toBeNull();
			// Issued while the transaction is open: must not become part of it.
			const outside = q.run('insert-store', ['outside', 'outside', 1], ([i, n, c]) =>
				db.db
					.insertInto('stores')
					.values({ id: i as string, name: n as string, created_at: c as number })
			);
			release();
			expect(await tx).toBe('roll back');
			await outside;
			const ids = await sql<{ id: string }>`SELECT id FROM stores ORDER BY id`.execute(db.db);
			expect(ids.rows.map((r) => r.id)).toEqual(['outside']);
		} finally {
			await db.close();
		}
	});
});

describe('SQLite durable writes (Db.durably)', () => {
	it('waits for a transaction that holds the connection (SQLite refuses the change inside one)', async () => {
		const db = await openDatabase(fresh());
		try {
			let release!: () => void;
			const held = new Promise<void>((r) => (release = r));
			let entered!: () => void;
			const inside = new Promise<void>((r) => (entered = r));
			const trx = db.db.transaction().execute(async (t) => {
				await t.insertInto('stores').values({ id: 't', name: 'T', created_at: 1 }).execute();
				entered();
				await held;
			});
			await inside;
			const seen: number[] = [];
			const durable = db.durably(async () => {
				seen.push(
					(await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db.db)).rows[0]!
						.synchronous
				);
				await db.db.insertInto('stores').values({ id: 'd', name: 'D', created_at: 1 }).execute();
			});
			await new Promise((r) => setTimeout(r, 50));
			expect(seen).toEqual([]); // not started: FULL is not in force yet
			release();
			await trx;
			await durable;
			expect(seen).toEqual([2]);
			const level = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db.db);
			expect(level.rows[0]!.synchronous).toBe(1);
		} finally {
			await db.close();
		}
	});

	it('with nothing queued, fn starts at once, under FULL (no promise hops before it)', async () => {
		const db = await openDatabase(fresh());
		try {
			let started = false;
			const done = db.durably(async () => {
				started = true;
				return (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db.db)).rows[0]!
					.synchronous;
			});
			expect(started).toBe(true); // in the same turn as the call
			expect(await done).toBe(2);
		} finally {
			await db.close();
		}
	});

	it('a change queued behind a transaction and the ones made at once keep their order', async () => {
		const db = await openDatabase(fresh());
		const level = async () =>
			(await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db.db)).rows[0]!.synchronous;
		try {
			let release!: () => void;
			const held = new Promise<void>((r) => (release = r));
			let entered!: () => void;
			const inside = new Promise<void>((r) => (entered = r));
			const trx = db.db.transaction().execute(async () => {
				entered();
				await held;
			});
			await inside;
			const seen: string[] = [];
			const queued = db.durably(async () => {
				seen.push(`queued ${await level()}`);
			});
			release();
			await trx;
			// Asked for while the queued FULL (and the NORMAL after it) may still be pending.
			const next = db.durably(async () => {
				seen.push(`next ${await level()}`);
			});
			await Promise.all([queued, next]);
			expect(seen.sort()).toEqual(['next 2', 'queued 2']);
			expect(await level()).toBe(1);
			// Nothing queued now: applied at once, and back to NORMAL when it ends.
			await db.durably(async () => {
				seen.push(`direct ${await level()}`);
			});
			expect(seen).toContain('direct 2');
			expect(await level()).toBe(1);
		} finally {
			await db.close();
		}
	});

	it('commits with synchronous = FULL within, NORMAL outside, also when writes overlap or fail', async () => {
		const db = await openDatabase(fresh());
		// 1 = NORMAL, 2 = FULL
		const level = async () =>
			(await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db.db)).rows[0]!.synchronous;
		try {
			expect(await level()).toBe(1);
			let release!: () => void;
			const held = new Promise<void>((r) => (release = r));
			const first = db.durably(async () => {
				expect(await level()).toBe(2);
				await held;
				await db.db.insertInto('stores').values({ id: 'a', name: 'A', created_at: 1 }).execute();
			});
			// A second durable write that ends first must not turn FULL off under the first.
			await db.durably(async () => {
				await db.db.insertInto('stores').values({ id: 'b', name: 'B', created_at: 1 }).execute();
			});
			expect(await level()).toBe(2);
			release();
			await first;
			expect(await level()).toBe(1);
			await expect(
				db.durably(async () => {
					throw new Error('refused');
				})
			).rejects.toThrow('refused');
			expect(await level()).toBe(1);
			expect(await db.db.selectFrom('stores').select('id').orderBy('id').execute()).toEqual([
				{ id: 'a' },
				{ id: 'b' }
			]);
		} finally {
			await db.close();
		}
	});
});
