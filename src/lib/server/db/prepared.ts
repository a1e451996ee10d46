/**
 * Kysely builds and compiles every query anew: in the charge benchmark's profile that was a
 * quarter of the server's busy time. A query whose shape never changes is built here once,
 * with sentinel values in place of its arguments; afterwards the cached SQL text runs with the
 * real values in the sentinels' places. Values the builder put in itself stay as compiled.
 * The SQL is still Kysely's, compiled for the engine in use: nothing is hand-written per engine.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { SqliteDirect } from './index';

type Slot = { arg: number } | { value: unknown };
interface Prepared {
	sql: string;
	slots: Slot[];
}

const sentinel = (i: number) => `\u0000prepared-arg-${i}\u0000`;

export class PreparedQueries<DB> {
	readonly #db: Kysely<DB>;
	readonly #direct: SqliteDirect | null;
	readonly #cache = new Map<string, Prepared>();

	/** `direct`: on SQLite, run the cached SQL on the connection at once (db/index.ts). */
	constructor(db: Kysely<DB>, direct: SqliteDirect | null = null) {
		this.#db = db;
		this.#direct = direct;
	}

	/**
	 * Runs the query `build` makes from `args`. `key` names the query's shape: two calls with
	 * the same key must build the same SQL (only the argument values may differ).
	 */
	run<R>(
		key: string,
		args: readonly unknown[],
		build: (args: readonly unknown[]) => Compilable<R>
	): Promise<QueryResult<R>> {
		let prepared = this.#cache.get(key);
		if (!prepared) {
			const sentinels = args.map((_, i) => sentinel(i));
			const compiled = build(sentinels).compile();
			const slots = compiled.parameters.map((p): Slot => {
				const i = typeof p === 'string' ? sentinels.indexOf(p) : -1;
				return i >= 0 ? { arg: i } : { value: p };
			});
			const used = new Set(slots.flatMap((s) => ('arg' in s ? [s.arg] : [])));
			if (used.size !== args.length)
				throw new Error(`prepared query ${key}: an argument is not a plain parameter`);
			prepared = { sql: compiled.sql, slots };
			this.#cache.set(key, prepared);
		}
		const parameters = prepared.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
		if (this.#direct) {
			try {
				const result = this.#direct.execute<R>(prepared.sql, parameters);
				if (result) return Promise.resolve(result);
			} catch (e) {
				return Promise.reject(e as Error);
			}
		}
		return this.#db.executeQuery<R>(CompiledQuery.raw(prepared.sql, parameters));
	}
}
