/**
 * A charge service wired to the real sandbox gateway over real HTTP and a real database
 * (either engine), with a small HTTP server standing in for the till's notify route.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChargeEvents } from '../../src/lib/server/charges/events';
import { ChargeService, type TillRef } from '../../src/lib/server/charges/service';
import { openDatabase, sql, type DatabaseTarget, type Db } from '../../src/lib/server/db';
import { startSandbox, type Sandbox } from '../../src/lib/server/sandbox/gateway';
import { createTeegonClient } from '../../src/lib/server/teegon/client';
import type { TeegonApi } from '../../src/lib/server/teegon/types';
import { makeNotification } from '../../src/lib/server/sandbox/notification';
import { authenticate, createTill } from '../../src/lib/server/tills';
import type { Sale } from '../../src/lib/domain/sale';
import type { Engine } from './engines';

export const CLIENT_ID = 'test-client';
export const CLIENT_SECRET = 'test-secret-0123456789';

export interface HarnessOptions {
	deadlineMs?: number;
	pollIntervalMs?: number;
	confirmDelayMs?: number;
	slowReplyMs?: number;
	teegonTimeoutMs?: number;
	lateWatchMs?: number;
	/** How long Teegon's "no such charge" must last before a charge is failed (default 10 s). */
	absentSettleMs?: number;
	/** Wraps the real client, e.g. to make status queries fail for a while. */
	wrapTeegon?: (t: TeegonApi) => TeegonApi;
	/** Reuse a database (a restart). */
	target?: DatabaseTarget;
	sandbox?: Sandbox;
	/** The notify route answers 503 to everything (notifications lost). */
	refuseNotifications?: boolean;
	/** Default 300 000 (five minutes), as the server's default. */
	authCodeReuseWindowMs?: number;
	/** The service's log lines (default: dropped). */
	log?: (line: string) => void;
}

export interface Harness {
	sandbox: Sandbox;
	db: Db;
	target: DatabaseTarget;
	service: ChargeService;
	till: TillRef;
	otherTill: TillRef;
	notifyUrl: string;
	/** Notify route answers, for assertions. */
	notifyLog: { status: number; outcome: string }[];
	/** Writes the service made durably (Db.durably): what each stored, and Teegon's charge calls by then. */
	durableWrites: string[];
	/** Stops the service (as a crash would: nothing is finished), keeps sandbox and database. */
	crash(): Promise<void>;
	close(): Promise<void>;
}

export async function startHarness(engine: Engine, o: HarnessOptions = {}): Promise<Harness> {
	const sandbox =
		o.sandbox ??
		(await startSandbox({
			port: 0,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			confirmDelayMs: o.confirmDelayMs ?? 300,
			slowReplyMs: o.slowReplyMs ?? 1200,
			notifyRetryMs: 100,
			notifyMaxAttempts: 100
		}));
	const target = o.target ?? engine.fresh();
	const db = await openDatabase(target);
	const notifyLog: Harness['notifyLog'] = [];
	const durableWrites: string[] = [];
	// Records what each durable write stored: the rows it added to charges and notifications.
	const durably = async <T>(fn: () => Promise<T>): Promise<T> => {
		const count = async () => {
			const [c, n] = await Promise.all([
				db.db
					.selectFrom('charges')
					.select((eb) => eb.fn.countAll<number>().as('n'))
					.execute(),
				db.db
					.selectFrom('notifications')
					.select((eb) => eb.fn.countAll<number>().as('n'))
					.execute()
			]);
			return [Number(c[0]!.n), Number(n[0]!.n)];
		};
		const [c0, n0] = await count();
		const r = await db.durably(fn);
		const [c1, n1] = await count();
		durableWrites.push(
			`charges +${c1! - c0!}, notifications +${n1! - n0!}, Teegon charged ${sandbox.chargeCallCount}`
		);
		return r;
	};
	let service: ChargeService | null = null;
	const receiver: Server = createServer((req, res) => {
		let body = '';
		req.setEncoding('utf8');
		req.on('data', (c: string) => (body += c));
		req.on('end', () => {
			const fields = Object.fromEntries(new URLSearchParams(body));
			if (!service || o.refuseNotifications) {
				res.writeHead(503).end();
				return;
			}
			service.notify(fields).then(
				(r) => {
					notifyLog.push({ status: r.status, outcome: r.outcome });
					res.writeHead(r.status, { 'content-type': 'text/plain' }).end(r.body);
				},
				() => res.writeHead(500).end()
			);
		});
	});
	await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
	const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/teegon/notify`;
	const client = createTeegonClient(
		{
			baseUrl: sandbox.url,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			timeoutMs: o.teegonTimeoutMs ?? 600
		},
		{ log: () => undefined }
	);
	const teegon = o.wrapTeegon ? o.wrapTeegon(client) : client;
	const events = new ChargeEvents(db.pool);
	await events.start();
	service = new ChargeService({
		direct: db.direct,
		durably,
		db: db.db,
		teegon,
		events,
		notifyUrl,
		clientSecret: CLIENT_SECRET,
		deadlineMs: o.deadlineMs ?? 4000,
		pollIntervalMs: o.pollIntervalMs ?? 100,
		maxAmount: 5_000_000,
		authCodeReuseWindowMs: o.authCodeReuseWindowMs ?? 300_000,
		teegonTimeoutMs: o.teegonTimeoutMs ?? 600,
		lateWatchMs: o.lateWatchMs ?? 10_000,
		absentSettleMs: o.absentSettleMs,
		log: o.log ?? (() => undefined)
	});
	service.start(30);
	const ensureTill = async (store: string, name: string) => {
		const existing = await db.db
			.selectFrom('tills')
			.innerJoin('stores', 'stores.id', 'tills.store_id')
			.select(['tills.id as id', 'tills.store_id as storeId'])
			.where('stores.name', '=', store)
			.where('tills.name', '=', name)
			.executeTakeFirst();
		if (existing) return existing;
		const made = await createTill(db.db, { store, name });
		const t = await authenticate(db.db, made.token);
		return { id: t!.id, storeId: t!.storeId };
	};
	const till = await ensureTill('Store A', 'Till 1');
	const otherTill = await ensureTill('Store B', 'Till 1');
	let stopped = false;
	const stopAll = async () => {
		if (stopped) return;
		stopped = true;
		await service!.stop();
		await events.close();
		client.close();
		await new Promise<void>((r) => receiver.close(() => r()));
		receiver.closeAllConnections();
		await db.close();
	};
	return {
		sandbox,
		db,
		target,
		service,
		till,
		otherTill,
		notifyUrl,
		notifyLog,
		durableWrites,
		crash: stopAll,
		async close() {
			await stopAll();
			if (!o.sandbox) await sandbox.close();
		}
	};
}

let seq = 0;
/** A unique order number. */
export function orderNo(prefix = 'T'): string {
	return `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

let codeSeq = 100_000;
/** A WeChat-style payment code (18 digits, 13 prefix) ending in the sandbox outcome digits. */
export function wechatCode(outcome: string): string {
	return `13${String(codeSeq++).padStart(6, '0')}${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}${outcome}`;
}
/** An Alipay-style payment code (18 digits, 28 prefix). */
export function alipayCode(outcome: string): string {
	return `28${String(codeSeq++).padStart(6, '0')}${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}${outcome}`;
}

export async function until<T>(
	fn: () => Promise<T | undefined | null | false>,
	timeoutMs = 8000,
	stepMs = 25
): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, stepMs));
	}
}

/** The fields of a successful WeChat notification for `order` (unsigned), as Teegon sends them. */
export function notificationFields(
	order: string,
	over: Record<string, string> = {}
): Record<string, string> {
	return {
		amount: '23.45',
		bank: 'CFT',
		buyer: 'o-buyer',
		channel: 'wxbarcodepay_pinganpay',
		charge_id: 'ch_forged',
		device_info: '',
		is_success: 'true',
		metadata: '',
		order_no: order,
		pay_time: '2026-11-26 13:00:00',
		real_amount: '23.38',
		status: 'SUCCESS',
		timestamp: '1795000000',
		...over
	};
}

/**
 * A signed notification about `charge` as Teegon would send it: its order, amount and charge
 * id (a notification naming anything else is not believed), with `over` changed.
 */
export function notificationOf(
	charge: { order_no: string; amount: string; charge_id: string | null },
	over: Record<string, string> = {}
): Record<string, string> {
	return makeNotification(
		notificationFields(charge.order_no, {
			amount: charge.amount,
			charge_id: charge.charge_id ?? '',
			pay_time: '1795000000',
			status: 'trade_status_sync',
			...over
		}),
		CLIENT_SECRET
	);
}

/**
 * Makes every UPDATE of `charges` that matches `when` (SQL over NEW and OLD, the same on both
 * engines) fail, as a full disk would; the returned function takes the failure away.
 */
export async function failChargeUpdates(h: Harness, when: string): Promise<() => Promise<void>> {
	const db = h.db.db;
	if (h.target.kind === 'sqlite') {
		await sql
			.raw(
				`CREATE TRIGGER fail_updates BEFORE UPDATE ON charges WHEN ${when} BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`
			)
			.execute(db);
		return async () => void (await sql`DROP TRIGGER fail_updates`.execute(db));
	}
	await sql
		.raw(
			`CREATE FUNCTION fail_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${when} THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$`
		)
		.execute(db);
	await sql`CREATE TRIGGER fail_updates BEFORE UPDATE ON charges FOR EACH ROW EXECUTE FUNCTION fail_updates()`.execute(
		db
	);
	return async () => {
		await sql`DROP TRIGGER fail_updates ON charges`.execute(db);
		await sql`DROP FUNCTION fail_updates()`.execute(db);
	};
}

/** A one-line sale of `amount` fen paid by one payment-code tender naming `order`. */
export function saleByCode(order: string, amount: number, chargeId: string | null = null): Sale {
	return {
		id: crypto.randomUUID(),
		number: `T1-20261126-${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`,
		cashier: '王芳',
		createdAt: new Date().toISOString(),
		lines: [
			{
				lineId: 'l1',
				productId: null,
				name: '测试商品',
				barcode: null,
				unitPrice: amount,
				quantity: 1,
				discount: 0,
				total: amount
			}
		],
		subtotal: amount,
		discount: 0,
		total: amount,
		tenders: [{ kind: 'payment_code', amount, orderNo: order, chargeId, wallet: 'wechat' }]
	};
}
