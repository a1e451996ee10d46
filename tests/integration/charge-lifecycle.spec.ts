/**
 * The charge service's life over time, on both engines: two instances sharing the work,
 * payment-code claims and their window, unsold money for the owner, deadlines, late
 * payments, query failures and restarts.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { makeNotification } from '../../src/lib/server/sandbox/notification';
import type { ChargeView } from '../../src/lib/domain/charge';
import {
	chargesNeedingOwner,
	UNSOLD_GRACE_MS,
	UNSOLD_LOOKBACK_MS
} from '../../src/lib/server/owner/attention';
import { recordSales } from '../../src/lib/server/sales';
import { tradeState } from '../../src/lib/server/teegon/status';
import type { StatusOutcome, TeegonApi } from '../../src/lib/server/teegon/types';
import { dropTestSchemas, engines } from '../helpers/engines';
import {
	CLIENT_SECRET,
	failChargeUpdates,
	notificationOf,
	saleByCode,
	startHarness,
	until,
	wechatCode
} from '../helpers/harness';
import { body, created, settle } from '../helpers/charge-steps';

afterAll(dropTestSchemas);

describe.each(engines)('charge lifecycle on $name', (engine) => {
	test('two instances on one database: every charge is worked by one of them at a time', async () => {
		const inFlight = new Set<string>();
		let overlaps = 0;
		let queries = 0;
		const wrap = (t: TeegonApi): TeegonApi => ({
			charge: (r, o) => t.charge(r, o),
			barcodePayStatusByOrderNo: (n, o) => t.barcodePayStatusByOrderNo(n, o),
			barcodePayStatus: async (id, o) => {
				queries++;
				if (inFlight.has(id)) overlaps++;
				inFlight.add(id);
				try {
					await new Promise((r) => setTimeout(r, 30)); // widen the window for a clash
					return await t.barcodePayStatus(id, o);
				} finally {
					inFlight.delete(id);
				}
			},
			close: () => t.close()
		});
		const a = await startHarness(engine, {
			deadlineMs: 20_000,
			pollIntervalMs: 50,
			wrapTeegon: wrap
		});
		const b = await startHarness(engine, {
			deadlineMs: 20_000,
			pollIntervalMs: 50,
			wrapTeegon: wrap,
			target: a.target,
			sandbox: a.sandbox
		});
		try {
			for (let i = 0; i < 8; i++)
				expect((await created(a, body(wechatCode('03')))).state).toBe('pending');
			await new Promise((r) => setTimeout(r, 1500));
			expect(queries).toBeGreaterThan(16);
			expect(overlaps).toBe(0);
		} finally {
			await b.close();
			await a.close();
		}
	});

	test('an instance whose lease ran out does not release the lease another instance took over', async () => {
		// Each instance's status queries wait at its own gate, so a check can outlive its lease.
		const gates = [0, 1].map(() => {
			let open!: () => void;
			const opened = new Promise<void>((r) => (open = r));
			return { open, opened, waiting: 0 };
		});
		const wrapFor =
			(g: (typeof gates)[number]) =>
			(t: TeegonApi): TeegonApi => ({
				charge: (r, o) => t.charge(r, o),
				barcodePayStatusByOrderNo: (n, o) => t.barcodePayStatusByOrderNo(n, o),
				barcodePayStatus: async (id, o) => {
					g.waiting++;
					await g.opened;
					return t.barcodePayStatus(id, o);
				},
				close: () => t.close()
			});
		const a = await startHarness(engine, {
			deadlineMs: 20_000,
			pollIntervalMs: 50,
			wrapTeegon: wrapFor(gates[0]!)
		});
		const b = await startHarness(engine, {
			deadlineMs: 20_000,
			pollIntervalMs: 50,
			wrapTeegon: wrapFor(gates[1]!),
			target: a.target,
			sandbox: a.sandbox
		});
		const lease = async (orderNo: string) =>
			(
				await a.db.db
					.selectFrom('charges')
					.select(['lease_owner', 'lease_until'])
					.where('order_no', '=', orderNo)
					.executeTakeFirstOrThrow()
			).lease_owner;
		const until = async (cond: () => boolean | Promise<boolean>) => {
			for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
			expect(await cond()).toBe(true);
		};
		try {
			const charge = await created(a, body(wechatCode('03'))); // pending: the worker polls
			await until(() => gates[0]!.waiting + gates[1]!.waiting === 1);
			const first = gates[0]!.waiting === 1 ? 0 : 1;
			const firstOwner = await lease(charge.order_no);
			expect(firstOwner).not.toBeNull();
			// The first check hangs past its lease: the other instance takes the charge over.
			await a.db.db
				.updateTable('charges')
				.set({ lease_until: Date.now() - 1, next_check_at: Date.now() - 1 })
				.where('order_no', '=', charge.order_no)
				.execute();
			await until(() => gates[1 - first]!.waiting === 1);
			const secondOwner = await lease(charge.order_no);
			expect(secondOwner).not.toBeNull();
			expect(secondOwner).not.toBe(firstOwner);
			// The first check now finishes: the lease it releases is no longer its own.
			const settled = a.db.db
				.selectFrom('charges')
				.select(['checks'])
				.where('order_no', '=', charge.order_no);
			const checksBefore = (await settled.executeTakeFirstOrThrow()).checks;
			gates[first]!.open();
			await until(async () => (await settled.executeTakeFirstOrThrow()).checks > checksBefore);
			expect(await lease(charge.order_no)).toBe(secondOwner);
			expect(gates[first]!.waiting).toBe(1); // and it did not start another check meanwhile
			gates[1 - first]!.open();
			await until(async () => (await lease(charge.order_no)) === null || gates[first]!.waiting > 1);
		} finally {
			gates.forEach((g) => g.open());
			await b.close();
			await a.close();
		}
	});

	test('a payment code may be used again once the reuse window has passed', async () => {
		const h = await startHarness(engine, { authCodeReuseWindowMs: 300 });
		try {
			const code = wechatCode('00');
			await created(h, body(code));
			expect((await h.service.create(h.till, body(code))).status).toBe(409);
			await new Promise((r) => setTimeout(r, 350));
			await created(h, body(code));
			// The same order again is never a reuse: it is the stored charge…
			const b = body(code);
			await new Promise((r) => setTimeout(r, 350));
			const first = await created(h, b);
			expect((await created(h, b)).charge_id).toBe(first.charge_id);
			// …even after another order has since taken the code over.
			await new Promise((r) => setTimeout(r, 350));
			await created(h, body(code));
			const again = await h.service.create(h.till, b);
			expect(again.status).toBe(200);
			expect((again.body as ChargeView).charge_id).toBe(first.charge_id);
		} finally {
			await h.close();
		}
	});

	test('claims older than the reuse window are pruned; newer ones stay', async () => {
		const h = await startHarness(engine, { authCodeReuseWindowMs: 60_000 });
		try {
			const old = wechatCode('00');
			const fresh = wechatCode('00');
			const first = body(old);
			await created(h, first);
			await created(h, body(fresh));
			await h.db.db
				.updateTable('auth_code_claims')
				.set({ claimed_at: Date.now() - 61_000 })
				.where('order_no', '=', first.order_no)
				.execute();
			// The worker prunes too (its first tick may come after the update above): between them,
			// exactly the old claim goes.
			expect(await h.service.pruneClaims()).toBeLessThanOrEqual(1);
			const left = await h.db.db.selectFrom('auth_code_claims').select('order_no').execute();
			expect(left).toHaveLength(1);
			// The pruned code is free again; the other is still refused for another order.
			await created(h, body(old));
			expect((await h.service.create(h.till, body(fresh))).status).toBe(409);
		} finally {
			await h.close();
		}
	});

	test('money taken with no sale naming it is listed for the owner after an hour; the sale clears it', async () => {
		const h = await startHarness(engine);
		try {
			const b = body(wechatCode('00'));
			const paid = await created(h, b);
			expect(paid.state).toBe('paid');
			const unsold = async (at: number) =>
				(await chargesNeedingOwner(h.db.db, at))
					.filter((i) => i.kind === 'unsold')
					.map((i) => i.order_no);
			expect(await unsold(Date.now())).toEqual([]); // the till's sale may still be on its way
			const later = Date.now() + UNSOLD_GRACE_MS + 1000;
			expect(await unsold(later)).toEqual([b.order_no]);
			expect(await unsold(Date.now() + UNSOLD_LOOKBACK_MS + 1000)).toEqual([]); // a month on
			const [result] = await recordSales(h.db.db, h.till, [
				saleByCode(b.order_no, 2345, paid.charge_id)
			]);
			expect(result?.status).toBe('applied');
			expect(await unsold(later)).toEqual([]);
		} finally {
			await h.close();
		}
	});

	describe('deadlines, late payments, query failures and restarts', () => {
		test('03: never confirms → failed at the deadline with the reason', async () => {
			const h = await startHarness(engine, { deadlineMs: 800 });
			try {
				const b = body(wechatCode('03'));
				expect((await created(h, b)).state).toBe('pending');
				const v = await settle(h, b.order_no, 'failed', 5000);
				expect(v.failure).toBe('customer did not confirm in time');
				expect(Date.parse(v.deadline_at) - Date.parse(v.created_at)).toBe(800);
			} finally {
				await h.close();
			}
		});

		test('late payment: paid after the till gave up → paid + late, listed for the owner', async () => {
			const h = await startHarness(engine, { deadlineMs: 500, confirmDelayMs: 1500 });
			try {
				const b = body(wechatCode('01'));
				await created(h, b);
				await settle(h, b.order_no, 'failed', 5000);
				const v = await settle(h, b.order_no, 'paid', 6000);
				expect(v.late).toBe(true);
				expect(
					(await chargesNeedingOwner(h.db.db)).find((i) => i.order_no === b.order_no)?.kind
				).toBe('late');
			} finally {
				await h.close();
			}
		});

		test('status queries failing at the deadline → unknown, never failed; settled by a later query', async () => {
			let failing = true;
			const wrap = (t: TeegonApi): TeegonApi => ({
				charge: (r, o) => t.charge(r, o),
				barcodePayStatusByOrderNo: (n, o) => t.barcodePayStatusByOrderNo(n, o),
				barcodePayStatus: (id, o) =>
					failing
						? Promise.resolve<StatusOutcome>({
								kind: 'unknown',
								reason: 'connection reset',
								httpStatus: null,
								raw: null
							})
						: t.barcodePayStatus(id, o),
				close: () => t.close()
			});
			// Notifications never get through: only a status query can tell.
			const h = await startHarness(engine, {
				deadlineMs: 600,
				confirmDelayMs: 1200,
				wrapTeegon: wrap,
				refuseNotifications: true
			});
			try {
				const sentAt = Date.now();
				const first = await h.service.create(h.till, body(wechatCode('01')));
				expect((first.body as ChargeView).state).toBe('pending');
				const order = (first.body as ChargeView).order_no;
				const unknown = await settle(h, order, 'unknown', 4000);
				expect(unknown.failure).toBeNull();
				// Well past the deadline, and past the customer's confirmation: still unknown.
				await new Promise((r) => setTimeout(r, Math.max(0, sentAt + 1800 - Date.now())));
				const still = (await h.service.get(h.till, order)).body as ChargeView;
				expect(still).toMatchObject({ state: 'unknown', failure: null });
				failing = false;
				const paid = await settle(h, order, 'paid', 8000);
				// Never failed: the till was still waiting for the answer, and records the sale.
				expect(paid.late).toBe(false);
			} finally {
				await h.close();
			}
		});

		test("a trade_status the till does not know (WeChat's ACCEPT) is never failed at the deadline", async () => {
			let status = 'ACCEPT';
			const wrap = (t: TeegonApi): TeegonApi => ({
				charge: (r, o) => t.charge(r, o),
				barcodePayStatusByOrderNo: (n, o) => t.barcodePayStatusByOrderNo(n, o),
				barcodePayStatus: async () => ({
					kind: 'status',
					state: tradeState(status),
					tradeStatus: status,
					chargeId: null,
					orderNo: null,
					raw: null
				}),
				close: () => t.close()
			});
			const h = await startHarness(engine, {
				deadlineMs: 600,
				wrapTeegon: wrap,
				refuseNotifications: true
			});
			try {
				const order = (await created(h, body(wechatCode('03')))).order_no;
				await settle(h, order, 'unknown', 4000);
				await new Promise((r) => setTimeout(r, 1200)); // well past the deadline
				expect((await h.service.get(h.till, order)).body).toMatchObject({
					state: 'unknown',
					failure: null
				});
				const listed = (await chargesNeedingOwner(h.db.db)).find((i) => i.order_no === order);
				expect(listed).toMatchObject({ kind: 'unknown' });
				expect(listed?.detail).toContain('ACCEPT');
				status = 'SUCCESS';
				expect((await settle(h, order, 'paid', 4000)).late).toBe(false);
			} finally {
				await h.close();
			}
		});

		test('a "not successful" notification in words the till does not know: unknown, not waiting', async () => {
			const h = await startHarness(engine, { deadlineMs: 20_000 });
			try {
				const v = await created(h, body(wechatCode('03'))); // pending
				const order = v.order_no;
				const r = await h.service.notify(
					notificationOf(v, { is_success: 'false', status: 'ACCEPT' })
				);
				expect(r.status).toBe(200);
				// Not "waiting for the customer", which the deadline would turn into failed.
				expect((await h.service.get(h.till, order)).body).toMatchObject({
					state: 'unknown',
					failure: null
				});
			} finally {
				await h.close();
			}
		});

		test('unknown past the late watch, then "still paying" → failed, and still watched: a late payment is seen', async () => {
			let status: 'down' | 'USERPAYING' | 'SUCCESS' = 'down';
			const wrap = (t: TeegonApi): TeegonApi => ({
				charge: (r, o) => t.charge(r, o),
				barcodePayStatusByOrderNo: (n, o) => t.barcodePayStatusByOrderNo(n, o),
				barcodePayStatus: async () =>
					status === 'down'
						? { kind: 'unknown', reason: 'connection reset', httpStatus: null, raw: null }
						: {
								kind: 'status',
								state: tradeState(status),
								tradeStatus: status,
								chargeId: null,
								orderNo: null,
								raw: null
							},
				close: () => t.close()
			});
			const h = await startHarness(engine, {
				deadlineMs: 600,
				lateWatchMs: 500,
				pollIntervalMs: 100,
				wrapTeegon: wrap,
				refuseNotifications: true
			});
			try {
				const order = (await created(h, body(wechatCode('03')))).order_no;
				await settle(h, order, 'unknown', 4000);
				// Teegon's status API is down past the deadline and the late watch after it.
				await new Promise((r) => setTimeout(r, 1500));
				status = 'USERPAYING';
				const failed = await settle(h, order, 'failed', 4000);
				expect(failed.failure).toBe('customer did not confirm in time');
				await new Promise((r) => setTimeout(r, 200));
				status = 'SUCCESS'; // the customer confirms after all
				const paid = await settle(h, order, 'paid', 3000);
				expect(paid.late).toBe(true);
			} finally {
				await h.close();
			}
		});

		test('a status query hanging until its timeout does not hold back other charges', async () => {
			let slowId: string | null = null;
			const wrap = (t: TeegonApi): TeegonApi => ({
				charge: (r, o) => t.charge(r, o),
				barcodePayStatusByOrderNo: (n, o) => t.barcodePayStatusByOrderNo(n, o),
				barcodePayStatus: async (id, o) => {
					if (id === slowId) await new Promise((r) => setTimeout(r, 3000));
					return t.barcodePayStatus(id, o);
				},
				close: () => t.close()
			});
			// Notifications never get through: only status queries can tell.
			const h = await startHarness(engine, {
				deadlineMs: 20_000,
				confirmDelayMs: 400,
				wrapTeegon: wrap,
				refuseNotifications: true
			});
			try {
				const slow = await created(h, body(wechatCode('01')));
				slowId = slow.charge_id;
				const sentAt = Date.now();
				const quick = await created(h, body(wechatCode('01')));
				expect(quick.state).toBe('pending');
				await settle(h, quick.order_no, 'paid', 2500);
				expect(Date.now() - sentAt).toBeLessThan(2500); // not after the slow query's 3 s
			} finally {
				await h.close();
			}
		});

		test('a check that fails (the database refuses its update) is retried later, not on every tick', async () => {
			const lines: string[] = [];
			const h = await startHarness(engine, {
				deadlineMs: 20_000,
				confirmDelayMs: 60_000,
				refuseNotifications: true,
				log: (l) => lines.push(l)
			});
			try {
				const v = await created(h, body(wechatCode('01')));
				// The worker's updates (they count the check) fail; nothing else does.
				const restore = await failChargeUpdates(h, 'NEW.checks > OLD.checks');
				try {
					await new Promise((r) => setTimeout(r, 1500));
				} finally {
					await restore();
				}
				const failed = lines.filter((l) => l.startsWith(`[worker] check of charge`));
				expect(failed.length).toBeGreaterThanOrEqual(1);
				expect(failed.length).toBeLessThanOrEqual(2); // every 30 ms tick before: about 50
				expect(((await h.service.get(h.till, v.order_no)).body as ChargeView).state).toBe(
					'pending'
				);
			} finally {
				await h.close();
			}
		});

		test('server stopped mid-charge and started again → the charge is settled after the restart', async () => {
			const h1 = await startHarness(engine, { confirmDelayMs: 800, deadlineMs: 10_000 });
			const b = body(wechatCode('06').replace(/06$/, '01'));
			expect((await created(h1, b)).state).toBe('pending');
			await h1.crash(); // no worker, no receiver: nobody is left to learn the outcome
			const h2 = await startHarness(engine, { target: h1.target, sandbox: h1.sandbox });
			try {
				const v = await settle(h2, b.order_no, 'paid', 8000);
				expect(v.late).toBe(false);
			} finally {
				await h2.close();
				await h1.sandbox.close();
			}
		});

		test('a charge whose call never completed (process died) becomes unknown, then paid by the notification', async () => {
			// h1 never gets the notification: it dies before it could be told.
			const h1 = await startHarness(engine, {
				slowReplyMs: 1500,
				teegonTimeoutMs: 5000,
				refuseNotifications: true
			});
			const b = body(wechatCode('05'));
			const pendingCall = h1.service.create(h1.till, b);
			await until(async () => h1.sandbox.charges().some((c) => c.order_no === b.order_no));
			// Simulate death: the lease that the calling process held runs out.
			await h1.db.db
				.updateTable('charges')
				.set({ lease_until: Date.now() - 1, next_check_at: Date.now() - 1, lease_owner: 'dead' })
				.where('order_no', '=', b.order_no)
				.execute();
			await h1.crash();
			await pendingCall.catch(() => undefined);
			const h2 = await startHarness(engine, { target: h1.target, sandbox: h1.sandbox });
			try {
				// The sandbox keeps retrying its notification to the old receiver; point a new delivery at h2 by replaying it.
				const sc = h1.sandbox.charges().find((c) => c.order_no === b.order_no)!;
				const n = makeNotification(
					{
						amount: sc.amount,
						bank: 'CFT',
						buyer: 'x',
						channel: sc.channel,
						charge_id: sc.charge_id,
						device_info: '',
						is_success: 'true',
						metadata: '',
						order_no: b.order_no,
						pay_time: '2026-11-26 13:00:00',
						real_amount: sc.amount,
						status: sc.trade_status,
						timestamp: '1'
					},
					CLIENT_SECRET
				);
				const seen = new Set<string>();
				await until(async () => {
					const s = ((await h2.service.get(h2.till, b.order_no)).body as ChargeView).state;
					seen.add(s);
					return s === 'unknown';
				}, 5000).catch((e: Error) => {
					throw new Error(`${e.message}; states seen: ${[...seen].join(',')}`);
				});
				expect((await h2.service.notify(n)).status).toBe(200);
				const v = await settle(h2, b.order_no, 'paid');
				expect(v.charge_id).toBe(sc.charge_id);
				expect(seen.has('failed')).toBe(false);
			} finally {
				await h2.close();
				await h1.sandbox.close();
			}
		});
	});
});
