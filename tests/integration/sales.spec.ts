/** Sales sync on both engines: idempotent by id, one answer per sale, tenders checked. */
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import { recordSales, salesSummary } from '../../src/lib/server/sales';
import { authenticate, createTill } from '../../src/lib/server/tills';
import type { Sale } from '../../src/lib/domain/sale';
import { dropTestSchemas, engines } from '../helpers/engines';

afterAll(dropTestSchemas);

function sale(over: Partial<Sale> = {}): Sale {
	return {
		id: crypto.randomUUID(),
		number: 'T1-20261126-0001',
		cashier: '王芳',
		createdAt: new Date().toISOString(),
		lines: [
			{
				lineId: 'l1',
				productId: null,
				name: '矿泉水',
				barcode: null,
				unitPrice: 200,
				quantity: 3,
				discount: 50,
				total: 550
			}
		],
		subtotal: 550,
		discount: 50,
		total: 500,
		tenders: [{ kind: 'cash', amount: 500, tendered: 1000, change: 500 }],
		...over
	};
}

describe.each(engines)('sales on $name', (engine) => {
	test('a batch is stored durably before the till is told (one durable write per batch)', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const made = await createTill(db.db, { store: 'S', name: 'T' });
			const till = (await authenticate(db.db, made.token))!;
			const count = async () =>
				Number(
					(
						await db.db
							.selectFrom('sales')
							.select((eb) => eb.fn.countAll<number>().as('n'))
							.executeTakeFirstOrThrow()
					).n
				);
			const stored: number[] = [];
			const durably = async <T>(fn: () => Promise<T>): Promise<T> => {
				const before = await count();
				const r = await db.durably(fn);
				stored.push((await count()) - before);
				return r;
			};
			const results = await recordSales(db.db, till, [sale(), sale(), sale()], Date.now(), durably);
			expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
			expect(stored).toEqual([3]);
			// Nothing valid to store: no write at all.
			await recordSales(db.db, till, [{ id: 'x' }], Date.now(), durably);
			expect(stored).toEqual([3]);
		} finally {
			await db.close();
		}
	});

	test('each id applied once; concurrent batches with the same sales store one copy', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const made = await createTill(db.db, { store: 'S', name: 'T' });
			const till = (await authenticate(db.db, made.token))!;
			const sales = Array.from({ length: 50 }, () => sale());
			const answers = await Promise.allSettled([
				recordSales(db.db, till, sales),
				recordSales(db.db, till, sales)
			]);
			// One batch may lose the race and be retried by the route; retrying here does the same.
			for (const a of answers) if (a.status === 'rejected') await recordSales(db.db, till, sales);
			const again = await recordSales(db.db, till, sales);
			expect(again.every((r) => r.status === 'duplicate')).toBe(true);
			const sum = await salesSummary(db.db, till.storeId, null);
			expect(sum).toMatchObject({ count: 50, total: 50 * 500, byTender: { cash: 50 * 500 } });
			const lines = await db.db
				.selectFrom('sale_lines')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.executeTakeFirstOrThrow();
			expect(Number(lines.n)).toBe(50);
		} finally {
			await db.close();
		}
	});

	test('bad sales are rejected with the field, good ones in the same batch are applied', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const made = await createTill(db.db, { store: 'S', name: 'T' });
			const till = (await authenticate(db.db, made.token))!;
			const good = sale({ createdAt: '1970-01-01T00:03:05.000Z' }); // a till whose clock was reset
			const cases: [Partial<Sale> | Record<string, unknown>, string][] = [
				[{ id: '' }, 'id'],
				[{ total: 499 }, 'total'],
				[{ subtotal: 551 }, 'subtotal'],
				[{ discount: 600, total: -50 }, 'discount'],
				[{ lines: [] }, 'lines'],
				[
					{
						lines: [
							{
								lineId: 'l',
								productId: null,
								name: 'x',
								barcode: null,
								unitPrice: 0.5,
								quantity: 1,
								discount: 0,
								total: 0.5
							}
						]
					},
					'lines[0].unitPrice'
				],
				[
					{ tenders: [{ kind: 'cash', amount: 500, tendered: 400, change: -100 }] },
					'tenders[0].tendered'
				],
				[{ tenders: [{ kind: 'cash', amount: 400, tendered: 400, change: 0 }] }, 'tenders'],
				[{ tenders: [{ kind: 'card', amount: 500 }] }, 'tenders[0].kind'],
				[{ createdAt: 'yesterday' }, 'createdAt'],
				[{ createdAt: '1' }, 'createdAt'], // Date.parse: the year 2001
				[{ createdAt: '+275760-09-13T00:00:00.000Z' }, 'createdAt'],
				[{ createdAt: '2026-11-26' }, 'createdAt'],
				[{ cashier: '王\u0000芳' }, 'cashier'],
				[{ number: 'T1-\uD800' }, 'number'],
				[{ lines: [{ ...sale().lines[0]!, name: '水\u0000' }] }, 'lines[0].name'],
				[{ lines: [{ ...sale().lines[0]!, productId: { a: 1 } as never }] }, 'lines[0].productId'],
				[{ lines: [{ ...sale().lines[0]!, productId: 42 as never }] }, 'lines[0].productId'],
				[{ lines: [{ ...sale().lines[0]!, barcode: true as never }] }, 'lines[0].barcode'],
				[
					{
						tenders: [
							{
								kind: 'payment_code',
								amount: 500,
								orderNo: 'T1X',
								chargeId: null,
								wallet: 'x' as never
							}
						]
					},
					'tenders[0].wallet'
				],
				[
					{
						tenders: [
							{
								kind: 'payment_code',
								amount: 500,
								orderNo: 'T1X',
								chargeId: [1] as never,
								wallet: 'wechat'
							}
						]
					},
					'tenders[0].chargeId'
				]
			];
			const batch = [good, ...cases.map(([over]) => ({ ...sale(), ...over }))];
			const results = await recordSales(db.db, till, batch);
			expect(results[0]).toEqual({ id: good.id, status: 'applied' });
			cases.forEach(([, field], i) => {
				expect(results[i + 1]).toMatchObject({ status: 'rejected', error: { field } });
			});
			expect((await salesSummary(db.db, till.storeId, null)).count).toBe(1);
		} finally {
			await db.close();
		}
	});

	test('a sale id used by another store is refused, not overwritten', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const a = (await authenticate(
				db.db,
				(await createTill(db.db, { store: 'A', name: 'T' })).token
			))!;
			const b = (await authenticate(
				db.db,
				(await createTill(db.db, { store: 'B', name: 'T' })).token
			))!;
			const s = sale();
			await recordSales(db.db, a, [s]);
			const r = await recordSales(db.db, b, [{ ...s, cashier: 'intruder' }]);
			expect(r[0]).toMatchObject({ status: 'rejected', error: { code: 'id_conflict' } });
			expect((await salesSummary(db.db, b.storeId, null)).count).toBe(0);
		} finally {
			await db.close();
		}
	});
});
