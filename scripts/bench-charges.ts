/**
 * `npm run bench:charges`: charges per second and server-added latency of POST /api/charges
 * on the built till (SQLite, live mode against the sandbox answering at once), against a
 * floor measured in the same run: a bare Node http handler that signs and forwards the same
 * request (scripts/bench/floor.ts). Needs `npm run build` first.
 *
 * Two phases, each alternating floor and till rounds in the same process:
 * - latency: one request at a time (BENCH_LATENCY_REQUESTS, default 500 per round), so the
 *   figures are what the server adds, not queueing;
 * - throughput: BENCH_CONCURRENCY (32) at once, BENCH_REQUESTS (3000) per round.
 * BENCH_ROUNDS (3) rounds of each.
 * Codes end in 06 (paid at once, no notification) so both sides do the same gateway work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/lib/server/db';
import { createTill } from '../src/lib/server/tills';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ID = 'bench-client';
const SECRET = 'bench-secret';

function startProcess(
	cmd: string,
	args: string[],
	env: Record<string, string>,
	ready: RegExp
): Promise<{ proc: ChildProcess; match: RegExpMatchArray }> {
	return new Promise((resolve, reject) => {
		const proc = spawn(cmd, args, {
			env: { ...process.env, ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let out = '';
		let started = false;
		// Once ready, output is drained and dropped: the till logs a line per Teegon call.
		const onData = (d: Buffer) => {
			if (started) return;
			out += d.toString();
			const m = out.match(ready);
			if (m) {
				started = true;
				resolve({ proc, match: m });
			}
		};
		proc.stdout!.on('data', onData);
		proc.stderr!.on('data', (d: Buffer) => {
			if (!started) out += d.toString();
		});
		proc.once('exit', (code) =>
			reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))
		);
	});
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(url: URL, body: string, token: string | null): Promise<number> {
	return new Promise((resolve, reject) => {
		const t0 = process.hrtime.bigint();
		const req = request(
			url,
			{
				method: 'POST',
				agent,
				headers: {
					'content-type': 'application/json',
					'content-length': Buffer.byteLength(body),
					...(token ? { authorization: `Bearer ${token}` } : {})
				}
			},
			(res) => {
				res.resume();
				res.on('end', () =>
					res.statusCode === 200
						? resolve(Number(process.hrtime.bigint() - t0) / 1e6)
						: reject(new Error(`HTTP ${res.statusCode}`))
				);
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

let seq = 0;
async function round(
	base: string,
	token: string | null,
	n: number,
	concurrency = CONCURRENCY
): Promise<{ latencies: number[]; seconds: number }> {
	const url = new URL('/api/charges', base);
	const latencies: number[] = [];
	let next = 0;
	const t0 = performance.now();
	const worker = async () => {
		while (next < n) {
			next++;
			const i = seq++;
			const code = `13${String(i).padStart(14, '0')}06`;
			const body = JSON.stringify({
				order_no: `B${process.pid}x${i}`,
				amount: '12.34',
				subject: '基准测试',
				auth_code: code
			});
			latencies.push(await post(url, body, token));
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return { latencies, seconds: (performance.now() - t0) / 1000 };
}

const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);

async function main() {
	if (!existsSync('build/index.js')) throw new Error('run `npm run build` first');
	const tsx = join('node_modules', '.bin', 'tsx');
	const sbEnv = { SANDBOX_CLIENT_ID: ID, SANDBOX_CLIENT_SECRET: SECRET };
	const sandbox = await startProcess(tsx, ['scripts/bench/quiet-sandbox.ts'], sbEnv, /READY (\S+)/);
	const gateway = sandbox.match[1]!;
	const teegonEnv = {
		TEEGON_CLIENT_ID: ID,
		TEEGON_CLIENT_SECRET: SECRET,
		TEEGON_BASE_URL: gateway
	};
	const floor = await startProcess(tsx, ['scripts/bench/floor.ts'], teegonEnv, /READY (\S+)/);
	const dbFile = join(mkdtempSync(join(tmpdir(), 'till-bench-')), 'till.db');
	const db = await openDatabase({ kind: 'sqlite', file: dbFile });
	const { token } = await createTill(db.db, { store: 'Bench', name: 'Till' });
	await db.close();
	const port = 4000 + Math.floor(Math.random() * 1000);
	const till = await startProcess(
		process.execPath,
		[...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), 'build'],
		{
			...teegonEnv,
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: `http://127.0.0.1:${port}`,
			PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
			DATABASE_URL: dbFile,
			AUTH_CODE_REUSE_SECONDS: '300'
		},
		/Listening on/
	);
	const tillUrl = `http://127.0.0.1:${port}`;
	const floorUrl = floor.match[1]!;
	try {
		console.log(`bench:charges — SQLite at ${dbFile}; sandbox answering at once (codes ending 06)`);
		await round(floorUrl, null, 300); // warm-up
		await round(tillUrl, token, 300);
		const row = (name: string, xs: number[], sec: number) =>
			`  ${name.padEnd(6)} ${(xs.length / sec).toFixed(0).padStart(6)} charges/s   median ${median(xs).toFixed(2).padStart(7)} ms   p99 ${pct(xs, 99).toFixed(2).padStart(7)} ms`;
		for (const phase of [
			{ name: 'latency (1 at a time)', n: LATENCY_REQUESTS, c: 1 },
			{ name: `throughput (${CONCURRENCY} at once)`, n: REQUESTS, c: CONCURRENCY }
		]) {
			const f: number[] = [];
			const t: number[] = [];
			let fSec = 0;
			let tSec = 0;
			for (let r = 0; r < ROUNDS; r++) {
				const a = await round(floorUrl, null, phase.n, phase.c);
				const b = await round(tillUrl, token, phase.n, phase.c);
				f.push(...a.latencies);
				t.push(...b.latencies);
				fSec += a.seconds;
				tSec += b.seconds;
			}
			console.log(`${phase.name}, ${ROUNDS} rounds × ${phase.n} charges each`);
			console.log(row('floor', f, fSec));
			console.log(row('till', t, tSec));
			console.log(
				`  ratio  till/floor median ${(median(t) / median(f)).toFixed(2)}×, p99 ${(pct(t, 99) / pct(f, 99)).toFixed(2)}×; till throughput ${(t.length / tSec / (f.length / fSec)).toFixed(2)}× the floor's`
			);
		}
	} finally {
		agent.destroy();
		await Promise.all(
			[till.proc, floor.proc, sandbox.proc].map(
				(p) =>
					new Promise<void>((resolve) => {
						if (p.exitCode !== null) return resolve();
						p.removeAllListeners('exit');
						p.once('exit', () => resolve());
						p.kill('SIGTERM');
					})
			)
		);
	}
}

main().catch((e: unknown) => {
	console.error(e);
	process.exit(1);
});
