/**
 * The owner's attention list and its "dealt with" marks, on both engines: through the service
 * (against the sandbox over real HTTP) and through the admin command as a real process.
 */
import { admin } from '../helpers/admin';
import { afterAll, describe, expect, test } from 'vitest';
import type { ChargeView } from '../../src/lib/domain/charge';
import {
	chargesNeedingOwner,
	reviewAttentionItem,
	ReviewError,
	REVIEW_NOTE_MAX,
	UNSOLD_GRACE_MS
} from '../../src/lib/server/owner/attention';
import { openDatabase } from '../../src/lib/server/db';
import { recordSales } from '../../src/lib/server/sales';
import { makeNotification } from '../../src/lib/server/sandbox/notification';
import { dropTestSchemas, engines } from '../helpers/engines';
import {
	CLIENT_SECRET,
	notificationFields,
	notificationOf,
	orderNo,
	saleByCode,
	startHarness,
	until,
	wechatCode
} from '../helpers/harness';

afterAll(dropTestSchemas);

const body = (code: string) => ({
	order_no: orderNo('R'),
	amount: '23.45',
	subject: '测试商品',
	auth_code: code
});

describe.each(engines)('owner reviews on $name', (engine) => {
	test('one payment paying two sales (another batch, the same batch, one sale twice) is flagged', async () => {
		const h = await startHarness(engine);
		try {
			const a = body(wechatCode('00'));
			expect(((await h.service.create(h.till, a)).body as ChargeView).state).toBe('paid');
			const first = saleByCode(a.order_no, 2345);
			expect((await recordSales(h.db.db, h.till, [first]))[0]).toMatchObject({
				status: 'applied'
			});
			expect((await recordSales(h.db.db, h.till, [first]))[0]).toMatchObject({
				status: 'duplicate' // the same sale sent again is not a second use
			});
			expect((await recordSales(h.db.db, h.till, [saleByCode(a.order_no, 2345)]))[0]).toMatchObject(
				{ status: 'applied', flagged: [`charge_reused:${a.order_no}`] }
			);
			const b = body(wechatCode('00'));
			expect(((await h.service.create(h.till, b)).body as ChargeView).state).toBe('paid');
			const [r1, r2] = await recordSales(h.db.db, h.till, [
				saleByCode(b.order_no, 2345),
				saleByCode(b.order_no, 2345)
			]);
			expect(r1).toMatchObject({ status: 'applied' });
			expect(r1).not.toHaveProperty('flagged');
			expect(r2).toMatchObject({ flagged: [`charge_reused:${b.order_no}`] });
			const c = body(wechatCode('00'));
			expect(((await h.service.create(h.till, c)).body as ChargeView).state).toBe('paid');
			const twice = saleByCode(c.order_no, 1000);
			twice.tenders = [0, 1].map(() => ({ ...twice.tenders[0]!, amount: 500 }));
			const [r3] = await recordSales(h.db.db, h.till, [twice]);
			expect(r3?.flagged).toContain(`charge_reused:${c.order_no}`);
			const items = await chargesNeedingOwner(h.db.db);
			expect(items.filter((i) => i.kind === 'sale').map((i) => i.detail)).toEqual(
				expect.arrayContaining([expect.stringContaining('already pays another sale')])
			);
		} finally {
			await h.close();
		}
	});

	test("another store's sale naming a charge does not hide it; sales that match no paid charge are listed", async () => {
		const h = await startHarness(engine);
		try {
			const a = body(wechatCode('00'));
			expect(((await h.service.create(h.till, a)).body as ChargeView).state).toBe('paid');
			const b = body(wechatCode('00'));
			expect(((await h.service.create(h.till, b)).body as ChargeView).state).toBe('paid');
			// Store B's till names store A's order; store A's own till records b for 0.01.
			const foreign = saleByCode(a.order_no, 2345);
			const [r1] = await recordSales(h.db.db, h.otherTill, [foreign]);
			expect(r1).toMatchObject({ status: 'applied', flagged: [`charge_missing:${a.order_no}`] });
			const cheap = saleByCode(b.order_no, 1);
			const [r2] = await recordSales(h.db.db, h.till, [cheap]);
			expect(r2).toMatchObject({ flagged: [`charge_amount_mismatch:${b.order_no}`] });

			const at = Date.now() + UNSOLD_GRACE_MS + 60_000;
			const items = await chargesNeedingOwner(h.db.db, at);
			expect(items.map((i) => [i.kind, i.ref])).toEqual([
				['unsold', `unsold:${a.order_no}`],
				['sale', `sale:${foreign.id}`],
				['sale', `sale:${cheap.id}`]
			]);
			expect(items[1]!.detail).toBe(
				`sale ${foreign.number}: paid by payment code ${a.order_no}, which is no charge of this store`
			);
			expect(items[2]).toMatchObject({
				amount: '0.01',
				detail: expect.stringContaining('another amount')
			});
			await reviewAttentionItem(h.db.db, `sale:${cheap.id}`, 'customer paid the rest in cash', at);
			expect((await chargesNeedingOwner(h.db.db, at)).map((i) => i.ref)).toEqual([
				`unsold:${a.order_no}`,
				`sale:${foreign.id}`
			]);
		} finally {
			await h.close();
		}
	});

	test('a reviewed item leaves the list, keeps its note, and comes back when its kind changes', async () => {
		const h = await startHarness(engine, { deadlineMs: 1000 });
		try {
			const paid = body(wechatCode('00'));
			expect(((await h.service.create(h.till, paid)).body as ChargeView).state).toBe('paid');
			const lost = body(wechatCode('08')); // the gateway answers 502: outcome unknown
			expect(((await h.service.create(h.till, lost)).body as ChargeView).state).toBe('unknown');
			const orphanOrder = orderNo('GHOST');
			expect(
				await h.service.notify(makeNotification(notificationFields(orphanOrder), CLIENT_SECRET))
			).toMatchObject({ outcome: 'orphan' });

			const at = Date.now() + UNSOLD_GRACE_MS + 60_000;
			const list = async (includeReviewed = false) =>
				(await chargesNeedingOwner(h.db.db, at, { includeReviewed })).map(
					(i) => `${i.kind} ${i.order_no}${i.reviewed ? ` (${i.reviewed.note})` : ''}`
				);
			expect(await list()).toEqual([
				`unknown ${lost.order_no}`,
				`unsold ${paid.order_no}`,
				`orphan ${orphanOrder}`
			]);

			const orphan = (await chargesNeedingOwner(h.db.db, at)).find((i) => i.kind === 'orphan')!;
			expect(orphan.ref).toMatch(/^orphan:/);
			const reviewed = await reviewAttentionItem(
				h.db.db,
				orphan.ref,
				'  not ours: other shop  ',
				at
			);
			expect(reviewed).toMatchObject({
				kind: 'orphan',
				reviewed: { note: 'not ours: other shop' }
			});
			await reviewAttentionItem(h.db.db, `unsold:${paid.order_no}`, 'refunded in Teegon', at);
			await reviewAttentionItem(h.db.db, `unknown:${lost.order_no}`, 'asked Teegon', at);
			expect(await list()).toEqual([]);
			expect(await list(true)).toEqual([
				`unknown ${lost.order_no} (asked Teegon)`,
				`unsold ${paid.order_no} (refunded in Teegon)`,
				`orphan ${orphanOrder} (not ours: other shop)`
			]);

			// Reviewing again replaces the note.
			await reviewAttentionItem(h.db.db, `unknown:${lost.order_no}`, 'Teegon: still checking', at);
			expect(await list(true)).toContain(`unknown ${lost.order_no} (Teegon: still checking)`);

			// The unknown charge then gets a notification with another amount: a new kind, listed.
			const r = await h.service.notify(
				makeNotification(notificationFields(lost.order_no, { amount: '0.01' }), CLIENT_SECRET)
			);
			expect(r).toMatchObject({ outcome: 'mismatch' });
			expect(await list()).toEqual([`mismatch ${lost.order_no}`]);
		} finally {
			await h.close();
		}
	});

	test('each problem of a charge is its own item: a reviewed mismatch does not hide a later late payment', async () => {
		const h = await startHarness(engine, { deadlineMs: 300 });
		try {
			const b = body(wechatCode('03')); // never confirmed: failed at the deadline
			await h.service.create(h.till, b);
			const failed = await until(async () => {
				const v = (await h.service.get(h.till, b.order_no)).body as ChargeView;
				return v.state === 'failed' ? v : null;
			});
			const wrong = notificationOf(failed, { amount: '0.01' });
			expect(await h.service.notify(wrong)).toMatchObject({ outcome: 'mismatch' });
			const refs = async () => (await chargesNeedingOwner(h.db.db)).map((i) => i.ref);
			expect(await refs()).toEqual([`mismatch:${b.order_no}`]);
			await reviewAttentionItem(h.db.db, `mismatch:${b.order_no}`, 'asked Teegon');
			expect(await refs()).toEqual([]);
			// Then Teegon reports the payment for the right amount: money taken after "failed".
			h.sandbox.settle({ orderNo: b.order_no }, 'paid');
			const right = notificationOf(failed);
			expect(await h.service.notify(right)).toMatchObject({ outcome: 'applied' });
			expect(await refs()).toEqual([`late:${b.order_no}`]);
			expect(
				(await chargesNeedingOwner(h.db.db, Date.now(), { includeReviewed: true })).map(
					(i) => `${i.ref} ${i.reviewed ? 'reviewed' : 'open'}`
				)
			).toEqual([`mismatch:${b.order_no} reviewed`, `late:${b.order_no} open`]);
		} finally {
			await h.close();
		}
	});

	test('a review with a bad ref or note is refused, naming the field, and stores nothing', async () => {
		const h = await startHarness(engine);
		try {
			const paid = body(wechatCode('00'));
			await h.service.create(h.till, paid);
			const at = Date.now() + UNSOLD_GRACE_MS + 60_000;
			const ref = `unsold:${paid.order_no}`;
			const refused = async (r: string, note: string, now = at): Promise<string[] | null> =>
				reviewAttentionItem(h.db.db, r, note, now).then(
					() => null,
					(e: unknown) => {
						if (e instanceof ReviewError) return [e.field, e.message];
						throw e;
					}
				);
			expect(await refused(ref, '   ')).toEqual(['note', expect.stringMatching(/^note: /)]);
			expect(await refused(ref, 'x'.repeat(REVIEW_NOTE_MAX + 1))).toEqual([
				'note',
				`note: at most ${REVIEW_NOTE_MAX} characters`
			]);
			expect(await refused('late:NO-SUCH', 'refunded')).toEqual([
				'ref',
				expect.stringMatching(/^ref: "late:NO-SUCH" is not on the owner's list/)
			]);
			// Paid with no sale is on the list only after the grace hour.
			expect((await refused(ref, 'refunded', Date.now()))?.[0]).toBe('ref');
			expect(await h.db.db.selectFrom('owner_reviews').selectAll().execute()).toEqual([]);
			expect(await refused(ref, 'refunded')).toBeNull();
			const rows = await h.db.db.selectFrom('owner_reviews').selectAll().execute();
			expect(rows.map((r) => [r.kind, r.note])).toEqual([['unsold', 'refunded']]);
		} finally {
			await h.close();
		}
	});

	test('the admin command creates a till, lists, and marks an item dealt with', async () => {
		const target = engine.fresh();
		const url = engine.url(target);
		// The test's PostgreSQL schema must exist; the command migrates it (SQLite: makes the file).
		await (await openDatabase(target, { migrate: false })).close();
		const made = await admin(['create-till', '--store', '测试店', '--name', '一号收银台'], url);
		expect(made).toMatchObject({ code: 0, stderr: '' });
		const till = JSON.parse(made.stdout) as Record<string, string>;
		expect(till).toMatchObject({ store: '测试店', till: '一号收银台' });
		expect(till.token).toMatch(/^\S{32,}$/);

		expect(JSON.parse((await admin(['attention', '--json'], url)).stdout)).toEqual([]);
		// An orphan notification, as the notify route stores one.
		const db = await openDatabase(target);
		try {
			await db.db
				.insertInto('notifications')
				.values({
					id: 'n-1',
					digest: 'd-1',
					received_at: Date.now(),
					order_no: 'GHOST-1',
					charge_id: 'ch_1',
					fields: JSON.stringify(notificationFields('GHOST-1')),
					outcome: 'orphan',
					store_id: null
				})
				.execute();
		} finally {
			await db.close();
		}
		const listed = await admin(['attention'], url);
		expect(listed.code).toBe(0);
		expect(listed.stdout).toMatch(
			/Z {2}orphan:n-1 {2}¥23\.45 {2}charge ch_1 {2}notification for an order/
		);

		expect(await admin(['review', 'orphan:n-1'], url)).toMatchObject({
			code: 64,
			stderr: expect.stringContaining('--note: say what was done')
		});
		expect(await admin(['review', 'late:NOPE', '--note', 'x'], url)).toMatchObject({
			code: 1,
			stderr: expect.stringContaining('error: ref: "late:NOPE" is not on the owner\'s list')
		});
		const done = await admin(['review', 'orphan:n-1', '--note', '别家的单'], url);
		expect(done).toMatchObject({ code: 0, stderr: '' });
		expect(done.stdout).toContain('dealt with');
		expect((await admin(['attention'], url)).stdout.trim()).toBe('Nothing needs the owner.');
		const all = JSON.parse((await admin(['attention', '--all', '--json'], url)).stdout) as {
			ref: string;
			reviewed: { note: string } | null;
		}[];
		expect(all).toEqual([
			expect.objectContaining({
				ref: 'orphan:n-1',
				reviewed: expect.objectContaining({ note: '别家的单' })
			})
		]);
	}, 60_000);
});

describe.each(engines)('the attention list in the back office ($name)', (engine) => {
	test('a user sees their stores’ items only, marks one with who and when, and cannot mark another store’s', async () => {
		const h = await startHarness(engine);
		try {
			// Store A: a sale for another amount than its charge; store B: the same.
			const a = body(wechatCode('00'));
			expect(((await h.service.create(h.till, a)).body as ChargeView).state).toBe('paid');
			const saleA = saleByCode(a.order_no, 1);
			await recordSales(h.db.db, h.till, [saleA]);
			const saleB = saleByCode(orderNo('NONE'), 500);
			await recordSales(h.db.db, h.otherTill, [saleB]);
			const ghost = orderNo('GHOST');
			await h.service.notify(makeNotification(notificationFields(ghost), CLIENT_SECRET));

			const scopeA = { storeIds: [h.till.storeId], storeless: false };
			const listed = await chargesNeedingOwner(h.db.db, Date.now(), { scope: scopeA });
			expect(listed.map((i) => i.ref)).toEqual([`sale:${saleA.id}`]);
			expect(listed[0]).toMatchObject({
				flags: [`charge_amount_mismatch:${a.order_no}`],
				sale_number: saleA.number
			});
			// The orphan belongs to no store: shown only where the scope says so (one business).
			const withOrphans = await chargesNeedingOwner(h.db.db, Date.now(), {
				scope: { ...scopeA, storeless: true }
			});
			expect(withOrphans.map((i) => i.kind)).toEqual(['sale', 'orphan']);

			await expect(
				reviewAttentionItem(h.db.db, `sale:${saleB.id}`, 'not mine', Date.now(), {
					by: { id: 'u-a', name: '王店长' },
					scope: scopeA
				})
			).rejects.toBeInstanceOf(ReviewError);
			const at = Date.parse('2026-12-03T08:00:00Z');
			await reviewAttentionItem(h.db.db, `sale:${saleA.id}`, '顾客补了现金', at, {
				by: { id: 'u-a', name: '王店长' },
				scope: scopeA
			});
			const all = await chargesNeedingOwner(h.db.db, Date.now(), {
				scope: scopeA,
				includeReviewed: true
			});
			expect(all[0]!.reviewed).toEqual({
				at: '2026-12-03T08:00:00.000Z',
				note: '顾客补了现金',
				by: { id: 'u-a', name: '王店长' }
			});
			// Store B's item is untouched; from the command line a review has no user.
			const b = await reviewAttentionItem(h.db.db, `sale:${saleB.id}`, 'cli', Date.now());
			expect(b.reviewed?.by).toBeNull();
		} finally {
			await h.close();
		}
	});
});
