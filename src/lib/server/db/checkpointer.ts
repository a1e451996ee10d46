/**
 * SQLite WAL checkpoints off the request path.
 *
 * In WAL mode SQLite copies the log back into the database file (a checkpoint) from inside
 * whichever commit pushes the log past `wal_autocheckpoint` pages, and that commit pays for
 * the copy and its fsync: with better-sqlite3 the whole event loop waits. In the charge
 * benchmark that was one charge in ~80 stalling for milliseconds, and ≈0.4 ms on the median.
 *
 * So the server's connection turns automatic checkpoints off, and a worker thread with its
 * own connection to the same file runs `wal_checkpoint(PASSIVE)` every `intervalMs`. PASSIVE
 * never blocks the writer or readers; once everything in the log is copied, the next write
 * starts the log over, and `journal_size_limit` trims the file.
 *
 * If the worker cannot start, stops, or its checkpoints keep failing, the main connection
 * takes automatic checkpoints back, so the log never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import { logWarn } from '../log';

export interface CheckpointerOptions {
	/** How often the worker checkpoints, ms. Default 250. */
	intervalMs?: number;
	/** The pragma the worker runs. Tests pass a failing one to see the fallback. */
	pragma?: string;
	log?: (line: string) => void;
}

export interface Checkpointer {
	/** True while the worker does the checkpoints (false after a fallback). */
	readonly active: boolean;
	/** Checkpoints the worker has run. */
	readonly runs: number;
	/** Asks the worker for one checkpoint now; resolves with SQLite's [busy, log, checkpointed]. */
	checkpointNow(): Promise<{ busy: number; log: number; checkpointed: number }>;
	/** Stops the worker (one last checkpoint first). */
	stop(): Promise<void>;
}

/** What the main connection checkpoints at when the worker is gone (SQLite's default). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 1000;
const FAILURES_BEFORE_FALLBACK = 5;

// CommonJS, evaluated in the worker: better-sqlite3 is passed as a resolved path, so the
// worker loads the same module the server does wherever the build runs from.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.module);
const db = new SQLite(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
function checkpoint(id) {
	try {
		const r = db.pragma(workerData.pragma)[0];
		parentPort.postMessage({ id, ok: true, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
	} catch (e) {
		parentPort.postMessage({ id, ok: false, error: String((e && e.message) || e) });
	}
}
const timer = setInterval(() => checkpoint(null), workerData.intervalMs);
parentPort.on('message', (m) => {
	if (m && m.type === 'now') return checkpoint(m.id);
	if (m && m.type === 'stop') {
		clearInterval(timer);
		checkpoint(null);
		db.close();
		parentPort.close();
	}
});
`;

interface Reply {
	id: number | null;
	ok: boolean;
	busy?: number;
	log?: number;
	checkpointed?: number;
	error?: string;
}

export function startCheckpointer(
	main: SQLite.Database,
	file: string,
	opts: CheckpointerOptions = {}
): Checkpointer {
	const log = opts.log ?? logWarn;
	const intervalMs = opts.intervalMs ?? 250;
	let active = false;
	let runs = 0;
	let failures = 0;
	let stopping = false;
	let nextId = 1;
	const waiting = new Map<
		number,
		{
			resolve: (r: { busy: number; log: number; checkpointed: number }) => void;
			reject: (e: Error) => void;
		}
	>();

	const fallback = (why: string) => {
		if (!active) return;
		active = false;
		try {
			main.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
		} catch {
			// the main connection is closed: nothing left to protect
		}
		for (const w of waiting.values()) w.reject(new Error(`checkpointer stopped: ${why}`));
		waiting.clear();
		if (!stopping) log(`[db] WAL checkpointer ${why}; the server's connection checkpoints again`);
	};

	let worker: Worker;
	try {
		worker = new Worker(WORKER_SOURCE, {
			eval: true,
			workerData: {
				module: createRequire(import.meta.url).resolve('better-sqlite3'),
				file,
				intervalMs,
				pragma: opts.pragma ?? 'wal_checkpoint(PASSIVE)'
			}
		});
	} catch (e) {
		log(`[db] WAL checkpointer could not start (${(e as Error).message}); checkpoints stay inline`);
		return {
			active: false,
			runs: 0,
			checkpointNow: () => Promise.reject(new Error('checkpointer not running')),
			stop: () => Promise.resolve()
		};
	}
	// Only once the worker runs does the main connection stop checkpointing by itself.
	main.pragma('wal_autocheckpoint = 0');
	active = true;
	worker.unref();
	worker.on('message', (m: Reply) => {
		if (m.ok) {
			runs++;
			failures = 0;
		} else if (++failures >= FAILURES_BEFORE_FALLBACK && active) {
			fallback(`failed ${failures} times (${m.error})`);
			void worker.terminate(); // given up on: it must not keep running, nor delay stop()
		}
		if (m.id === null) return;
		const w = waiting.get(m.id);
		waiting.delete(m.id);
		if (!w) return;
		if (m.ok) w.resolve({ busy: m.busy!, log: m.log!, checkpointed: m.checkpointed! });
		else w.reject(new Error(m.error));
	});
	worker.on('error', (e) => fallback(`failed (${e.message})`));
	let hasExited = false;
	const exited = new Promise<void>((resolve) =>
		worker.once('exit', (code) => {
			hasExited = true;
			fallback(`exited (code ${code})`);
			resolve();
		})
	);

	return {
		get active() {
			return active;
		},
		get runs() {
			return runs;
		},
		checkpointNow() {
			if (!active) return Promise.reject(new Error('checkpointer not running'));
			const id = nextId++;
			return new Promise((resolve, reject) => {
				waiting.set(id, { resolve, reject });
				worker.postMessage({ type: 'now', id });
			});
		},
		async stop() {
			if (stopping) return exited;
			stopping = true;
			if (!hasExited) worker.postMessage({ type: 'stop' });
			const timeout = setTimeout(() => void worker.terminate(), 5000);
			await exited;
			clearTimeout(timeout);
		}
	};
}
