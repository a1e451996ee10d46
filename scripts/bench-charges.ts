/**
 * `npm run bench:charges`: charges per second and server-added latency of POST /api/charges
 * on the built till (SQLite, live mode against the sandbox answering at once), against a
 * floor measured in the same run: a bare Node http handler that signs and forwards the same
 * request (scripts/bench/floor.ts). Needs `npm run build` first.
 *
 * Settings: BENCH_REQUESTS (per round, default 3000), BENCH_CONCURRENCY (32), BENCH_ROUNDS (3).
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
		const onData = (d: Buffer) => {
			out += d.toString();
			const m = out.match(ready);
			if (m) resolve({ proc, match: m });
		};
		proc.stdout!.on('data', onData);
		proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
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
	n: number
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
	await Promise.all(Array.from({ length: CONCURRENCY }, worker));
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
		['build'],
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
		console.log(
			`bench:charges — ${ROUNDS} rounds × ${REQUESTS} charges, ${CONCURRENCY} concurrent, SQLite at ${dbFile}`
		);
		await round(floorUrl, null, 300); // warm-up
		await round(tillUrl, token, 300);
		const f: number[] = [],
			t: number[] = [];
		let fSec = 0,
			tSec = 0;
		for (let r = 0; r < ROUNDS; r++) {
			const a = await round(floorUrl, null, REQUESTS);
			const b = await round(tillUrl, token, REQUESTS);
			f.push(...a.latencies);
			t.push(...b.latencies);
			fSec += a.seconds;
			tSec += b.seconds;
			console.log(
				`  round ${r + 1}: floor ${(REQUESTS / a.seconds).toFixed(0)}/s median ${median(a.latencies).toFixed(2)} ms; till ${(REQUESTS / b.seconds).toFixed(0)}/s median ${median(b.latencies).toFixed(2)} ms`
			);
		}
		const row = (name: string, xs: number[], sec: number) =>
			`${name.padEnd(6)} ${(xs.length / sec).toFixed(0).padStart(6)} charges/s   median ${median(xs).toFixed(2).padStart(6)} ms   p99 ${pct(xs, 99).toFixed(2).padStart(6)} ms`;
		console.log(row('floor', f, fSec));
		console.log(row('till', t, tSec));
		console.log(
			`ratio  till/floor median latency ${(median(t) / median(f)).toFixed(2)}×, p99 ${(pct(t, 99) / pct(f, 99)).toFixed(2)}×; throughput ${(t.length / tSec / (f.length / fSec)).toFixed(2)}× of the floor`
		);
	} finally {
		for (const p of [till.proc, floor.proc, sandbox.proc]) p.kill('SIGTERM');
		agent.destroy();
	}
}

main().catch((e: unknown) => {
	console.error(e);
	process.exit(1);
});
