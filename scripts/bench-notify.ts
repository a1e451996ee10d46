/**
 * `npm run bench:notify`: what believing a notification costs. A success notification is
 * applied only once Teegon's status query confirms it, so handling it is one query more than
 * recording it. In one process, against the sandbox over loopback HTTP and a SQLite file:
 * - confirm: a success notification for a waiting charge (record, query, apply);
 * - record only (the baseline): the same notification for a charge already paid;
 * - query: the status query alone, as the confirmation makes it.
 * BENCH_NOTIFICATIONS (default 300) of each, interleaved.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChargeEvents } from '../src/lib/server/charges/events';
import { ChargeService } from '../src/lib/server/charges/service';
import { openDatabase } from '../src/lib/server/db';
import { startSandbox } from '../src/lib/server/sandbox/gateway';
import { makeNotification } from '../src/lib/server/sandbox/notification';
import { createTeegonClient } from '../src/lib/server/teegon/client';
import { authenticate, createTill } from '../src/lib/server/tills';
import { describe, median } from './bench/stats';

const N = Number(process.env.BENCH_NOTIFICATIONS ?? 300);
const ID = 'bench-client';
const SECRET = 'bench-secret';

const sandbox = await startSandbox({
	port: 0,
	clientId: ID,
	clientSecret: SECRET,
	confirmDelayMs: 3_600_000,
	slowReplyMs: 0,
	notifyRetryMs: 1000,
	notifyMaxAttempts: 1
});
const db = await openDatabase({
	kind: 'sqlite',
	file: join(mkdtempSync(join(tmpdir(), 'bench-notify-')), 'till.db')
});
const made = await createTill(db.db, { store: 'Bench', name: 'T1' });
const till = (await authenticate(db.db, made.token))!;
const teegon = createTeegonClient(
	{ baseUrl: sandbox.url, clientId: ID, clientSecret: SECRET },
	{ log: () => undefined }
);
const events = new ChargeEvents(null);
const service = new ChargeService({
	db: db.db,
	direct: db.direct,
	durably: db.durably,
	teegon,
	events,
	notifyUrl: 'http://127.0.0.1:1/unused',
	clientSecret: SECRET,
	deadlineMs: 3_600_000,
	pollIntervalMs: 3_600_000, // the worker stays out of the way: only notifications settle
	maxAmount: 5_000_000,
	authCodeReuseWindowMs: 0,
	teegonTimeoutMs: 8000,
	log: () => undefined
});

let seq = 0;
async function waitingCharge() {
	seq++;
	// 03: the customer never confirms by themselves; the bench settles it at the sandbox.
	const code = `13${String(seq).padStart(14, '0')}03`;
	const r = await service.create(till, {
		order_no: `N${Date.now().toString(36)}${seq}`,
		amount: '23.45',
		subject: '矿泉水',
		auth_code: code
	});
	if (r.status !== 200 || r.body.state !== 'pending') throw new Error(JSON.stringify(r.body));
	return r.body;
}

function notification(order: string, chargeId: string, timestamp = Math.floor(Date.now() / 1000)) {
	return makeNotification(
		{
			amount: '23.45',
			bank: 'CFT',
			buyer: 'o-bench',
			channel: 'wxbarcodepay_pinganpay',
			charge_id: chargeId,
			device_info: '',
			is_success: 'true',
			metadata: '',
			order_no: order,
			pay_time: String(Math.floor(Date.now() / 1000)),
			real_amount: '23.38',
			status: 'trade_status_sync',
			timestamp: String(timestamp)
		},
		SECRET
	);
}

const confirm: number[] = [];
const recordOnly: number[] = [];
const query: number[] = [];
const time = async (into: number[], fn: () => Promise<unknown>) => {
	const t0 = performance.now();
	await fn();
	into.push(performance.now() - t0);
};

// Warm up connections, statements and JIT before measuring.
for (let i = 0; i < 20; i++) {
	const c = await waitingCharge();
	sandbox.settle({ orderNo: c.order_no }, 'paid');
	await service.notify(notification(c.order_no, c.charge_id!));
}

for (let i = 0; i < N; i++) {
	const c = await waitingCharge();
	sandbox.settle({ orderNo: c.order_no }, 'paid');
	await time(query, () => teegon.barcodePayStatus(c.charge_id!));
	const n = notification(c.order_no, c.charge_id!);
	await time(confirm, async () => {
		const r = await service.notify(n);
		if (r.outcome !== 'applied') throw new Error(`not applied: ${r.outcome}`);
	});
	// Now paid: the next notification for it is recorded, and needs no query.
	const again = notification(c.order_no, c.charge_id!, Math.floor(Date.now() / 1000) + 1);
	await time(recordOnly, () => service.notify(again));
}

console.log(`notifications, ${N} of each (SQLite file, sandbox over loopback)`);
console.log(`  record only (baseline)  ${describe(recordOnly)}`);
console.log(`  confirm by query        ${describe(confirm)}`);
console.log(`  the status query alone  ${describe(query)}`);
console.log(
	`  confirmation adds ${(median(confirm) - median(recordOnly)).toFixed(2)} ms at the median ` +
		`(${(median(confirm) / median(recordOnly)).toFixed(2)}× the baseline); the query itself is ${median(query).toFixed(2)} ms`
);

await service.stop();
await events.close();
teegon.close();
await sandbox.close();
await db.close();
