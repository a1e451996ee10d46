/**
 * `npm run bench:charges`: POST /api/charges through SvelteKit on the built till (`server.js`,
 * SQLite file, live mode against the sandbox answering at once), three ways:
 * - 50 tills at 500 charges/s in all (BENCH_TILLS, BENCH_RATE), each till its own token and
 *   connection, for BENCH_SECONDS (10): the latency each till sees, counted from when its
 *   charge was due (a late send counts), and what the server adds to it: the time the till
 *   saw minus the time the server's own Teegon call took (read from the server's log);
 * - the same 50 tills as fast as they can (each sends its next charge on the answer): the
 *   most charges per second;
 * - one at a time (BENCH_SEQUENTIAL, 500 per side, in turns): the till's median against a
 *   floor in the same run, a bare Node handler that signs and forwards the same request with
 *   the same Teegon client (scripts/bench/floor.ts).
 * Targets (docs/benchmarks.md): 500 charges/s from 50 tills with p99 added ≤ 10 ms; one at a
 * time, the median within 3× the floor's. Codes end in 06 (paid at once, no notification).
 * Needs `npm run build` first. The load, the sandbox, the floor and the till share the machine.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/lib/server/db';
import { createTill } from '../src/lib/server/tills';
import { freePort, startProcess, stop } from './bench/processes';
import { describe, median, percentile } from './bench/stats';

const TILLS = Number(process.env.BENCH_TILLS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const ID = 'bench-client';
const SECRET = 'bench-secret';

if (!existsSync('build/index.js')) {
	console.error('build/ is missing: run `npm run build` first');
	process.exit(1);
}

const children: ChildProcess[] = [];
const env = { TEEGON_CLIENT_ID: ID, TEEGON_CLIENT_SECRET: SECRET };

const sandbox = await startProcess(
	process.execPath,
	['--import', 'tsx', 'scripts/bench/quiet-sandbox.ts'],
	{ SANDBOX_CLIENT_ID: ID, SANDBOX_CLIENT_SECRET: SECRET },
	/READY (\S+)/
);
children.push(sandbox.proc);
const gateway = sandbox.match[1]!;

// The till's database, with one till (and token) per simulated counter.
const dbFile = join(
	mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'bench-charges-')),
	'till.db'
);
const db = await openDatabase({ kind: 'sqlite', file: dbFile });
const tokens: string[] = [];
for (let i = 0; i < TILLS; i++)
	tokens.push((await createTill(db.db, { store: '基准店', name: `${i + 1}号收银台` })).token);
await db.close();

/** The till's own time for each Teegon charge call, by order_no, read from its log. */
const teegonMs = new Map<string, number>();
const port = await freePort();
const till = await startProcess(
	process.execPath,
	// BENCH_PROFILE=DIR: the till writes a CPU profile there when it stops.
	[
		...(process.env.BENCH_PROFILE
			? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
			: []),
		'server.js'
	],
	{
		...env,
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: `http://127.0.0.1:${port}`,
		PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
		TEEGON_BASE_URL: gateway,
		DATABASE_URL: dbFile
	},
	/Listening on/,
	(line) => {
		if (!line.includes('"teegon":"charge"')) return;
		const entry = JSON.parse(line) as { order_no: string; ms: number };
		teegonMs.set(entry.order_no, entry.ms);
	}
);
children.push(till.proc);
const floor = await startProcess(
	process.execPath,
	['--import', 'tsx', 'scripts/bench/floor.ts'],
	{ ...env, TEEGON_BASE_URL: gateway },
	/READY (\S+)/
);
children.push(floor.proc);
const tillUrl = `http://127.0.0.1:${port}`;
const floorUrl = floor.match[1]!;

let seq = 0;
function chargeBody(): { order: string; body: string } {
	const i = seq++;
	const order = `B${process.pid}x${i}`;
	const body = JSON.stringify({
		order_no: order,
		amount: '12.34',
		subject: '基准测试',
		auth_code: `13${String(i).padStart(14, '0')}06`
	});
	return { order, body };
}

function post(base: string, agent: Agent, token: string | null, body: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const t0 = performance.now();
		const req = request(
			new URL('/api/charges', base),
			{
				method: 'POST',
				agent,
				headers: {
					'content-type': 'application/json',
					accept: 'application/json',
					'content-length': Buffer.byteLength(body),
					...(token ? { authorization: `Bearer ${token}` } : {})
				}
			},
			(res) => {
				res.resume();
				res.on('end', () =>
					res.statusCode === 200
						? resolve(performance.now() - t0)
						: reject(new Error(`HTTP ${res.statusCode}`))
				);
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

// Every till has served its page and asked who it is, as a till in a shop has before it charges.
const agents = tokens.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
await fetch(`${tillUrl}/`).then((r) => r.text());
for (const [i, token] of tokens.entries()) {
	await fetch(`${tillUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
	for (let k = 0; k < 5; k++) await post(tillUrl, agents[i]!, token, chargeBody().body);
}
const floorAgent = new Agent({ keepAlive: true, maxSockets: TILLS });
for (let k = 0; k < 200; k++) await post(floorUrl, floorAgent, null, chargeBody().body);

// --- 50 tills at once ---------------------------------------------------------------------
type Sample = { order: string; ms: number; sentLateMs: number };

/** Each till sends a charge every `intervalMs` (null: the next as soon as one is answered). */
async function load(base: string, withTokens: boolean, intervalMs: number | null) {
	const samples: Sample[] = [];
	let errors = 0;
	const t0 = performance.now();
	const end = t0 + SECONDS * 1000;
	await Promise.all(
		tokens.map(async (token, i) => {
			// Staggered, as tills in a shop are not in step.
			let due = t0 + (intervalMs === null ? 0 : (intervalMs * i) / tokens.length);
			while (due < end) {
				const wait = due - performance.now();
				if (wait > 0) await new Promise((r) => setTimeout(r, wait));
				const sentLateMs = Math.max(0, performance.now() - due);
				const { order, body } = chargeBody();
				try {
					const agent = withTokens ? agents[i]! : floorAgent;
					const ms = await post(base, agent, withTokens ? token : null, body);
					samples.push({ order, ms, sentLateMs });
				} catch {
					errors++;
				}
				due = intervalMs === null ? performance.now() : due + intervalMs;
			}
		})
	);
	return { samples, errors, seconds: (performance.now() - t0) / 1000 };
}

const paced = await load(tillUrl, true, (1000 * TILLS) / RATE);
const saturated = await load(tillUrl, true, null);
const floorSaturated = await load(floorUrl, false, null);
await new Promise((r) => setTimeout(r, 500)); // the till's last log lines
const addedBy = (samples: Sample[]) =>
	samples
		.filter((s) => teegonMs.has(s.order))
		.map((s) => Math.max(0, s.ms - teegonMs.get(s.order)!));

// --- one at a time -----------------------------------------------------------------------
const sequential = { till: [] as number[], floor: [] as number[] };
for (let i = 0; i < SEQUENTIAL; i++) {
	sequential.till.push(await post(tillUrl, agents[0]!, tokens[0]!, chargeBody().body));
	sequential.floor.push(await post(floorUrl, floorAgent, null, chargeBody().body));
}

const rate = (l: { samples: unknown[]; seconds: number }) =>
	(l.samples.length / l.seconds).toFixed(0).padStart(5);
const seen = (l: { samples: Sample[] }) => describe(l.samples.map((s) => s.ms + s.sentLateMs));
console.log(
	`POST /api/charges from ${TILLS} tills (SQLite, sandbox answering at once), ${SECONDS} s each`
);
console.log(
	`  at ${RATE}/s   ${rate(paced)} charges/s  seen by the till ${seen(paced)}  errors ${paced.errors}`
);
console.log(`               added by the server ${describe(addedBy(paced.samples))}`);
console.log(
	`  flat out   ${rate(saturated)} charges/s  seen by the till ${seen(saturated)}  errors ${saturated.errors}`
);
console.log(`               added by the server ${describe(addedBy(saturated.samples))}`);
console.log(`  floor, flat out ${rate(floorSaturated)} charges/s  ${seen(floorSaturated)}`);
console.log(`one at a time, ${SEQUENTIAL} each, in turns`);
console.log(`  till   ${describe(sequential.till)}`);
console.log(`  floor  ${describe(sequential.floor)}`);
console.log(
	`  till/floor median ${(median(sequential.till) / median(sequential.floor)).toFixed(2)}×, p99 ${(percentile(sequential.till, 99) / percentile(sequential.floor, 99)).toFixed(2)}×`
);

for (const a of [...agents, floorAgent]) a.destroy();
await Promise.all(children.map(stop));
