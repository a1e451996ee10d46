/** Steps shared by the charge service suites (charges.spec.ts, charge-lifecycle.spec.ts). */
import { expect } from 'vitest';
import type { ChargeView } from '../../src/lib/domain/charge';
import { orderNo, until, type Harness } from './harness';

export function body(code: string, over: Record<string, unknown> = {}) {
	return { order_no: orderNo(), amount: '23.45', subject: '测试商品 ×2', auth_code: code, ...over };
}

export async function created(h: Harness, b: Record<string, unknown>): Promise<ChargeView> {
	const r = await h.service.create(h.till, b);
	expect(r.status).toBe(200);
	return r.body as ChargeView;
}

/** The notifications recorded for an order, oldest first. */
export function notificationsOf(h: Harness, order: string) {
	return h.db.db
		.selectFrom('notifications')
		.selectAll()
		.where('order_no', '=', order)
		.orderBy('received_at')
		.execute();
}

export async function settle(
	h: Harness,
	order: string,
	want: string,
	timeoutMs = 8000
): Promise<ChargeView> {
	let last: ChargeView | null = null;
	return until(async () => {
		const r = await h.service.get(h.till, order);
		last = r.body as ChargeView;
		return last.state === want ? last : null;
	}, timeoutMs).catch((e: Error) => {
		throw new Error(`${e.message}: wanted ${want}, last seen ${JSON.stringify(last)}`);
	});
}
