/**
 * Test data built once: a charge as the till API shows it, a charge row as the server stores it,
 * a sale as a till records it, a till's identity and a product as the catalog sends it. Suites
 * override what their case is about and take the rest from here.
 */
import type { ChargeState, ChargeView } from '../../src/lib/domain/charge';
import type { Sale } from '../../src/lib/domain/sale';
import type { Charge } from '../../src/lib/server/db/schema';

export const T0 = 1_800_000_000_000;

export function chargeView(over: Partial<ChargeView> & { state?: ChargeState } = {}): ChargeView {
	const state = over.state ?? 'pending';
	const orderNo = over.order_no ?? 'T1202611261403050042ABCD';
	return {
		order_no: orderNo,
		state,
		amount: '23.45',
		charge_id: state === 'paid' ? `ch_${orderNo.slice(-6)}` : null,
		channel: 'wxpay',
		wallet: 'wechat',
		paid_at: null,
		failure: state === 'failed' ? 'customer did not confirm in time' : null,
		failure_code: state === 'failed' ? 'deadline' : null,
		late: false,
		flags: [],
		created_at: new Date(T0).toISOString(),
		deadline_at: new Date(T0 + 60_000).toISOString(),
		...over
	};
}

export function chargeRow(over: Partial<Charge> = {}): Charge {
	return {
		id: 'c1',
		store_id: 's',
		till_id: 't',
		order_no: 'O1',
		amount: 2345,
		subject: 's',
		auth_code_hash: 'h',
		auth_code_last4: '0000',
		wallet: 'wechat',
		metadata: null,
		request_hash: 'r',
		state: 'pending',
		charge_id: null,
		channel: null,
		transaction_no: null,
		paid_at: null,
		failure: null,
		failure_code: null,
		late: 0,
		flags: null,
		last_status: null,
		created_at: T0,
		updated_at: T0,
		deadline_at: T0 + 60_000,
		sent_at: T0,
		next_check_at: null,
		checks: 0,
		rev: 0,
		lease_owner: null,
		lease_until: null,
		absent_since: null,
		...over
	};
}

let saleCount = 0;

/**
 * A valid cash sale of one line for `amount` fen; each call a new id and receipt number, and a
 * creation time after the previous one's (sales sync in recording order).
 */
export function sale(amount = 1_250, over: Partial<Sale> = {}): Sale {
	saleCount++;
	return {
		id: crypto.randomUUID(),
		number: `T1-20261126-${String(saleCount).padStart(4, '0')}`,
		cashier: 'c1',
		createdAt: new Date(Date.UTC(2026, 10, 26, 2, 0, 0) + saleCount).toISOString(),
		lines: [
			{
				lineId: 'L1',
				productId: 'p-cola',
				name: '可口可乐',
				barcode: '6901234567892',
				unitPrice: amount,
				quantity: 1,
				discount: 0,
				total: amount
			}
		],
		subtotal: amount,
		discount: 0,
		total: amount,
		tenders: [{ kind: 'cash', amount, tendered: amount, change: 0 }],
		...over
	};
}

/** What GET /api/me answers for a till (the demo store's first till by default). */
export function tillIdentity(
	over: {
		till?: Partial<{ id: string; name: string }>;
		store?: { id: string; name: string } | null;
	} = {}
): {
	till: { id: string; name: string };
	store: { id: string; name: string } | null;
	mode: 'sandbox' | 'live';
} {
	return {
		till: { id: '8f2b9c1e-till', name: '1号收银台', ...over.till },
		store: over.store === undefined ? { id: 's1', name: '演示商店' } : over.store,
		mode: 'sandbox'
	};
}

/** A product as GET /api/catalog sends it. */
export function catalogProduct(
	over: Partial<{
		id: string;
		name: string;
		price: number;
		barcodes: string[];
		category: string | null;
		pinyin: string | null;
		favourite: boolean;
		version: number;
	}> = {}
) {
	return {
		id: 'p-water',
		name: '农夫山泉 550ml',
		price: 200,
		barcodes: ['6901234560015'],
		category: '饮料',
		pinyin: 'nfsq',
		favourite: true,
		version: 1,
		...over
	};
}
