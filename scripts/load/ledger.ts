/**
 * The ledger check that ends every fault scenario and load run: nothing lost, nothing
 * doubled. Read from the till's database and the sandbox's own records.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/lib/server/db/schema';
import type { SandboxCharge } from '../../src/lib/server/sandbox/types';
import type { SimSale } from './sim-till';

export interface Ledger {
	orders: number;
	paid: number;
	failed: number;
	/** Money the tills recorded as sales, money Teegon took, and what of it came too late, fen. */
	soldFen: number;
	takenFen: number;
	/** Paid after the till was told it failed: the owner refunds it (no sale names it). */
	lateFen: number;
	/** Everything that breaks a rule, in words; empty when the ledger holds. */
	problems: string[];
}

export async function checkLedger(
	db: Kysely<Database>,
	sandbox: SandboxCharge[],
	sales: SimSale[],
	/** Charges created before this (epoch ms) belong to an earlier run and are not counted. */
	since = 0
): Promise<Ledger> {
	const problems: string[] = [];
	const orders = new Set(sales.map((s) => s.orderNo));
	const charges = new Map(
		(await db.selectFrom('charges').selectAll().where('created_at', '>=', since).execute()).map(
			(c) => [c.order_no, c]
		)
	);
	const tenders = await db
		.selectFrom('sale_tenders')
		.innerJoin('sales', 'sales.id', 'sale_tenders.sale_id')
		.select(['sale_tenders.order_no', 'sale_tenders.amount', 'sales.id'])
		.where('sale_tenders.kind', '=', 'payment_code')
		.execute();
	const tendersOf = new Map<string, { amount: number; id: string }[]>();
	for (const t of tenders) {
		const list = tendersOf.get(t.order_no!) ?? [];
		list.push({ amount: Number(t.amount), id: t.id });
		tendersOf.set(t.order_no!, list);
	}
	const atTeegon = new Map<string, SandboxCharge[]>();
	for (const c of sandbox) atTeegon.set(c.order_no, [...(atTeegon.get(c.order_no) ?? []), c]);

	let paid = 0;
	let failed = 0;
	let soldFen = 0;
	let takenFen = 0;
	let lateFen = 0;
	for (const sale of sales) {
		const order = sale.orderNo;
		const c = charges.get(order);
		const teegon = atTeegon.get(order) ?? [];
		const sold = tendersOf.get(order) ?? [];
		if (teegon.length > 1) problems.push(`${order}: charged ${teegon.length} times at Teegon`);
		const takenThere = teegon.some((t) => t.state === 'paid');
		if (takenThere) takenFen += sale.amount;
		soldFen += sold.reduce((sum, t) => sum + t.amount, 0);
		if (!c) {
			problems.push(`${order}: no charge on the server`);
			continue;
		}
		if (c.state !== 'paid' && c.state !== 'failed') {
			problems.push(`${order}: still ${c.state} on the server`);
			continue;
		}
		if (c.state === 'paid') paid++;
		else failed++;
		if (c.late) lateFen += Number(c.amount);
		if (takenThere !== (c.state === 'paid'))
			problems.push(
				`${order}: Teegon says ${takenThere ? 'paid' : 'not paid'}, the server ${c.state}`
			);
		if (c.state === 'paid' && !c.late) {
			if (sold.length !== 1) problems.push(`${order}: paid, in ${sold.length} sales`);
			else if (sold[0]!.amount !== Number(c.amount))
				problems.push(`${order}: sold for ${sold[0]!.amount}, charged ${c.amount}`);
		}
		if (c.state === 'failed' && sold.length > 0) problems.push(`${order}: failed, yet in a sale`);
		// A late payment: the till was told it failed, the customer paid after all (refund it).
		const late = c.late === 1 && sale.outcome === 'failed';
		if (sale.outcome !== 'abandoned' && sale.outcome !== c.state && !late)
			problems.push(`${order}: the till saw ${sale.outcome}, the server has ${c.state}`);
	}
	const extra = [...charges.keys()].filter((o) => !orders.has(o));
	if (extra.length) problems.push(`${extra.length} charges on the server no till made`);
	if (soldFen !== takenFen - lateFen)
		problems.push(`sold ${soldFen} fen, Teegon took ${takenFen} fen (${lateFen} of it late)`);
	return { orders: sales.length, paid, failed, soldFen, takenFen, lateFen, problems };
}
