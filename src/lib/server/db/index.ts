/**
 * Opens the database the configuration names: a SQLite file (better-sqlite3, WAL) or
 * PostgreSQL. The rest of the server sees one Kysely<Database> and never asks which.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type QueryResult } from 'kysely';
import pg from 'pg';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { migrate, pendingMigrations } from './migrations';
import type { Database } from './schema';
import { logError } from '../log';

export type DatabaseTarget =
	| { kind: 'sqlite'; file: string }
	| {
			kind: 'postgres';
			url: string;
			/** a schema to use instead of public (tests) */ schema?: string;
	  };

export interface Db {
	kind: DatabaseTarget['kind'];
	db: Kysely<Database>;
	/**
	 * SQLite: copies the database to `file` while it is in use (SQLite's online backup: a
	 * consistent copy, other connections go on writing). PostgreSQL: null (use pg_dump).
	 */
	backup: ((file: string) => Promise<void>) | null;
	/** Migrations not run on this database yet (MIGRATE_ON_START=off leaves them to the admin). */
	pendingMigrations(): Promise<string[]>;
	/** PostgreSQL only: the pool, for LISTEN/NOTIFY. */
	pool: pg.Pool | null;
	target: DatabaseTarget;
	/** SQLite file opened with `checkpointer: true`: the worker that checkpoints the WAL. */
	checkpointer: Checkpointer | null;
	/** SQLite only: runs compiled SQL synchronously on the connection (see SqliteDirect). */
	direct: SqliteDirect | null;
	/**
	 * Runs `fn` so that what it commits survives a power cut, not only a crash of the process:
	 * for writes that something outside relies on as soon as they are done (a charge stored
	 * before Teegon is called, a notification answered 200, sales acknowledged to a till).
	 * SQLite commits with `synchronous = NORMAL` (WAL): the commit is in the operating
	 * system's cache, and a power cut in the next seconds loses it. Within `fn` the connection
	 * commits with `FULL` (the log is synced first); a FULL commit also syncs every earlier
	 * commit's frames. PostgreSQL commits are synced anyway: `fn` just runs.
	 */
	durably<T>(fn: () => Promise<T>): Promise<T>;
	close(): Promise<void>;
}

/** Runs `fn` as it is: for engines whose commits are durable, and for tests. */
export const alreadyDurable = <T>(fn: () => Promise<T>): Promise<T> => fn();

/**
 * `Db.durably` for a SQLite connection: FULL while at least one `fn` runs. SQLite refuses to
 * change the level inside a transaction, so a change waits, through Kysely's connection queue,
 * for a transaction that holds the connection; changes are applied in the order they were
 * asked for, and each `fn` starts only once FULL is in force. So never call it from inside a
 * transaction on this connection: the change would wait for that very transaction. Wrap the
 * transaction instead (sales.ts).
 */
function sqliteDurably(file: SQLite.Database, db: Kysely<Database>): Db['durably'] {
	let depth = 0;
	let full: Promise<void> | null = null; // null: FULL is in force already
	let changes: Promise<void> = Promise.resolve();
	let queued = 0;
	// Applies the level now when nothing is queued and no transaction holds the connection (the
	// charge path: no promise hops before Teegon is called); otherwise queues it behind the
	// transaction and the changes before it. Null when it was applied at once.
	const change = (level: 'FULL' | 'NORMAL'): Promise<void> | null => {
		if (queued === 0 && !file.inTransaction) {
			if (file.open) file.pragma(`synchronous = ${level}`);
			return null;
		}
		queued++;
		const done = changes.then(async () => {
			if (!file.open) return;
			if (!file.inTransaction) file.pragma(`synchronous = ${level}`);
			else await sql.raw(`PRAGMA synchronous = ${level}`).execute(db);
		});
		changes = done.catch(() => undefined).finally(() => queued--); // a failure must not stop the rest
		return done;
	};
	return async <T>(fn: () => Promise<T>): Promise<T> => {
		if (depth++ === 0) {
			try {
				full = change('FULL');
			} catch (e) {
				full = Promise.reject(e);
			}
		}
		try {
			if (full) await full; // if FULL could not be set, fn does not run: nothing is written unsynced
			return await fn();
		} finally {
			// Left at FULL if this fails: slower, never less safe.
			if (--depth === 0) {
				try {
					const back = change('NORMAL');
					if (back) await back.catch(() => undefined);
				} catch {
					// as above
				}
			}
		}
	};
}

const pgTypes = {
	getTypeParser(oid: number, format?: 'text' | 'binary') {
		if (oid === 20 || oid === 1700) return (v: string) => Number(v);
		return pg.types.getTypeParser(oid, format);
	}
};

export function postgresPoolConfig(
	target: Extract<DatabaseTarget, { kind: 'postgres' }>
): pg.PoolConfig {
	return {
		connectionString: target.url,
		max: 10,
		types: pgTypes as pg.CustomTypesConfig,
		...(target.schema ? { options: `-c search_path=${target.schema}` } : {})
	};
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing
 * was the largest single cost of a charge in the profile. Cache them by SQL text.
 */
function withStatementCache(file: SQLite.Database) {
	const cache = new Map<string, SQLite.Statement>();
	return {
		close: () => {
			cache.clear();
			file.close();
		},
		prepare: (query: string) => {
			let stmt = cache.get(query);
			if (!stmt) {
				stmt = file.prepare(query);
				if (cache.size > 500) cache.clear();
				cache.set(query, stmt);
			}
			return stmt;
		}
	};
}

/**
 * SQL that Kysely compiled, run on the SQLite connection at once. better-sqlite3 is
 * synchronous: Kysely's executor wraps each statement in a connection mutex and several
 * awaits, which in the charge benchmark cost 40–50 µs per statement, more than the statement
 * itself. The SQL is the same Kysely SQL (nothing is written per engine); only the call differs.
 */
export interface SqliteDirect {
	/**
	 * Runs the statement now and returns what Kysely's SQLite driver would; null while a Kysely
	 * transaction holds the connection (a statement run now would join that transaction, and
	 * be rolled back with it): the caller then goes through Kysely, which waits its turn.
	 */
	execute<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> | null;
}

function sqliteDirect(
	file: SQLite.Database,
	prepare: (sql: string) => SQLite.Statement
): SqliteDirect {
	return {
		execute<R>(query: string, parameters: readonly unknown[]): QueryResult<R> | null {
			if (file.inTransaction) return null;
			const stmt = prepare(query);
			if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
			const { changes, lastInsertRowid } = stmt.run(parameters);
			return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
		}
	};
}

export async function openDatabase(
	target: DatabaseTarget,
	opts: {
		migrate?: boolean;
		/**
		 * SQLite file: checkpoint the WAL from a worker thread instead of inside commits
		 * (checkpointer.ts). For the long-running server; scripts and tests do without.
		 */
		checkpointer?: boolean;
	} = {}
): Promise<Db> {
	let db: Kysely<Database>;
	let pool: pg.Pool | null = null;
	let checkpointer: Checkpointer | null = null;
	let direct: SqliteDirect | null = null;
	let durably: Db['durably'] = alreadyDurable;
	let backup: Db['backup'] = null;
	if (target.kind === 'sqlite') {
		if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
		const file = new SQLite(target.file);
		file.pragma('journal_mode = WAL');
		file.pragma('synchronous = NORMAL'); // FULL where it matters: see Db.durably
		file.pragma('busy_timeout = 5000');
		file.pragma('foreign_keys = ON');
		// After a checkpoint lets the log start over, trim the file back to this size.
		file.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
		if (opts.checkpointer && target.file !== ':memory:')
			checkpointer = startCheckpointer(file, target.file);
		const cached = withStatementCache(file);
		direct = sqliteDirect(file, cached.prepare);
		db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
		durably = sqliteDurably(file, db);
		backup = async (dest) => {
			await file.backup(dest);
		};
	} else {
		if (target.schema) {
			if (!/^[a-z_][a-z0-9_]*$/.test(target.schema))
				throw new Error(`bad schema name ${target.schema}`);
			const admin = new pg.Client({ connectionString: target.url });
			await admin.connect();
			try {
				await admin.query(`CREATE SCHEMA IF NOT EXISTS ${target.schema}`);
			} finally {
				await admin.end();
			}
		}
		pool = new pg.Pool(postgresPoolConfig(target));
		// An idle client's error (server restart) must not crash the process.
		pool.on('error', (err) => logError(`[db] idle PostgreSQL client error: ${err.message}`));
		// A client Kysely has checked out (a transaction between two statements, say) emits its
		// connection's loss as an 'error' event with no listener: that ended the process when
		// PostgreSQL restarted. Its query fails on its own; the event only needs a listener.
		pool.on('connect', (client) =>
			client.on('error', (err) => logError(`[db] PostgreSQL connection lost: ${err.message}`))
		);
		db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
	}
	// On PostgreSQL, name the schema in use (search_path may point elsewhere than public).
	const schema =
		target.kind === 'postgres'
			? (target.schema ??
				(await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]?.s)
			: undefined;
	if (opts.migrate !== false) await migrate(db as Kysely<unknown>, schema);
	return {
		kind: target.kind,
		db,
		pendingMigrations: () => pendingMigrations(db as Kysely<unknown>, schema),
		backup,
		pool,
		target,
		checkpointer,
		direct,
		durably,
		async close() {
			await checkpointer?.stop();
			await db.destroy();
		}
	};
}

/** True when an error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(err: unknown): boolean {
	if (!err || typeof err !== 'object') return false;
	const e = err as { code?: string };
	return (
		e.code === '23505' ||
		e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
		e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
	);
}

export { sql };
