/**
 * `npm run bench:charges`: charges per second and server-added latency of POST /api/charges
 * on the built till (SQLite, live mode against the sandbox answering at once), against a
 * floor measured in the same run: a bare Node http handler that signs and forwards the same
 * request (scripts/bench/floor.ts). Needs `npm run build` first.
 *
 * BENCH_PROCESSES (3) floor processes and as many till processes (each its own SQLite file),
 * their samples pooled. Two phases, floor and till rounds taking turns, driven from this process:
 * - latency: one request at a time (BENCH_LATENCY_REQUESTS, default 500 per round), so the
 *   figures are what the server adds, not queueing;
 * - throughput: BENCH_CONCURRENCY (32) at once, BENCH_REQUESTS (3000) per round.
 * BENCH_ROUNDS (3) rounds of each per process. BENCH_PROFILE=1: the first till writes a CPU
 * profile to /tmp/prof. BENCH_DIR: where the SQLite files go (default the system temp folder).
 * Codes end in 06 (paid at once, no notification) so both sides do the same gateway work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/lib/server/db';
import { createTill } from '../src/lib/server/tills';
import { freePort } from '../tests/helpers/server';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3);
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

interface Server {
	kind: 'floor' | 'till' | 'till B';
	url: string;
	proc: ChildProcess;
	token: string | null;
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
					accept: 'application/json', // as the till sends it; the fast path needs it
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

function get(url: URL, token: string | null): Promise<void> {
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{ agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
			(res) => {
				res.resume();
				res.on('end', () =>
					res.statusCode === 200
						? resolve()
						: reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))
				);
			}
		);
		req.on('error', reject);
		req.end();
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
	// Several processes of each: one till process can run 10–20 % slower than another for its
	// whole life (measured here: the same build, same settings), so one of each would make the
	// ratio a draw. Their samples are pooled; each process's median is printed too.
	const servers: Server[] = [];
	try {
		const builds: [Server['kind'], string][] = [['till', 'build']];
		if (process.env.BENCH_COMPARE) builds.push(['till B', process.env.BENCH_COMPARE]);
		const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'till-bench-'));
		for (let i = 0; i < PROCESSES; i++) {
			const floor = await startProcess(tsx, ['scripts/bench/floor.ts'], teegonEnv, /READY (\S+)/);
			servers.push({ kind: 'floor', url: floor.match[1]!, proc: floor.proc, token: null });
			for (const [kind, build] of builds) {
				const dbFile = join(dir, `till-${kind === 'till' ? '' : 'b-'}${i}.db`);
				const db = await openDatabase({ kind: 'sqlite', file: dbFile });
				const { token } = await createTill(db.db, { store: 'Bench', name: `Till ${i}` });
				await db.close();
				const port = await freePort(); // not a guess: 4369 (RabbitMQ's epmd) was taken here
				const profile = process.env.BENCH_PROFILE && i === 0 && kind === 'till';
				const till = await startProcess(
					process.execPath,
					[...(profile ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), build],
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
				servers.push({ kind, url: `http://127.0.0.1:${port}`, proc: till.proc, token });
			}
		}
		console.log(
			`bench:charges — ${PROCESSES} till processes (SQLite files in ${dir}) and ${PROCESSES} floor ` +
				`processes; sandbox answering at once (codes ending 06)`
		);
		for (const sv of servers) {
			// A till in a shop has served its page and other API calls through SvelteKit before
			// the charges come: whatever that leaves switched on (kit's AsyncLocalStorage turns
			// on Node 20's promise hooks for the whole process) is on here too.
			if (sv.kind !== 'floor')
				for (const path of ['/', '/api/health', '/api/charges?limit=1'])
					await get(new URL(path, sv.url), sv.token);
			await round(sv.url, sv.token, 300); // warm-up
		}
		const row = (name: string, xs: number[], sec: number) =>
			`  ${name.padEnd(6)} ${(xs.length / sec).toFixed(0).padStart(6)} charges/s   median ${median(xs).toFixed(2).padStart(7)} ms   p99 ${pct(xs, 99).toFixed(2).padStart(7)} ms`;
		for (const phase of [
			{ name: 'latency (1 at a time)', n: LATENCY_REQUESTS, c: 1 },
			{ name: `throughput (${CONCURRENCY} at once)`, n: REQUESTS, c: CONCURRENCY }
		]) {
			const samples = new Map<Server, number[]>(servers.map((sv) => [sv, []]));
			const seconds = new Map<Server, number>(servers.map((sv) => [sv, 0]));
			for (let r = 0; r < ROUNDS; r++) {
				// Floor and till take turns, in an order that alternates from round to round.
				for (const sv of r % 2 ? [...servers].reverse() : servers) {
					const res = await round(sv.url, sv.token, phase.n, phase.c);
					samples.get(sv)!.push(...res.latencies);
					seconds.set(sv, seconds.get(sv)! + res.seconds);
				}
			}
			const pooled = (kind: Server['kind']) => {
				const of = servers.filter((sv) => sv.kind === kind);
				return {
					xs: of.flatMap((sv) => samples.get(sv)!),
					sec: of.reduce((n, sv) => n + seconds.get(sv)!, 0),
					medians: of.map((sv) => median(samples.get(sv)!).toFixed(2)).join(' ')
				};
			};
			const f = pooled('floor');
			const t = pooled('till');
			console.log(`${phase.name}, ${ROUNDS} rounds × ${phase.n} charges per process`);
			console.log(`${row('floor', f.xs, f.sec)}   per process ${f.medians}`);
			console.log(`${row('till', t.xs, t.sec)}   per process ${t.medians}`);
			const ratio = (label: string, t: ReturnType<typeof pooled>) =>
				console.log(
					`  ratio  ${label}/floor median ${(median(t.xs) / median(f.xs)).toFixed(2)}×, p99 ${(pct(t.xs, 99) / pct(f.xs, 99)).toFixed(2)}×; ${label} throughput ${(t.xs.length / t.sec / (f.xs.length / f.sec)).toFixed(2)}× the floor's`
				);
			ratio('till', t);
			if (process.env.BENCH_COMPARE) {
				const b = pooled('till B');
				console.log(`${row('till B', b.xs, b.sec)}   per process ${b.medians}`);
				ratio('till B', b);
			}
		}
	} finally {
		agent.destroy();
		await Promise.all(
			[...servers.map((sv) => sv.proc), sandbox.proc].map(
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
