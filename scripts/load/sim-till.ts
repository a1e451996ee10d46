/**
 * A till without a screen, for the fault suite and the load script: it takes a payment code
 * the way the real till does (src/lib/till/payment.ts) — the same POST again until the
 * server answers, then a long poll until the charge is final — and records a paid sale the way
 * the real outbox does: sent again until the server says it has it.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { ChargeView } from '../../src/lib/domain/charge';
import { formatYuan } from '../../src/lib/domain/money';
import type { Sale } from '../../src/lib/domain/sale';

export interface SimTillOptions {
	baseUrl: string;
	token: string;
	/** Distinguishes this till's order numbers. */
	code: string;
	/** How long to keep asking about a charge that is not final before giving up (a cashier would). */
	patienceMs?: number;
}

export interface SimSale {
	orderNo: string;
	amount: number;
	/** How the charge ended as this till saw it; `abandoned`: it never became final in time. */
	outcome: 'paid' | 'failed' | 'abandoned';
	/** From the first POST to the final answer. */
	ms: number;
	/** How long the answered POST /api/charges took (the server's part and Teegon's). */
	postMs: number;
	saleId: string | null;
}

type Reply =
	{ status: number; body: unknown; ms?: number } | { status: null; error: string; ms?: number };

let seq = 0;

export class SimTill {
	readonly #o: Required<SimTillOptions>;
	readonly #agent = new Agent({ keepAlive: true, maxSockets: 2 });
	/** Answers that were not answers (network errors, 5xx), for the report. */
	retries = 0;

	constructor(o: SimTillOptions) {
		this.#o = { patienceMs: 120_000, ...o };
	}

	close(): void {
		this.#agent.destroy();
	}

	#call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 40_000): Promise<Reply> {
		const text = body === undefined ? undefined : JSON.stringify(body);
		return new Promise((resolve) => {
			const req = request(
				new URL(path, this.#o.baseUrl),
				{
					method,
					agent: this.#agent,
					timeout: timeoutMs,
					headers: {
						authorization: `Bearer ${this.#o.token}`,
						accept: 'application/json',
						...(text
							? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
							: {})
					}
				},
				(res) => {
					let data = '';
					res.setEncoding('utf8');
					res.on('data', (c: string) => (data += c));
					res.on('end', () => {
						try {
							resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as unknown });
						} catch {
							resolve({ status: null, error: `HTTP ${res.statusCode} not JSON` });
						}
					});
					res.on('error', (e) => resolve({ status: null, error: e.message }));
				}
			);
			req.on('timeout', () => req.destroy(new Error('timeout')));
			req.on('error', (e) => resolve({ status: null, error: e.message }));
			req.end(text);
		});
	}

	/** Until the server answers (a 2xx or 4xx): the same request again, as the till does. */
	async #answered(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number) {
		for (;;) {
			const t0 = performance.now();
			const r = await this.#call(method, path, body, timeoutMs);
			r.ms = performance.now() - t0;
			if (r.status !== null && r.status < 500)
				return r as { status: number; body: unknown; ms: number };
			this.retries++;
			await new Promise((res) => setTimeout(res, 300));
		}
	}

	/** One sale of `amount` fen paid by the payment code `authCode`. */
	async sell(amount: number, authCode: string): Promise<SimSale> {
		const orderNo = `${this.#o.code}${Date.now().toString(36)}${(seq++).toString(36)}`;
		const started = performance.now();
		const body = {
			order_no: orderNo,
			amount: formatYuan(amount),
			subject: '测试商品',
			auth_code: authCode
		};
		const created = await this.#answered('POST', '/api/charges', body);
		if (created.status !== 200) throw new Error(`charge refused: ${JSON.stringify(created.body)}`);
		let view = created.body as ChargeView;
		const postMs = created.ms;
		const end = performance.now() + this.#o.patienceMs;
		while (view.state !== 'paid' && view.state !== 'failed') {
			if (performance.now() > end)
				return {
					orderNo,
					amount,
					outcome: 'abandoned',
					ms: performance.now() - started,
					postMs,
					saleId: null
				};
			const polled = await this.#answered(
				'GET',
				`/api/charges/${orderNo}?wait=10&since=${view.state}`,
				undefined,
				20_000
			);
			if (polled.status === 200) view = polled.body as ChargeView;
		}
		const ms = performance.now() - started;
		if (view.state === 'failed')
			return { orderNo, amount, outcome: 'failed', ms, postMs, saleId: null };
		const sale = this.#sale(orderNo, amount, view);
		for (;;) {
			const r = await this.#answered('POST', '/api/sales', { sales: [sale] });
			const status = (r.body as { results?: { status: string }[] }).results?.[0]?.status;
			if (status === 'applied' || status === 'duplicate') break;
			throw new Error(`sale rejected: ${JSON.stringify(r.body)}`);
		}
		return { orderNo, amount, outcome: 'paid', ms, postMs, saleId: sale.id };
	}

	#sale(orderNo: string, amount: number, view: ChargeView): Sale {
		return {
			id: randomUUID(),
			number: `${this.#o.code}-${orderNo.slice(-8)}`,
			cashier: '模拟收银员',
			createdAt: new Date().toISOString(),
			lines: [
				{
					lineId: 'L1',
					productId: null,
					name: '测试商品',
					barcode: null,
					unitPrice: amount,
					quantity: 1,
					discount: 0,
					total: amount
				}
			],
			subtotal: amount,
			discount: 0,
			total: amount,
			tenders: [
				{
					kind: 'payment_code',
					amount,
					orderNo,
					chargeId: view.charge_id,
					wallet: view.wallet === 'alipay' ? 'alipay' : 'wechat'
				}
			]
		};
	}
}
