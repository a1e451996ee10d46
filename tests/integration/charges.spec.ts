/**
 * The charge service against the sandbox gateway over real HTTP, on both engines: every
 * sandbox outcome from the charge to its final state, duplicates, reused payment codes,
 * notifications forged, tampered, replayed and for unknown orders. Instances, claims,
 * deadlines, restarts and late payments: charge-lifecycle.spec.ts.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { makeNotification } from '../../src/lib/server/sandbox/notification';
import type { ChargeView } from '../../src/lib/domain/charge';
import { chargesNeedingOwner } from '../../src/lib/server/owner/attention';
import { dropTestSchemas, engines } from '../helpers/engines';
import {
	CLIENT_SECRET,
	alipayCode,
	failChargeUpdates,
	notificationFields,
	notificationOf,
	orderNo,
	startHarness,
	until,
	wechatCode,
	type Harness
} from '../helpers/harness';
import { body, created, notificationsOf, settle } from '../helpers/charge-steps';

afterAll(dropTestSchemas);

describe.each(engines)('charges on $name', (engine) => {
	describe('sandbox outcomes', () => {
		let h: Harness;
		test('setup', async () => {
			h = await startHarness(engine, { deadlineMs: 4000 });
			expect(h.sandbox.chargeCallCount).toBe(0);
		});
		afterAll(async () => h?.close());

		test('00: paid at once, notification recorded and applied once', async () => {
			const b = body(wechatCode('00'));
			const v = await created(h, b);
			expect(v).toMatchObject({
				order_no: b.order_no,
				state: 'paid',
				amount: '23.45',
				late: false,
				wallet: 'wechat'
			});
			expect(v.charge_id).toBeTruthy();
			await until(async () => h.notifyLog.length > 0);
			const rows = await notificationsOf(h, b.order_no);
			expect(rows).toHaveLength(1);
			expect(rows[0]!.outcome).toBe('applied');
			expect(JSON.parse(rows[0]!.fields)).toHaveProperty('sign');
		});

		test('01: waits for the customer, then paid; a long poll learns it at once', async () => {
			const b = body(alipayCode('01'));
			const v = await created(h, b);
			expect(v.state).toBe('pending');
			expect(v.wallet).toBe('alipay');
			const t0 = Date.now();
			const r = await h.service.get(h.till, b.order_no, { waitMs: 10_000 });
			expect((r.body as ChargeView).state).toBe('paid');
			expect(Date.now() - t0).toBeLessThan(3000);
		});

		test('02: customer confirms, then fails', async () => {
			const b = body(wechatCode('02'));
			expect((await created(h, b)).state).toBe('pending');
			const v = await settle(h, b.order_no, 'failed');
			expect(v.failure).toMatch(/PAYERROR/);
			expect(v.late).toBe(false);
		});

		test("04: refused at once with Teegon's reason", async () => {
			const v = await created(h, body(wechatCode('04')));
			expect(v.state).toBe('failed');
			expect(v.failure).toMatch(/余额不足/);
		});

		test('05: reply slower than the client timeout → unknown (never failed) → paid by the notification', async () => {
			const b = body(wechatCode('05'));
			const v = await created(h, b);
			// The sandbox's notification can beat the timed-out reply; either way never `failed`.
			expect(['unknown', 'paid']).toContain(v.state);
			const seen = new Set<string>();
			const paid = await until(async () => {
				const c = (await h.service.get(h.till, b.order_no)).body as ChargeView;
				seen.add(c.state);
				return c.state === 'paid' ? c : null;
			});
			expect(seen.has('failed')).toBe(false);
			expect(paid.charge_id).toBeTruthy();
		});

		test('06: paid at once, no notification ever', async () => {
			const b = body(wechatCode('06'));
			expect((await created(h, b)).state).toBe('paid');
			await new Promise((r) => setTimeout(r, 300));
			const rows = await notificationsOf(h, b.order_no);
			expect(rows).toHaveLength(0);
		});

		test('07: notification sent twice → applied once, state unchanged', async () => {
			const b = body(wechatCode('07'));
			expect((await created(h, b)).state).toBe('paid');
			await until(
				async () =>
					h.sandbox.charges().find((c) => c.order_no === b.order_no)!.notifications.delivered === 2
			);
			const rows = await notificationsOf(h, b.order_no);
			expect(rows.filter((r) => r.outcome === 'applied').length).toBeGreaterThanOrEqual(1);
			expect(((await h.service.get(h.till, b.order_no)).body as ChargeView).state).toBe('paid');
		});

		test('08: 502 with HTML → unknown, then failed once Teegon says it has no such charge', async () => {
			const b = body(wechatCode('08'));
			const first = await created(h, b);
			expect(first).toMatchObject({ state: 'unknown', charge_id: null });
			// Asked by order_no, the gateway has no such charge: failed at the deadline (4 s here),
			// and not left on the owner's list as unknown.
			const failed = await settle(h, b.order_no, 'failed', 8000);
			expect(failed).toMatchObject({ failure_code: 'not_at_teegon', late: false });
			const items = await chargesNeedingOwner(h.db.db);
			expect(items.filter((i) => i.order_no === b.order_no)).toEqual([]);
		});

		test('the charge is stored durably before Teegon is called, and a notification before its 200', async () => {
			const own = await startHarness(engine); // no other test's notifications arrive here
			try {
				const v = await created(own, body(wechatCode('03')));
				expect(own.sandbox.chargeCallCount).toBe(1);
				const r = await own.service.notify(notificationOf(v));
				expect(r.status).toBe(200);
				expect(own.durableWrites).toEqual([
					'charges +1, notifications +0, Teegon charged 0',
					'charges +0, notifications +1, Teegon charged 1'
				]);
			} finally {
				await own.close();
			}
		});

		test('charges that arrive together share a durable commit', async () => {
			const own = await startHarness(engine);
			try {
				// 06: paid at once with no notification, so the only durable writes are the charges.
				const views = await Promise.all(
					Array.from({ length: 20 }, () => created(own, body(wechatCode('06'))))
				);
				expect(views.every((v) => v.state === 'paid')).toBe(true);
				expect(own.durableWrites.length).toBeGreaterThan(0);
				expect(own.durableWrites.length).toBeLessThan(20);
				const stored = await own.db.db.selectFrom('charges').select('order_no').execute();
				expect(stored.map((c) => c.order_no).sort()).toEqual(views.map((v) => v.order_no).sort());
			} finally {
				await own.close();
			}
		});

		test('sequential duplicate: same body → the stored charge, Teegon called once; other body → 409', async () => {
			const b = body(wechatCode('00'));
			const before = h.sandbox.chargeCallCount;
			const first = await created(h, b);
			const again = await created(h, b);
			expect(again.charge_id).toBe(first.charge_id);
			expect(h.sandbox.chargeCallCount).toBe(before + 1);
			const other = await h.service.create(h.till, { ...b, amount: '23.46' });
			expect(other.status).toBe(409);
			expect(other.body).toMatchObject({ error: { code: 'order_no_conflict', field: 'order_no' } });
			expect(h.sandbox.chargeCallCount).toBe(before + 1);
		});

		test('20 concurrent duplicates → exactly one Teegon charge', async () => {
			const b = body(wechatCode('01'));
			const before = h.sandbox.chargeCallCount;
			const replies = await Promise.all(
				Array.from({ length: 20 }, () => h.service.create(h.till, b))
			);
			expect(replies.every((r) => r.status === 200)).toBe(true);
			expect(h.sandbox.chargeCallCount).toBe(before + 1);
			expect(h.sandbox.charges().filter((c) => c.order_no === b.order_no)).toHaveLength(1);
		});

		test('a payment code is single-use: another order with it → 409, Teegon not called', async () => {
			const code = wechatCode('00');
			await created(h, body(code));
			const before = h.sandbox.chargeCallCount;
			const r = await h.service.create(h.till, body(code));
			expect(r.status).toBe(409);
			expect(r.body).toMatchObject({ error: { code: 'auth_code_used', field: 'auth_code' } });
			expect(h.sandbox.chargeCallCount).toBe(before);
		});

		test('one payment code, ten orders at the same moment → one charge, nine 409s', async () => {
			const code = wechatCode('00');
			const before = h.sandbox.chargeCallCount;
			const replies = await Promise.all(
				Array.from({ length: 10 }, () => h.service.create(h.till, body(code)))
			);
			expect(replies.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
			expect(h.sandbox.chargeCallCount).toBe(before + 1);
			expect(h.sandbox.charges().filter((c) => c.auth_code === code)).toHaveLength(1);
		});

		test('a request refused for its order number does not use up its payment code', async () => {
			const taken = body(wechatCode('00'));
			await created(h, taken);
			const code = wechatCode('00');
			// Another store, the same order number: refused, and the code was never charged.
			const r = await h.service.create(h.otherTill, { ...taken, auth_code: code });
			expect(r.body).toMatchObject({ error: { code: 'order_no_taken' } });
			// Nor for this store with another body.
			const c = await h.service.create(h.till, { ...taken, auth_code: code });
			expect(c.body).toMatchObject({ error: { code: 'order_no_conflict' } });
			// So the customer's code still pays a new order.
			expect((await created(h, body(code))).state).toBe('paid');
		});

		test('another store cannot see or reuse a charge', async () => {
			const b = body(wechatCode('00'));
			await created(h, b);
			expect((await h.service.get(h.otherTill, b.order_no)).status).toBe(404);
			const r = await h.service.create(h.otherTill, b);
			expect(r.status).toBe(409);
			expect(JSON.stringify(r.body)).not.toContain('charge_id');
		});

		test('every validation rule: 400 naming the field, nothing stored, nothing sent', async () => {
			const before = h.sandbox.chargeCallCount;
			const good = body(wechatCode('00'));
			const cases: [Record<string, unknown>, string][] = [
				[{ order_no: undefined }, 'order_no'],
				[{ order_no: '' }, 'order_no'],
				[{ order_no: 'x'.repeat(65) }, 'order_no'],
				[{ order_no: 'bad order!' }, 'order_no'],
				[{ amount: undefined }, 'amount'],
				[{ amount: 23.45 }, 'amount'],
				[{ amount: '0' }, 'amount'],
				[{ amount: '0.00' }, 'amount'],
				[{ amount: '-1.00' }, 'amount'],
				[{ amount: '1.234' }, 'amount'],
				[{ amount: '1e3' }, 'amount'],
				[{ amount: '50000.01' }, 'amount'],
				[{ subject: '' }, 'subject'],
				[{ subject: '字'.repeat(129) }, 'subject'],
				[{ subject: 5 }, 'subject'],
				[{ subject: '矿泉水\u0000' }, 'subject'],
				[{ subject: '矿泉水\n×2' }, 'subject'],
				[{ auth_code: '123456789' }, 'auth_code'],
				[{ auth_code: '1'.repeat(25) }, 'auth_code'],
				[{ auth_code: '13456789012345678a' }, 'auth_code'],
				[{ metadata: [1, 2] }, 'metadata'],
				[{ metadata: 'text' }, 'metadata'],
				[{ metadata: { note: 'x'.repeat(600) } }, 'metadata']
			];
			for (const [over, field] of cases) {
				const r = await h.service.create(h.till, {
					...good,
					...over,
					order_no: 'order_no' in over ? over.order_no : orderNo()
				});
				expect(r.status, JSON.stringify(over).slice(0, 60)).toBe(400);
				expect(r.body).toMatchObject({ error: { code: 'invalid', field } });
				expect((r.body as { error: { message: string } }).error.message).toContain(field);
			}
			expect((await h.service.create(h.till, 'not an object')).status).toBe(400);
			expect(h.sandbox.chargeCallCount).toBe(before);
			const stored = await h.db.db
				.selectFrom('charges')
				.select('order_no')
				.where('subject', '=', '')
				.execute();
			expect(stored).toHaveLength(0);
		});

		test('metadata of up to 512 bytes is accepted and echoed in the notification', async () => {
			const b = body(wechatCode('00'), { metadata: { sale: 'S-1', 收银员: '王' } });
			expect((await created(h, b)).state).toBe('paid');
			const row = await until(async () =>
				h.db.db
					.selectFrom('notifications')
					.select('fields')
					.where('order_no', '=', b.order_no)
					.executeTakeFirst()
			);
			expect(JSON.parse(JSON.parse(row.fields).metadata)).toEqual({ sale: 'S-1', 收银员: '王' });
		});
	});

	describe('notifications', () => {
		let h: Harness;
		test('setup', async () => {
			h = await startHarness(engine);
			expect(h.notifyUrl).toMatch(/^http/);
		});
		afterAll(async () => h?.close());

		const fieldsFor = notificationFields;

		test('forged (wrong secret), tampered and unsigned notifications → 403, nothing changed', async () => {
			const b = body(wechatCode('03'));
			await created(h, b);
			const forged = makeNotification(fieldsFor(b.order_no), 'not-the-secret');
			expect((await h.service.notify(forged)).status).toBe(403);
			const tampered = {
				...makeNotification(fieldsFor(b.order_no, { amount: '0.01' }), CLIENT_SECRET),
				amount: '23.45'
			};
			expect((await h.service.notify(tampered)).status).toBe(403);
			const { sign: _s, ...unsigned } = makeNotification(fieldsFor(b.order_no), CLIENT_SECRET);
			expect((await h.service.notify(unsigned)).status).toBe(403);
			expect(((await h.service.get(h.till, b.order_no)).body as ChargeView).state).toBe('pending');
			const rows = await notificationsOf(h, b.order_no);
			expect(rows).toHaveLength(0);
		});

		test('is_success "false" is text, not truthy', async () => {
			const v = await created(h, body(wechatCode('03')));
			const r = await h.service.notify(
				notificationOf(v, { is_success: 'false', status: 'USERPAYING' })
			);
			expect(r.status).toBe(200);
			expect(((await h.service.get(h.till, v.order_no)).body as ChargeView).state).toBe('pending');
		});

		test('a success the status query confirms settles a waiting charge; its replay changes nothing', async () => {
			const v = await created(h, body(wechatCode('03')));
			// The customer confirms; the query will say so.
			h.sandbox.settle({ orderNo: v.order_no }, 'paid');
			const n = notificationOf(v);
			const first = await h.service.notify(n);
			expect(first).toMatchObject({ status: 200, body: 'success', outcome: 'applied' });
			const paid = (await h.service.get(h.till, v.order_no)).body as ChargeView;
			expect(paid).toMatchObject({ state: 'paid', paid_at: '2026-11-18T11:06:40.000Z' });
			const replay = await h.service.notify(n);
			expect(replay).toMatchObject({ status: 200, body: 'success', outcome: 'duplicate' });
			expect((await h.service.get(h.till, v.order_no)).body).toEqual(paid);
			const rows = await notificationsOf(h, v.order_no);
			expect(rows).toHaveLength(1);
		});

		test('a success the status query does not confirm changes nothing until Teegon says paid', async () => {
			const own = await startHarness(engine, { deadlineMs: 20_000, refuseNotifications: true });
			try {
				const v = await created(own, body(wechatCode('03')));
				// Genuinely signed, but the wallet still says the customer is confirming.
				const r = await own.service.notify(notificationOf(v));
				expect(r).toMatchObject({ status: 200, outcome: 'unconfirmed' });
				await new Promise((res) => setTimeout(res, 300)); // several worker checks
				expect(((await own.service.get(own.till, v.order_no)).body as ChargeView).state).toBe(
					'pending'
				);
				own.sandbox.settle({ orderNo: v.order_no }, 'paid');
				expect((await settle(own, v.order_no, 'paid', 4000)).late).toBe(false);
			} finally {
				await own.close();
			}
		});

		test('a notification recorded but not applied (the update failed) is applied when Teegon sends it again', async () => {
			const own = await startHarness(engine, { deadlineMs: 20_000, pollIntervalMs: 60_000 });
			try {
				const v = await created(own, body(wechatCode('03')));
				own.sandbox.settle({ orderNo: v.order_no }, 'paid');
				// The charge's update fails, as a full disk or a crash would.
				const restore = await failChargeUpdates(own, `NEW.state = 'paid'`);
				const n = notificationOf(v);
				try {
					await expect(own.service.notify(n)).rejects.toThrow(/disk on fire/); // answered 500
					expect((await notificationsOf(own, v.order_no)).length).toBe(1); // recorded, not applied
					expect(((await own.service.get(own.till, v.order_no)).body as ChargeView).state).toBe(
						'pending'
					);
				} finally {
					await restore();
				}
				// Teegon retries until it gets 200: the replay is applied, and recorded once.
				expect(await own.service.notify(n)).toMatchObject({ status: 200, outcome: 'duplicate' });
				const paid = (await own.service.get(own.till, v.order_no)).body as ChargeView;
				expect(paid).toMatchObject({ state: 'paid', late: false });
				expect((await notificationsOf(own, v.order_no)).length).toBe(1);
				// And a further replay changes nothing.
				expect(await own.service.notify(n)).toMatchObject({ status: 200, outcome: 'duplicate' });
				expect((await own.service.get(own.till, v.order_no)).body).toEqual(paid);
			} finally {
				await own.close();
			}
		});

		test('a notification saying neither success nor failure is kept and flagged for the owner', async () => {
			const v = await created(h, body(wechatCode('03')));
			const n = notificationOf(v, { is_success: 'TRUE' });
			expect(await h.service.notify(n)).toMatchObject({ status: 200, outcome: 'ignored' });
			expect((await notificationsOf(h, v.order_no)).length).toBe(1);
			expect(((await h.service.get(h.till, v.order_no)).body as ChargeView).state).toBe('pending');
			const item = (await chargesNeedingOwner(h.db.db)).find((i) => i.order_no === v.order_no);
			expect(item).toMatchObject({ kind: 'flagged' });
			expect(item?.detail).toContain('neither success nor failure');
			// Sent again: still one item.
			expect(await h.service.notify(n)).toMatchObject({ status: 200, outcome: 'duplicate' });
			expect(
				(await chargesNeedingOwner(h.db.db)).filter((i) => i.order_no === v.order_no)
			).toHaveLength(1);
		});

		test("Teegon's answer to the charge is stored even when the first tries to store it fail", async () => {
			// Every first write of a charge id fails for a moment, as a database restart would.
			const restore = await failChargeUpdates(
				h,
				'NEW.charge_id IS NOT NULL AND OLD.charge_id IS NULL'
			);
			const restored = new Promise((r) => setTimeout(r, 150)).then(restore);
			try {
				const v = await created(h, body(wechatCode('00')));
				expect(v.state).toBe('paid');
				expect(v.charge_id).toBeTruthy();
			} finally {
				await restored;
			}
		});

		test('a notification for an unknown order is kept as an orphan and answered 200', async () => {
			const r = await h.service.notify(
				makeNotification(fieldsFor('NO-SUCH-ORDER-1'), CLIENT_SECRET)
			);
			expect(r).toMatchObject({ status: 200, outcome: 'orphan' });
			const items = await chargesNeedingOwner(h.db.db);
			expect(items.find((i) => i.order_no === 'NO-SUCH-ORDER-1')).toMatchObject({
				kind: 'orphan',
				amount: '23.45'
			});
		});

		test('an amount that disagrees with the charge is flagged, not accepted as paid', async () => {
			const b = body(wechatCode('03'));
			await created(h, b);
			const r = await h.service.notify(
				makeNotification(fieldsFor(b.order_no, { amount: '0.01' }), CLIENT_SECRET)
			);
			expect(r).toMatchObject({ status: 200, outcome: 'mismatch' });
			const v = (await h.service.get(h.till, b.order_no)).body as ChargeView;
			expect(v.state).not.toBe('paid');
			expect(v.flags).toContain('amount_mismatch');
			expect(
				(await chargesNeedingOwner(h.db.db)).find((i) => i.order_no === b.order_no)?.kind
			).toBe('mismatch');
		});
	});
});
