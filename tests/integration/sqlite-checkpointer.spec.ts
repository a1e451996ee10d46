/**
 * The WAL checkpointer (src/lib/server/db/checkpointer.ts) on a real SQLite file: the
 * server's connection stops checkpointing inside commits, a worker thread does it instead,
 * and whenever the worker is gone the server's connection checkpoints again.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
	FALLBACK_AUTOCHECKPOINT_PAGES,
	startCheckpointer,
	type Checkpointer
} from '../../src/lib/server/db/checkpointer';
import { openDatabase, sql } from '../../src/lib/server/db';

function tempFile(): string {
	return join(mkdtempSync(join(tmpdir(), 'till-ckpt-')), 'till.db');
}

function openWal(file: string): SQLite.Database {
	const db = new SQLite(file);
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = NORMAL');
	db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
	return db;
}

function writeRows(db: SQLite.Database, n: number): void {
	const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
	// One commit per row, as the charge path commits.
	for (let i = 0; i < n; i++) insert.run('x'.repeat(500));
}

const autocheckpoint = (db: SQLite.Database) =>
	db.pragma('wal_autocheckpoint', { simple: true }) as number;

const opened: { db: SQLite.Database; ckpt: Checkpointer }[] = [];
afterEach(async () => {
	for (const o of opened.splice(0)) {
		await o.ckpt.stop();
		o.db.close();
	}
});

describe('WAL checkpointer', () => {
	it('takes checkpoints off the server connection and copies the log back from a worker', async () => {
		const file = tempFile();
		const db = openWal(file);
		const ckpt = startCheckpointer(db, file, { intervalMs: 60_000, log: () => {} });
		opened.push({ db, ckpt });
		expect(ckpt.active).toBe(true);
		expect(autocheckpoint(db)).toBe(0);

		// Well past SQLite's 1000-page automatic threshold: nothing inline copied it back.
		writeRows(db, 3000);
		const walPages = statSync(`${file}-wal`).size / 4096;
		expect(walPages).toBeGreaterThan(FALLBACK_AUTOCHECKPOINT_PAGES);

		const r = await ckpt.checkpointNow();
		expect(r.busy).toBe(0);
		expect(r.log).toBeGreaterThan(FALLBACK_AUTOCHECKPOINT_PAGES);
		expect(r.checkpointed).toBe(r.log);
		// A reader on a fresh connection sees every row through the database file.
		const other = new SQLite(file, { readonly: true });
		expect(other.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3000 });
		other.close();

		// With everything copied, the next commit starts the log over instead of growing it.
		writeRows(db, 10);
		const again = await ckpt.checkpointNow();
		expect(again.log).toBeLessThan(50);
	});

	it('checkpoints on its own timer', async () => {
		const file = tempFile();
		const db = openWal(file);
		const ckpt = startCheckpointer(db, file, { intervalMs: 20, log: () => {} });
		opened.push({ db, ckpt });
		writeRows(db, 200);
		const until = Date.now() + 5000;
		while (ckpt.runs < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
		expect(ckpt.runs).toBeGreaterThanOrEqual(3);
	});

	it('gives checkpoints back to the server connection when it stops', async () => {
		const file = tempFile();
		const db = openWal(file);
		const ckpt = startCheckpointer(db, file, { intervalMs: 60_000, log: () => {} });
		opened.push({ db, ckpt });
		expect(autocheckpoint(db)).toBe(0);
		await ckpt.stop();
		expect(ckpt.active).toBe(false);
		expect(autocheckpoint(db)).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
		await expect(ckpt.checkpointNow()).rejects.toThrow(/not running/);
	});

	it('falls back, and says so, when the worker cannot open the database', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'till-ckpt-'));
		const db = openWal(join(dir, 'real.db'));
		const lines: string[] = [];
		// The worker is pointed at a file that does not exist (fileMustExist): it dies at start.
		const ckpt = startCheckpointer(db, join(dir, 'missing.db'), {
			intervalMs: 60_000,
			log: (l) => lines.push(l)
		});
		opened.push({ db, ckpt });
		const until = Date.now() + 5000;
		while (ckpt.active && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
		expect(ckpt.active).toBe(false);
		expect(autocheckpoint(db)).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
		expect(lines.join('\n')).toMatch(/checkpointer failed .*checkpoints again/);
	});

	it('gives up after five failed checkpoints: inline checkpoints again, worker gone', async () => {
		const file = tempFile();
		const db = openWal(file);
		const lines: string[] = [];
		const ckpt = startCheckpointer(db, file, {
			intervalMs: 10,
			pragma: 'no_such_pragma_to_fail(1)',
			log: (l) => lines.push(l)
		});
		opened.push({ db, ckpt });
		const until = Date.now() + 5000;
		while (ckpt.active && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
		expect(ckpt.active).toBe(false);
		expect(autocheckpoint(db)).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
		expect(lines.join('\n')).toMatch(/failed 5 times/);
		// The worker was terminated: stopping does not wait for it.
		const started = Date.now();
		await ckpt.stop();
		expect(Date.now() - started).toBeLessThan(1000);
	});

	it('runs under the server database and stops with it', async () => {
		const file = tempFile();
		const db = await openDatabase({ kind: 'sqlite', file }, { checkpointer: true });
		expect(db.checkpointer?.active).toBe(true);
		await sql`SELECT 1`.execute(db.db);
		const r = await db.checkpointer!.checkpointNow();
		expect(r.busy).toBe(0);
		await db.close();
		expect(db.checkpointer?.active).toBe(false);
		// Scripts and tests open without one.
		const plain = await openDatabase({ kind: 'sqlite', file });
		expect(plain.checkpointer).toBeNull();
		await plain.close();
	});
});
