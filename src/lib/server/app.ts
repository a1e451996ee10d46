/**
 * The till server's one instance of everything: configuration, database, Teegon client
 * (or the built-in sandbox), the charge service and its worker. Created once at start-up
 * by hooks.server.ts `init`; a configuration error stops the server with a message that
 * names the variable.
 */
import { randomUUID } from 'node:crypto';
import { ConfigError, loadConfig, type Env, type TillConfig } from './config';
import { openDatabase, type Db } from './db';
import { ChargeEvents } from './charges/events';
import { ChargeService } from './charges/service';
import { createTeegonClient } from './teegon/client';
import type { TeegonApi } from './teegon/types';
import { startSandbox, type Sandbox } from './sandbox/gateway';
import { ensureDemoTill } from './tills';
import { seedDemoCatalog } from './catalog';
import { ensureDemoOwner } from './office/demo';
import { measureOpenWork } from './metrics';
import { chargesNeedingOwner } from './owner/attention';
import { flushLog, logError, logInfo, logWarn } from './log';

export interface TillApp {
	config: TillConfig;
	db: Db;
	teegon: TeegonApi;
	charges: ChargeService;
	events: ChargeEvents;
	sandbox: Sandbox | null;
	/** Sandbox mode only: the demo till's token, handed to the page so the quick start sells at once. */
	demoToken: string | null;
	instanceId: string;
	close(): Promise<void>;
}

export async function createApp(env: Env): Promise<TillApp> {
	const config = loadConfig(env);
	const instanceId = `${process.pid}-${randomUUID().slice(0, 8)}`;
	const db = await openDatabase(config.database, {
		checkpointer: true,
		migrate: config.migrateOnStart
	});
	if (!config.migrateOnStart) {
		// Several instances on one database: the schema is brought up to date once, first.
		const pending = await db.pendingMigrations();
		if (pending.length) {
			await db.close();
			throw new ConfigError(
				'MIGRATE_ON_START',
				`is off and ${pending.length} migration(s) have not been run (${pending.join(', ')}): run \`npm run admin -- migrate\` first`
			);
		}
	}
	let sandbox: Sandbox | null = null;
	let baseUrl = config.teegon.baseUrl;
	if (config.mode === 'sandbox') {
		// The built-in sandbox listens on loopback only, on a free port; `npm run sandbox`
		// runs the same gateway alone on SANDBOX_PORT.
		sandbox = await startSandbox({ ...config.sandbox, port: 0, host: '127.0.0.1' });
		baseUrl = sandbox.url;
		logWarn(
			`[till] SANDBOX MODE: no TEEGON_CLIENT_ID/TEEGON_CLIENT_SECRET set; payments go to the built-in sandbox gateway at ${sandbox.url}. No real money moves.`
		);
	} else {
		logInfo(
			`[till] live mode: Teegon at ${baseUrl}, notifications to ${config.publicBaseUrl}/api/teegon/notify`
		);
	}
	const teegon = createTeegonClient({
		baseUrl: baseUrl!,
		clientId: config.teegon.clientId,
		clientSecret: config.teegon.clientSecret,
		connectTimeoutMs: config.teegon.connectTimeoutMs,
		timeoutMs: config.teegon.timeoutMs
	});
	const events = new ChargeEvents(db.pool);
	await events.start();
	const charges = new ChargeService({
		db: db.db,
		direct: db.direct,
		durably: db.durably,
		teegon,
		events,
		notifyUrl: `${config.publicBaseUrl}/api/teegon/notify`,
		clientSecret: config.teegon.clientSecret,
		deadlineMs: config.charges.deadlineMs,
		pollIntervalMs: config.charges.pollIntervalMs,
		maxAmount: config.charges.maxAmount,
		authCodeReuseWindowMs: config.charges.authCodeReuseWindowMs,
		teegonTimeoutMs: config.teegon.timeoutMs,
		instanceId
	});
	charges.start();
	measureOpenWork(async () => {
		const open = await db.db
			.selectFrom('charges')
			.select((eb) => ['state', eb.fn.countAll<number>().as('n')])
			.where('state', 'in', ['pending', 'unknown'])
			.groupBy('state')
			.execute();
		return {
			charges: Object.fromEntries(open.map((r) => [r.state, Number(r.n)])),
			attention: (await chargesNeedingOwner(db.db)).length
		};
	});
	let demoToken: string | null = null;
	if (config.mode === 'sandbox') {
		const demo = await ensureDemoTill(db.db, config.sandbox.clientSecret);
		demoToken = demo.token;
		await seedDemoCatalog(db.db, demo.till.storeId);
		await ensureDemoOwner(db.db);
	}
	logInfo(
		`[till] database: ${db.kind === 'sqlite' ? `SQLite file ${config.database.kind === 'sqlite' ? config.database.file : ''}` : 'PostgreSQL'}; instance ${instanceId}`
	);
	return {
		config,
		db,
		teegon,
		charges,
		events,
		sandbox,
		demoToken,
		instanceId,
		async close() {
			await charges.stop();
			await events.close();
			teegon.close();
			await sandbox?.close();
			await db.close();
		}
	};
}

let current: TillApp | null = null;

// adapter-node emits this after it stopped accepting requests on SIGTERM/SIGINT: finish
// in-flight checks and close the database, the sandbox and the LISTEN connection.
process.once('sveltekit:shutdown' as 'exit', () => {
	void current
		?.close()
		.catch((e: Error) => logError(`[till] shutdown: ${e.message}`))
		.then(() => flushLog());
});
let starting: Promise<TillApp> | null = null;

export function startApp(env: Env): Promise<TillApp> {
	starting ??= createApp(env).then((app) => (current = app));
	return starting;
}

/** The running app; throws before start-up finished (hooks init awaits it first). */
export function app(): TillApp {
	if (!current) throw new Error('till server is not started');
	return current;
}
