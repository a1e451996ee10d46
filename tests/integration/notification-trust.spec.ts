/**
 * Which notifications are believed, on both engines, against the sandbox over real HTTP.
 * Teegon's signature concatenates names and values with no separator, so a genuinely signed
 * notification can be re-split into other fields; and a signed success may name another
 * charge. Each is refused with nothing changed. A genuine failure fails the charge at once.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChargeView } from '../../src/lib/domain/charge';
import { verify } from '../../src/lib/server/teegon/sign';
import { chargesNeedingOwner } from '../../src/lib/server/owner/attention';
import { dropTestSchemas, engines } from '../helpers/engines';
import {
	CLIENT_SECRET,
	notificationOf,
	orderNo,
	startHarness,
	until,
	wechatCode,
	type Harness
} from '../helpers/harness';

afterAll(dropTestSchemas);

const charge = (code: string, over: Record<string, unknown> = {}) => ({
	order_no: orderNo(),
	amount: '23.45',
	subject: '测试商品',
	auth_code: code,
	...over
});

describe.each(engines)('notifications believed only for the charge they name ($name)', (engine) => {
	let h: Harness;
	beforeAll(async () => {
		// Notifications from the sandbox itself go nowhere: each test sends its own.
		h = await startHarness(engine, { deadlineMs: 30_000, refuseNotifications: true });
	});
	afterAll(async () => h?.close());

	const create = async (till: Harness['till'], body: Record<string, unknown>) => {
		const r = await h.service.create(till, body);
		expect(r.status).toBe(200);
		return r.body as ChargeView;
	};
	const view = async (till: Harness['till'], order: string) =>
		(await h.service.get(till, order)).body as ChargeView;

	test("a paid order's genuine notification re-split across fields does not pay another store's order", async () => {
		// The victim: another store's order, waiting, for the same amount.
		const victim = await create(h.otherTill, charge(wechatCode('03')));
		// A till of this store makes an order whose number and metadata are chosen so that its
		// genuine notification, split differently, reads as one about the victim's order.
		const rogueOrder = `x${'order_no'}${victim.order_no}`;
		const rogue = await create(
			h.till,
			charge(wechatCode('00'), { order_no: rogueOrder, metadata: { k: 'metadataXv' } })
		);
		expect(rogue.state).toBe('paid');
		const genuine = notificationOf(rogue, { metadata: '{"k":"metadataXv"}' });
		const { metadata: _m, order_no: _o, ...rest } = genuine;
		const resplit = {
			...rest,
			metadata: '{"k":"',
			metadataX: 'v"}order_nox',
			order_no: victim.order_no
		};
		// The attack is real: the genuine signature verifies the re-split fields.
		expect(verify(resplit, CLIENT_SECRET)).toBe(true);
		const r = await h.service.notify(resplit);
		expect(r).toMatchObject({ status: 400, outcome: 'refused' });
		expect(r.body).toMatch(/metadataX/);
		expect(await view(h.otherTill, victim.order_no)).toEqual(victim);
		// Listed for the owner: a signed notification the till would not take.
		const items = await chargesNeedingOwner(h.db.db);
		expect(items.some((i) => i.kind === 'refused' && i.detail.includes('metadataX'))).toBe(true);
	});

	test('the same re-split without an added field still names the wrong metadata: not applied', async () => {
		const victim = await create(h.otherTill, charge(wechatCode('03')));
		const forged = notificationOf(victim, { metadata: '{"injected":true}' });
		const r = await h.service.notify(forged);
		expect(r).toMatchObject({ status: 200, outcome: 'mismatch' });
		const after = await view(h.otherTill, victim.order_no);
		expect(after).toMatchObject({ state: 'pending', charge_id: victim.charge_id });
		expect(after.flags).toContain('notification_mismatch');
	});

	test('a signed success naming another charge id is refused, nothing changed', async () => {
		const paid = await create(h.till, charge(wechatCode('00')));
		const waiting = await create(h.till, charge(wechatCode('03')));
		const r = await h.service.notify(notificationOf({ ...waiting, charge_id: paid.charge_id }));
		expect(r).toMatchObject({ status: 200, outcome: 'mismatch' });
		expect(await view(h.till, waiting.order_no)).toMatchObject({
			state: 'pending',
			charge_id: waiting.charge_id
		});
	});

	test('a charge whose reply was lost takes no other charge id from a signed success', async () => {
		// Teegon's reply to this charge never arrives (05: held past the timeout).
		const lost = await create(h.till, charge(wechatCode('05')));
		expect(lost).toMatchObject({ state: 'unknown', charge_id: null });
		const paid = await create(h.till, charge(wechatCode('00')));
		const r = await h.service.notify(notificationOf({ ...lost, charge_id: paid.charge_id }));
		// The query about that id names another order: not this charge's confirmation.
		expect(r.outcome).toBe('unconfirmed');
		const after = await view(h.till, lost.order_no);
		expect(after.charge_id).not.toBe(paid.charge_id);
	});

	test('a success the query contradicts (it failed) is not paid, and the owner is told', async () => {
		const v = await create(h.till, charge(wechatCode('03')));
		h.sandbox.settle({ orderNo: v.order_no }, 'failed');
		const r = await h.service.notify(notificationOf(v));
		expect(r.outcome).toBe('contradicted');
		const after = await view(h.till, v.order_no);
		expect(after).toMatchObject({ state: 'failed', failure_code: 'declined' });
		expect(after.flags).toContain('notification_contradicted');
	});

	test('a genuine failure notification fails the charge at once, never "unknown"', async () => {
		const v = await create(h.till, charge(wechatCode('03')));
		h.sandbox.settle({ orderNo: v.order_no }, 'failed');
		const seen = new Set<string>();
		const watching = until(
			async () => {
				const c = await view(h.till, v.order_no);
				seen.add(c.state);
				return c.state === 'failed';
			},
			5000,
			2
		);
		const r = await h.service.notify(
			notificationOf(v, { is_success: 'false', status: 'trade_status_sync', pay_time: '' })
		);
		expect(r).toMatchObject({ status: 200, outcome: 'applied' });
		// Failed when the notification is answered: not left for the worker.
		expect(await view(h.till, v.order_no)).toMatchObject({
			state: 'failed',
			failure_code: 'declined',
			failure: 'Teegon: PAYERROR'
		});
		await watching;
		expect([...seen]).not.toContain('unknown');
	});

	test('paid_at is ISO 8601 whether the charge reply or a notification set it', async () => {
		const atOnce = await create(h.till, charge(wechatCode('00')));
		expect(atOnce.paid_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		const v = await create(h.till, charge(wechatCode('03')));
		h.sandbox.settle({ orderNo: v.order_no }, 'paid');
		await h.service.notify(notificationOf(v, { pay_time: '1795000000' }));
		expect((await view(h.till, v.order_no)).paid_at).toBe('2026-11-18T11:06:40.000Z');
	});
});
