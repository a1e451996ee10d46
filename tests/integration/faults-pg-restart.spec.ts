/**
 * The fault suite's PostgreSQL restart: the built till server in live mode on a PostgreSQL
 * cluster of this test's own (tests/helpers/private-pg.ts, never the shared one), restarted
 * twice while simulated tills sell: once cleanly (every connection terminated, refused while
 * it starts) and once as a crash (`pg_ctl -m immediate`, recovered from the WAL). Ends with
 * the ledger check: each order in one final state, each paid charge in exactly one synced
 * sale, the sums equal to what Teegon took.
 */
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { createTill } from '../../src/lib/server/tills';
import { checkLedger } from '../../scripts/load/ledger';
import { SimTill, type SimSale } from '../../scripts/load/sim-till';
import { prng } from '../../scripts/lib/prng';
import { CLIENT_ID, CLIENT_SECRET, until } from '../helpers/harness';
import { startPrivateCluster, type PrivateCluster } from '../helpers/private-pg';
import { startTill, type TillProcess } from '../helpers/server';

const TILLS = 4;
const OUTCOMES = ['00', '00', '01', '06', '07', '02', '04'];
const SCHEMA = 'till';

describe('PostgreSQL restarted under load (a private cluster)', { timeout: 120_000 }, () => {
	let cluster: PrivateCluster;
	let sandbox: Sandbox;
	let till: TillProcess;
	let tokens: string[];
	const target = () => ({ kind: 'postgres' as const, url: cluster.url, schema: SCHEMA });

	beforeAll(async () => {
		cluster = await startPrivateCluster();
		sandbox = await startSandbox({
			port: 0,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			confirmDelayMs: 300,
			slowReplyMs: 300,
			notifyRetryMs: 300,
			notifyMaxAttempts: 100
		});
		const db = await openDatabase(target());
		tokens = [];
		for (let i = 0; i < TILLS; i++)
			tokens.push((await createTill(db.db, { store: '重启店', name: `${i + 1}号` })).token);
		await db.close();
		const port = Number(process.env.PRIVATE_TILL_PORT ?? 0) || undefined;
		till = await startTill(
			{
				DATABASE_URL: `${cluster.url}?options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`,
				TEEGON_CLIENT_ID: CLIENT_ID,
				TEEGON_CLIENT_SECRET: CLIENT_SECRET,
				TEEGON_BASE_URL: sandbox.url,
				TEEGON_TIMEOUT_MS: '1000',
				CHARGE_DEADLINE_SECONDS: '6',
				CHARGE_POLL_MS: '200'
			},
			{ port }
		);
	}, 60_000);
	afterAll(async () => {
		await till?.stop();
		await sandbox?.close();
		await cluster?.stop();
	});

	test('restarted cleanly, then crashed, mid-sale: the ledger holds', async () => {
		onTestFailed(() => console.error(till.output().split('\n').slice(-60).join('\n')));
		const random = prng(41);
		let codeSeq = 0;
		const code = () =>
			`13${String(Date.now()).slice(-6)}${String(codeSeq++).padStart(8, '0')}${OUTCOMES[Math.floor(random() * OUTCOMES.length)]}`;
		const started = Date.now();
		const sims = tokens.map(
			(token, i) => new SimTill({ baseUrl: till.url, token, code: `P${i}`, patienceMs: 60_000 })
		);
		let selling = true;
		const sales: SimSale[] = [];
		const tills = Promise.all(
			sims.map(async (sim) => {
				while (selling) sales.push(await sim.sell(100 + Math.floor(random() * 5000), code()));
			})
		);
		const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
		await pause(1500);
		const before = sales.length;
		await cluster.restart('fast');
		await pause(1500);
		await cluster.restart('immediate');
		await pause(1500);
		selling = false;
		await tills;
		const retries = sims.reduce((n, s) => n + s.retries, 0);
		for (const s of sims) s.close();
		expect(before, 'the tills were selling before the first restart').toBeGreaterThan(0);
		expect(retries, 'the server could not answer while its database was down').toBeGreaterThan(0);

		const db = await openDatabase(target());
		try {
			const orders = sales.map((s) => s.orderNo);
			await until(
				async () =>
					(
						await db.db
							.selectFrom('charges')
							.select('order_no')
							.where('state', 'in', ['pending', 'unknown'])
							.execute()
					).length === 0,
				30_000,
				200
			);
			const mine = sandbox.charges().filter((c) => orders.includes(c.order_no));
			const ledger = await checkLedger(db.db, mine, sales, started);
			expect(ledger.problems).toEqual([]);
			expect(ledger.orders).toBeGreaterThan(before);
			expect(ledger.paid).toBeGreaterThan(0);
		} finally {
			await db.close();
		}
	});
});
