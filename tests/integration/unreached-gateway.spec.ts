/**
 * Charges Teegon never answered, on both engines. One that certainly never reached it (the
 * connection was refused) is failed at once and frees its payment code; one that may have
 * reached it is asked about by order_no and settled as Teegon says: paid, or failed when
 * Teegon has no such charge. Nothing stays "unknown" for want of asking.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import type { ChargeView } from '../../src/lib/domain/charge';
import { chargesNeedingOwner } from '../../src/lib/server/owner/attention';
import { createTeegonClient } from '../../src/lib/server/teegon/client';
import type { TeegonApi } from '../../src/lib/server/teegon/types';
import { dropTestSchemas, engines } from '../helpers/engines';
import {
	CLIENT_ID,
	CLIENT_SECRET,
	orderNo,
	startHarness,
	until,
	wechatCode,
	type Harness
} from '../helpers/harness';

afterAll(dropTestSchemas);

const charge = (code: string) => ({
	order_no: orderNo(),
	amount: '12.00',
	subject: '测试商品',
	auth_code: code
});

async function closedPort(): Promise<number> {
	const probe = http.createServer();
	await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
	const port = (probe.address() as AddressInfo).port;
	await new Promise<void>((r) => probe.close(() => r()));
	return port;
}

async function settled(h: Harness, order: string, want: string, ms = 8000): Promise<ChargeView> {
	const seen: string[] = [];
	return until(async () => {
		const v = (await h.service.get(h.till, order)).body as ChargeView;
		if (seen.at(-1) !== v.state) seen.push(v.state);
		return v.state === want ? v : null;
	}, ms).catch((e: Error) => {
		throw new Error(`${e.message}: states seen ${seen.join(' → ')}`);
	});
}

describe.each(engines)('a charge Teegon did not answer ($name)', (engine) => {
	test('gateway down (connection refused): failed at once, not_sent; the code pays a new order', async () => {
		const port = await closedPort();
		let down = true;
		const h = await startHarness(engine, {
			wrapTeegon: (real) => {
				const dead = createTeegonClient(
					{ baseUrl: `http://127.0.0.1:${port}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
					{ log: () => undefined }
				);
				return {
					charge: (r, o) => (down ? dead.charge(r, o) : real.charge(r, o)),
					barcodePayStatus: (id, o) => real.barcodePayStatus(id, o),
					barcodePayStatusByOrderNo: (n, o) => real.barcodePayStatusByOrderNo(n, o),
					close: () => (dead.close(), real.close())
				};
			}
		});
		try {
			const code = wechatCode('00');
			const r = await h.service.create(h.till, charge(code));
			expect(r.status).toBe(200);
			const v = r.body as ChargeView;
			expect(v).toMatchObject({ state: 'failed', failure_code: 'not_sent', charge_id: null });
			expect(v.failure).toMatch(/ECONNREFUSED/);
			expect(await chargesNeedingOwner(h.db.db)).toEqual([]);
			// The gateway is back: the customer's same code pays a new order, not 409.
			down = false;
			const again = await h.service.create(h.till, charge(code));
			expect(again.status).toBe(200);
			expect((again.body as ChargeView).state).toBe('paid');
		} finally {
			await h.close();
		}
	});

	test('gateway stalled (reply past the timeout): asked by order_no, settled paid', async () => {
		// The reply to 05 is held past the client's timeout; notifications never arrive.
		const h = await startHarness(engine, {
			deadlineMs: 20_000,
			slowReplyMs: 2000,
			refuseNotifications: true
		});
		try {
			const v = (await h.service.create(h.till, charge(wechatCode('05')))).body as ChargeView;
			expect(v).toMatchObject({ state: 'unknown', charge_id: null });
			const paid = await settled(h, v.order_no, 'paid', 4000);
			expect(paid.charge_id).toBe(
				h.sandbox.charges().find((c) => c.order_no === v.order_no)!.charge_id
			);
			expect(paid.late).toBe(false);
		} finally {
			await h.close();
		}
	});

	test('a refused code (04) whose refusal was lost in a stall: failed, not_at_teegon, within seconds', async () => {
		// The gateway refuses the code, but its answer never reaches the till.
		const lose = (real: TeegonApi): TeegonApi => ({
			...real,
			barcodePayStatus: (id, o) => real.barcodePayStatus(id, o),
			barcodePayStatusByOrderNo: (n, o) => real.barcodePayStatusByOrderNo(n, o),
			close: () => real.close(),
			charge: async (r, o) => {
				await real.charge(r, o);
				return { kind: 'unknown', reason: 'timeout after 600 ms', httpStatus: null, raw: null };
			}
		});
		const h = await startHarness(engine, {
			deadlineMs: 60_000,
			absentSettleMs: 1000,
			wrapTeegon: lose,
			refuseNotifications: true
		});
		try {
			const started = Date.now();
			const v = (await h.service.create(h.till, charge(wechatCode('04')))).body as ChargeView;
			expect(v.state).toBe('unknown');
			const failed = await settled(h, v.order_no, 'failed', 5000);
			expect(failed).toMatchObject({ failure_code: 'not_at_teegon', late: false });
			// Long before the 60 s deadline: Teegon said, several times over a second, it has none.
			expect(Date.now() - started).toBeLessThan(5000);
			expect(await chargesNeedingOwner(h.db.db)).toEqual([]);
		} finally {
			await h.close();
		}
	});

	test('a charge the gateway created after the till had failed it as not_at_teegon is a late payment', async () => {
		let hide = true;
		// The query answers "no such charge" for a while, as if Teegon were slow to create it.
		const slowGateway = (real: TeegonApi): TeegonApi => ({
			charge: async (r, o) => {
				await real.charge(r, o);
				return { kind: 'unknown', reason: 'timeout', httpStatus: null, raw: null };
			},
			barcodePayStatus: (id, o) => real.barcodePayStatus(id, o),
			barcodePayStatusByOrderNo: async (n, o) =>
				hide
					? { kind: 'error', error: `order_no: no such charge: ${n}`, httpStatus: 200, raw: null }
					: real.barcodePayStatusByOrderNo(n, o),
			close: () => real.close()
		});
		const h = await startHarness(engine, {
			deadlineMs: 60_000,
			absentSettleMs: 500,
			lateWatchMs: 10_000,
			wrapTeegon: slowGateway,
			refuseNotifications: true
		});
		try {
			const v = (await h.service.create(h.till, charge(wechatCode('00')))).body as ChargeView;
			await settled(h, v.order_no, 'failed', 4000);
			hide = false;
			const paid = await settled(h, v.order_no, 'paid', 8000);
			expect(paid.late).toBe(true);
			const items = await chargesNeedingOwner(h.db.db);
			expect(items.find((i) => i.order_no === v.order_no)?.kind).toBe('late');
		} finally {
			await h.close();
		}
	});

	test('the query unreachable past the deadline: unknown (never failed), listed for the owner with the reason', async () => {
		const unreachable = (real: TeegonApi): TeegonApi => ({
			charge: async (r, o) => {
				await real.charge(r, o);
				return { kind: 'unknown', reason: 'timeout', httpStatus: null, raw: null };
			},
			barcodePayStatus: async () => ({
				kind: 'unknown',
				reason: 'ECONNRESET',
				httpStatus: null,
				raw: null
			}),
			barcodePayStatusByOrderNo: async () => ({
				kind: 'unknown',
				reason: 'ECONNRESET',
				httpStatus: null,
				raw: null
			}),
			close: () => real.close()
		});
		const h = await startHarness(engine, {
			deadlineMs: 500,
			wrapTeegon: unreachable,
			refuseNotifications: true
		});
		try {
			const v = (await h.service.create(h.till, charge(wechatCode('00')))).body as ChargeView;
			await new Promise((r) => setTimeout(r, 1200));
			expect(((await h.service.get(h.till, v.order_no)).body as ChargeView).state).toBe('unknown');
			const item = (await chargesNeedingOwner(h.db.db)).find((i) => i.order_no === v.order_no);
			expect(item).toMatchObject({ kind: 'unknown' });
			expect(item?.detail).toContain('timeout');
		} finally {
			await h.close();
		}
	});
});
