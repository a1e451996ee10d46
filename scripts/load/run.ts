/**
 * `npm run load -- [--engine sqlite|postgres] [--instances 1|2] [--tills 50] [--duration 20]
 * [--rate 500] [--floor-seconds 10] [--sequential 0]`: the load suite. Simulated tills (sim-till.ts, the real
 * till's protocol) ring up sales and pay by code against the built server (`server.js`, live
 * mode) and the sandbox gateway in a process of its own, on loopback, for a bounded time.
 *
 * Each till starts a sale every tills/rate seconds (`--rate 0`: the next as soon as one ends);
 * a sale that starts late counts from when it was due. Prints charges/s, the till-observed
 * time to outcome (due → final answer), what the server adds to a POST /api/charges (the
 * till's time minus the server's own Teegon call, from its log, as bench:charges did), the
 * same POST against a floor (a bare Node handler that signs and forwards, scripts/bench/floor.ts)
 * at the same rate in the same run, errors, and the ledger check; exits 1 if the ledger breaks
 * or a till had a sale refused. `--sequential N`: then N charges one at a time from one till,
 * in turns with the floor (the single-charge latency against its floor; codes ending 06).
 *
 * PostgreSQL: a fresh schema in TEST_DATABASE_URL (default the local `test` database), shared
 * by every instance, dropped at the end; tills are spread across the instances and the sandbox
 * notifies the first. Needs `npm run build` first.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase, type DatabaseTarget } from '../../src/lib/server/db';
import type { SandboxCharge } from '../../src/lib/server/sandbox/types';
import { createTill } from '../../src/lib/server/tills';
import { freePort, startProcess, stop } from '../bench/processes';
import { median, percentile } from '../bench/stats';
import { prng } from '../lib/prng';
import { checkLedger } from './ledger';
import { SimTill, type SimSale } from './sim-till';

const { values: args } = parseArgs({
	options: {
		engine: { type: 'string', default: 'sqlite' },
		instances: { type: 'string', default: '1' },
		tills: { type: 'string', default: '50' },
		duration: { type: 'string', default: '20' },
		rate: { type: 'string', default: '500' },
		'floor-seconds': { type: 'string', default: '10' },
		sequential: { type: 'string', default: '0' }
	}
});
const ENGINE = args.engine;
const INSTANCES = Number(args.instances);
const TILLS = Number(args.tills);
const SECONDS = Number(args.duration);
const RATE = Number(args.rate);
const FLOOR_SECONDS = Number(args['floor-seconds']);
const SEQUENTIAL = Number(args.sequential);
if (ENGINE !== 'sqlite' && ENGINE !== 'postgres') throw new Error('--engine: sqlite or postgres');
if (INSTANCES !== 1 && INSTANCES !== 2) throw new Error('--instances: 1 or 2');
if (ENGINE === 'sqlite' && INSTANCES !== 1)
	throw new Error('SQLite is one shop on one instance: --instances 2 needs --engine postgres');
if (!existsSync('build/index.js')) {
	console.error('build/ is missing: run `npm run build` first');
	process.exit(1);
}

const ID = 'load-client';
const SECRET = 'load-secret-0123456789';
/** The sandbox's outcomes: 00 paid and notified, 06 paid and never notified, 04 refused. */
const OUTCOMES = [...Array<string>(17).fill('00'), '06', '04', '04'];
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

async function main(): Promise<boolean> {
	const sandbox = await startProcess(
		process.execPath,
		['--import', 'tsx', 'scripts/bench/quiet-sandbox.ts'],
		{
			SANDBOX_CLIENT_ID: ID,
			SANDBOX_CLIENT_SECRET: SECRET,
			SANDBOX_NOTIFY_RETRY_MS: '500',
			SANDBOX_NOTIFY_MAX_ATTEMPTS: '100'
		},
		/READY (\S+)/
	);
	children.push(sandbox.proc);
	const gateway = sandbox.match[1]!;

	// The database, migrated once here (the instances start with MIGRATE_ON_START=off).
	let target: DatabaseTarget;
	let databaseUrl: string;
	if (ENGINE === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'till-load-'));
		cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
		target = { kind: 'sqlite', file: join(dir, 'till.db') };
		databaseUrl = target.file;
	} else {
		const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
		const schema = `load_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
		target = { kind: 'postgres', url, schema };
		databaseUrl = `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
		cleanups.push(async () => {
			const client = new pg.Client({ connectionString: url });
			await client.connect();
			await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
			await client.end();
		});
	}
	const db = await openDatabase(target);
	const tokens: string[] = [];
	for (let i = 0; i < TILLS; i++)
		tokens.push((await createTill(db.db, { store: '压测店', name: `${i + 1}号收银台` })).token);

	/** The servers' own time for each Teegon charge call, by order_no, from their logs. */
	const teegonMs = new Map<string, number>();
	const ports: number[] = [];
	for (let i = 0; i < INSTANCES; i++) ports.push(await freePort());
	const urls = ports.map((p) => `http://127.0.0.1:${p}`);
	for (const port of ports) {
		const till = await startProcess(
			process.execPath,
			['server.js'],
			{
				PORT: String(port),
				HOST: '127.0.0.1',
				ORIGIN: `http://127.0.0.1:${port}`,
				PUBLIC_BASE_URL: urls[0]!, // the sandbox notifies the first instance
				TEEGON_CLIENT_ID: ID,
				TEEGON_CLIENT_SECRET: SECRET,
				TEEGON_BASE_URL: gateway,
				DATABASE_URL: databaseUrl,
				MIGRATE_ON_START: 'off'
			},
			/Listening on/,
			(line) => {
				if (!line.includes('"teegon":"charge"')) return;
				const entry = JSON.parse(line) as { order_no: string; ms: number };
				teegonMs.set(entry.order_no, entry.ms);
			}
		);
		children.push(till.proc);
	}

	// Each till has served its page and asked who it is, as a till in a shop has.
	for (const url of urls) await fetch(`${url}/`).then((r) => r.text());
	const sims = tokens.map(
		(token, i) =>
			new SimTill({ baseUrl: urls[i % INSTANCES]!, token, code: `L${i}x`, patienceMs: 60_000 })
	);
	for (const [i, token] of tokens.entries())
		await fetch(`${urls[i % INSTANCES]}/api/me`, { headers: { authorization: `Bearer ${token}` } });

	const random = prng(7);
	let codeSeq = 0;
	const code = () =>
		`13${String(process.pid % 1e6).padStart(6, '0')}${String(codeSeq++).padStart(8, '0')}${OUTCOMES[Math.floor(random() * OUTCOMES.length)]}`;
	const sales: SimSale[] = [];
	const seen: number[] = [];
	let errors = 0;
	const intervalMs = RATE > 0 ? (1000 * TILLS) / RATE : null;
	const t0 = performance.now();
	const end = t0 + SECONDS * 1000;
	await Promise.all(
		sims.map(async (sim, i) => {
			let due = t0 + (intervalMs === null ? 0 : (intervalMs * i) / TILLS);
			while (due < end) {
				const wait = due - performance.now();
				if (wait > 0) await new Promise((r) => setTimeout(r, wait));
				const late = Math.max(0, performance.now() - due);
				try {
					const sale = await sim.sell(100 + Math.floor(random() * 9900), code());
					sales.push(sale);
					seen.push(sale.ms + late);
				} catch (e) {
					errors++;
					if (errors <= 5) console.error(`till ${i}: ${(e as Error).message}`);
				}
				due = intervalMs === null ? performance.now() : due + intervalMs;
			}
		})
	);
	const seconds = (performance.now() - t0) / 1000;
	const retries = sims.reduce((n, s) => n + s.retries, 0);
	for (const s of sims) s.close();

	// The ledger: every charge final (the workers settle what is open), then the check.
	const orders = new Set(sales.map((s) => s.orderNo));
	const settleBy = Date.now() + 60_000;
	for (;;) {
		const open = await db.db
			.selectFrom('charges')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('state', 'in', ['pending', 'unknown'])
			.executeTakeFirstOrThrow();
		if (Number(open.n) === 0 || Date.now() > settleBy) break;
		await new Promise((r) => setTimeout(r, 500));
	}
	const atTeegon = (await (await fetch(`${gateway}/__sandbox/charges`)).json()) as SandboxCharge[];
	const ledger = await checkLedger(
		db.db,
		atTeegon.filter((c) => orders.has(c.order_no)),
		sales
	);
	await db.close();

	// The floor: the same POST at the same rate against a bare signer in front of the sandbox.
	const floor = FLOOR_SECONDS > 0 || SEQUENTIAL > 0 ? await startFloor(gateway) : null;
	const floorMs = floor && FLOOR_SECONDS > 0 ? await floorRun(floor) : [];
	const one = { till: [] as number[], floor: [] as number[] };
	if (floor && SEQUENTIAL > 0) {
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		const floorAgent = new Agent({ keepAlive: true, maxSockets: 1 });
		for (let i = 0; i < SEQUENTIAL; i++) {
			one.till.push(await post(urls[0]!, agent, chargeBody('S'), tokens[0]));
			one.floor.push(await post(floor, floorAgent, chargeBody('G')));
		}
		agent.destroy();
		floorAgent.destroy();
	}

	const added = sales
		.filter((s) => teegonMs.has(s.orderNo))
		.map((s) => Math.max(0, s.postMs - teegonMs.get(s.orderNo)!));
	const ms = (v: number) => `${v.toFixed(2)} ms`;
	const engineName = ENGINE === 'sqlite' ? 'SQLite' : 'PostgreSQL';
	console.log(
		`load: ${TILLS} tills, ${engineName}, ${INSTANCES} instance${INSTANCES > 1 ? 's' : ''}, ` +
			`${RATE > 0 ? `${RATE} charges/s offered` : 'flat out'}, ${SECONDS} s`
	);
	console.log(`  charges/s              ${(sales.length / seconds).toFixed(0)}`);
	console.log(
		`  time to outcome        p50 ${ms(median(seen))}  p99 ${ms(percentile(seen, 99))}  (till-observed, from when due)`
	);
	const served = sales.map((s) => s.ms);
	console.log(
		`                         p50 ${ms(median(served))}  p99 ${ms(percentile(served, 99))}  (from the first POST)`
	);
	console.log(
		`  POST /api/charges      p50 ${ms(median(sales.map((s) => s.postMs)))}  p99 ${ms(
			percentile(
				sales.map((s) => s.postMs),
				99
			)
		)}`
	);
	console.log(
		`  added by the server    p50 ${ms(median(added))}  p99 ${ms(percentile(added, 99))}  (${added.length} charges)`
	);
	if (floorMs.length)
		console.log(
			`  floor, same rate       p50 ${ms(median(floorMs))}  p99 ${ms(percentile(floorMs, 99))}`
		);
	if (one.till.length)
		console.log(
			`  one at a time (${SEQUENTIAL})    till p50 ${ms(median(one.till))} p99 ${ms(percentile(one.till, 99))}, ` +
				`floor p50 ${ms(median(one.floor))} p99 ${ms(percentile(one.floor, 99))}, ` +
				`median ${(median(one.till) / median(one.floor)).toFixed(2)}× the floor's`
		);
	console.log(`  errors                 ${errors} (answers sent again: ${retries})`);
	console.log(
		`  ledger                 ${ledger.orders} orders: ${ledger.paid} paid, ${ledger.failed} failed; ` +
			`sold ${ledger.soldFen} fen, Teegon took ${ledger.takenFen} fen — ${ledger.problems.length ? 'BROKEN' : 'holds'}`
	);
	for (const p of ledger.problems.slice(0, 20)) console.log(`    ${p}`);
	return ledger.problems.length === 0 && errors === 0;
}

async function startFloor(gateway: string): Promise<string> {
	const floor = await startProcess(
		process.execPath,
		['--import', 'tsx', 'scripts/bench/floor.ts'],
		{ TEEGON_CLIENT_ID: ID, TEEGON_CLIENT_SECRET: SECRET, TEEGON_BASE_URL: gateway },
		/READY (\S+)/
	);
	children.push(floor.proc);
	return floor.match[1]!;
}

let seq = 0;
/** A charge paid at once and never notified (06), for the floor and the one-at-a-time run. */
function chargeBody(prefix: string): string {
	const i = seq++;
	return JSON.stringify({
		order_no: `${prefix}${process.pid}x${i}`,
		amount: '12.34',
		subject: '基准测试',
		auth_code: `13${String(i).padStart(14, '0')}06`
	});
}

/** POST /api/charges against the floor, TILLS connections at RATE, for FLOOR_SECONDS. */
async function floorRun(base: string): Promise<number[]> {
	const out: number[] = [];
	const intervalMs = RATE > 0 ? (1000 * TILLS) / RATE : null;
	const t0 = performance.now();
	const end = t0 + FLOOR_SECONDS * 1000;
	await Promise.all(
		Array.from({ length: TILLS }, async (_, i) => {
			const agent = new Agent({ keepAlive: true, maxSockets: 1 });
			let due = t0 + (intervalMs === null ? 0 : (intervalMs * i) / TILLS);
			while (due < end) {
				const wait = due - performance.now();
				if (wait > 0) await new Promise((r) => setTimeout(r, wait));
				const ms = await post(base, agent, chargeBody('F')).catch(() => null);
				if (ms !== null) out.push(ms);
				due = intervalMs === null ? performance.now() : due + intervalMs;
			}
			agent.destroy();
		})
	);
	return out;
}

function post(base: string, agent: Agent, body: string, token?: string): Promise<number> {
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

let ok = false;
try {
	ok = await main();
} finally {
	await Promise.all(children.map(stop));
	for (const c of cleanups) await c();
}
process.exit(ok ? 0 : 1);
