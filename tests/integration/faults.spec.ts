/**
 * The fault suite: the built till server in live mode, with a fault-injecting proxy between
 * it and the sandbox gateway and another between the gateway and its notify URL, on both
 * engines. Simulated tills sell through each fault as the real till would; every scenario ends
 * with the ledger check: each order in one final state, each paid charge in exactly one synced
 * sale, the sums equal to what Teegon took, nothing charged twice.
 */
import {
	afterAll,
	afterEach,
	beforeAll,
	beforeEach,
	describe,
	expect,
	onTestFailed,
	test
} from 'vitest';
import { openDatabase, type DatabaseTarget, type Db } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { createTill } from '../../src/lib/server/tills';
import { startFaultProxy, type Fault, type FaultProxy } from '../../scripts/load/fault-proxy';
import { checkLedger } from '../../scripts/load/ledger';
import { SimTill, type SimSale } from '../../scripts/load/sim-till';
import { startTcpProxy, type TcpProxy } from '../../scripts/load/tcp-proxy';
import { dropTestSchemas, engines, PG_URL } from '../helpers/engines';
import { CLIENT_ID, CLIENT_SECRET, until } from '../helpers/harness';
import { freePort, startTill, type TillProcess } from '../helpers/server';
import { prng } from '../../scripts/lib/prng';

afterAll(dropTestSchemas);

/** The sandbox outcomes the tills' customers bring: paid at once or after confirming, declined, refused, notified twice. */
const OUTCOMES = ['00', '00', '01', '06', '07', '02', '04'];
const TILLS = 3;
const SALES_PER_TILL = 6;

describe.each(engines)(
	'faults between the till server and Teegon ($name)',
	{ timeout: 120_000 },
	(engine) => {
		let sandbox: Sandbox;
		let toTeegon: FaultProxy;
		let toNotify: FaultProxy;
		let pgProxy: TcpProxy | null = null;
		let target: DatabaseTarget;
		let db: Db;
		let till: TillProcess;
		let port: number;
		let tokens: string[];
		let codeSeq = 0;
		const random = prng(engine.name === 'sqlite' ? 11 : 23);

		const databaseUrl = () => {
			if (!pgProxy) return engine.url(target);
			const url = new URL(engine.url(target));
			url.port = String(pgProxy.port);
			return url.toString();
		};
		const env = () => ({
			DATABASE_URL: databaseUrl(),
			TEEGON_CLIENT_ID: CLIENT_ID,
			TEEGON_CLIENT_SECRET: CLIENT_SECRET,
			TEEGON_BASE_URL: toTeegon.url,
			PUBLIC_BASE_URL: toNotify.url,
			TEEGON_TIMEOUT_MS: '1000',
			TEEGON_CONNECT_TIMEOUT_MS: '500',
			CHARGE_DEADLINE_SECONDS: '6',
			CHARGE_POLL_MS: '200'
		});

		beforeAll(async () => {
			sandbox = await startSandbox({
				port: 0,
				clientId: CLIENT_ID,
				clientSecret: CLIENT_SECRET,
				confirmDelayMs: 300,
				slowReplyMs: 300,
				notifyRetryMs: 300,
				notifyMaxAttempts: 100
			});
			target = engine.fresh();
			db = await openDatabase(target);
			tokens = [];
			for (let i = 0; i < TILLS; i++)
				tokens.push((await createTill(db.db, { store: '故障店', name: `${i + 1}号` })).token);
			if (engine.name === 'postgres') {
				const pg = new URL(PG_URL);
				pgProxy = await startTcpProxy(pg.hostname, Number(pg.port || 5432));
			}
			port = await freePort();
			toTeegon = await startFaultProxy(sandbox.url);
			toNotify = await startFaultProxy(`http://127.0.0.1:${port}`);
			till = await startTill(env(), { port });
		});
		// A failure shows the server's last words: what it was doing when the ledger broke.
		beforeEach(() =>
			onTestFailed(() => {
				console.error(till?.output().split('\n').slice(-60).join('\n'));
			})
		);
		afterEach(() => {
			toTeegon.setRule(() => ({ kind: 'pass' }));
			toNotify.setRule(() => ({ kind: 'pass' }));
		});
		afterAll(async () => {
			await till?.stop();
			await toTeegon?.close();
			await toNotify?.close();
			await pgProxy?.close();
			await db?.close();
			await sandbox?.close();
		});

		const code = (outcome: string) =>
			`13${String(Date.now()).slice(-6)}${String(codeSeq++).padStart(8, '0')}${outcome}`;
		const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;

		/**
		 * Every till sells SALES_PER_TILL sales one after another; `during` runs alongside, and
		 * the tills go on selling until it is done (a fault must meet a till mid-sale).
		 */
		let scenarioStart = 0;
		/** Requests the tills had to send again in the last scenario (no answer, or a 5xx). */
		let retries = 0;
		async function sell(during?: () => Promise<void>): Promise<SimSale[]> {
			scenarioStart = Date.now();
			retries = 0;
			const sims = tokens.map(
				(token, i) => new SimTill({ baseUrl: till.url, token, code: `F${i}`, patienceMs: 60_000 })
			);
			let faulting = during !== undefined;
			try {
				const selling = Promise.all(
					sims.map(async (sim) => {
						const out: SimSale[] = [];
						for (let k = 0; k < SALES_PER_TILL || faulting; k++)
							out.push(await sim.sell(100 + Math.floor(random() * 5000), code(pick(OUTCOMES))));
						return out;
					})
				);
				try {
					await during?.();
				} finally {
					faulting = false;
				}
				return (await selling).flat();
			} finally {
				for (const s of sims) {
					retries += s.retries;
					s.close();
				}
			}
		}

		/** Heals every fault, lets the worker settle what is open, then checks the ledger. */
		async function ledgerHolds(sales: SimSale[]) {
			toTeegon.setRule(() => ({ kind: 'pass' }));
			toNotify.setRule(() => ({ kind: 'pass' }));
			const orders = sales.map((s) => s.orderNo);
			await until(
				async () => {
					const open = await db.db
						.selectFrom('charges')
						.select('order_no')
						.where('order_no', 'in', orders)
						.where('state', 'in', ['pending', 'unknown'])
						.execute();
					return open.length === 0;
				},
				30_000,
				200
			);
			const mine = sandbox.charges().filter((c) => orders.includes(c.order_no));
			const ledger = await checkLedger(db.db, mine, sales, scenarioStart);
			expect(ledger.problems).toEqual([]);
			expect(ledger.orders).toBe(sales.length);
			expect(sales.length).toBeGreaterThanOrEqual(TILLS * SALES_PER_TILL);
			return ledger;
		}

		const onCharge =
			(fault: () => Fault) =>
			(req: { path: string }): Fault =>
				req.path.startsWith('/v1/charge') ? fault() : { kind: 'pass' };

		test('Teegon slow: some answers past the client timeout', async () => {
			toTeegon.setRule(() => ({ kind: 'delay', ms: Math.floor(random() * 1400) }));
			const ledger = await ledgerHolds(await sell());
			expect(ledger.paid).toBeGreaterThan(0);
		});

		test('Teegon resetting connections, before and after the charge arrived', async () => {
			toTeegon.setRule(
				onCharge(() => {
					const r = random();
					return r < 0.2
						? { kind: 'reset-before' }
						: r < 0.4
							? { kind: 'reset-after' }
							: { kind: 'pass' };
				})
			);
			await ledgerHolds(await sell());
			expect(toTeegon.log.some((l) => l.endsWith('reset-after'))).toBe(true);
		});

		test('Teegon answering 5xx or HTML, in front of the charge and after it', async () => {
			toTeegon.setRule(
				onCharge(() => {
					const r = random();
					return r < 0.2
						? { kind: 'status', status: 502 }
						: r < 0.4
							? { kind: 'status-after', status: 503 }
							: r < 0.5
								? { kind: 'corrupt' }
								: { kind: 'pass' };
				})
			);
			await ledgerHolds(await sell());
		});

		test('Teegon answering after the client gave up', async () => {
			toTeegon.setRule(
				onCharge(() => (random() < 0.4 ? { kind: 'late', ms: 1600 } : { kind: 'pass' }))
			);
			await ledgerHolds(await sell());
		});

		test('notifications lost, duplicated, reordered and delayed past the deadline', async () => {
			toNotify.setRule(() => {
				const r = random();
				return r < 0.3
					? { kind: 'status', status: 503 }
					: r < 0.5
						? { kind: 'duplicate' }
						: r < 0.7
							? { kind: 'delay', ms: 1500 }
							: r < 0.8
								? { kind: 'delay', ms: 7000 }
								: { kind: 'pass' };
			});
			const ledger = await ledgerHolds(await sell());
			expect(ledger.paid).toBeGreaterThan(0);
			const faults = toNotify.log.map((l) => l.split(' ').at(-1));
			for (const kind of ['status', 'duplicate', 'delay']) expect(faults).toContain(kind);
		});

		test('the till server killed (SIGKILL) mid-charge and started again, three times', async () => {
			const sales = await sell(async () => {
				for (let i = 0; i < 3; i++) {
					await new Promise((r) => setTimeout(r, 400 + Math.floor(random() * 900)));
					await till.kill();
					till = await startTill(env(), { port });
				}
			});
			expect(retries, 'the tills found the server down').toBeGreaterThan(0);
			await ledgerHolds(sales);
		});

		if (engine.name === 'postgres')
			test('PostgreSQL restarted under load (every connection cut, refused for 2 s)', async () => {
				const sales = await sell(async () => {
					await new Promise((r) => setTimeout(r, 150)); // the tills are mid-sale
					await pgProxy!.restart(2000);
				});
				// The cut reached the server: its connections broke (it may have hidden the outage
				// from the tills, answering once the database was back, so retries can be 0).
				expect(till.output()).toMatch(/PostgreSQL connection lost|idle PostgreSQL client error/);
				await ledgerHolds(sales);
			});
	}
);
