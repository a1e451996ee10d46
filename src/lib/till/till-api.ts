/**
 * The till API as the till screen uses it: who this device is (GET /api/me) and payment-code
 * charges (POST /api/charges, GET /api/charges/{order_no}). Sales and the catalog go through
 * src/lib/offline/sync.ts.
 *
 * Every call answers with a value, never a thrown error, because the caller must tell apart
 * three things that mean very different things for money (README, "How a payment is settled"):
 * - `ok`: the server answered with a charge;
 * - `rejected`: the server answered 4xx: it validated the request and stored nothing (or, for a
 *   GET, knows no such charge), so no money can have moved because of this request;
 * - `unanswered`: no answer, a timeout, or a 5xx: the request may or may not have been applied.
 */

import type { ChargeState, ChargeView } from '$lib/domain/charge';

export type { ChargeState, ChargeView };

export interface ChargeRequest {
	order_no: string;
	/** Yuan text made by formatYuan. */
	amount: string;
	subject: string;
	auth_code: string;
	metadata?: Record<string, string>;
}

export interface ApiErrorBody {
	code: string;
	message: string;
	field?: string;
}

export type ApiResult<T> =
	| { kind: 'ok'; value: T }
	| { kind: 'rejected'; status: number; error: ApiErrorBody }
	| { kind: 'unanswered'; status: number | null; reason: string };

export interface TillIdentity {
	till: { id: string; name: string };
	store: { id: string; name: string } | null;
	mode: 'sandbox' | 'live';
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ChargeApi {
	createCharge(body: ChargeRequest, signal?: AbortSignal): Promise<ApiResult<ChargeView>>;
	getCharge(
		orderNo: string,
		options: { waitSeconds?: number; since?: ChargeState },
		signal?: AbortSignal
	): Promise<ApiResult<ChargeView>>;
}

export interface TillApiOptions {
	/** '' for the same origin. */
	baseUrl?: string;
	getToken: () => string | null;
	fetch?: FetchLike;
	/** POST /api/charges: the server's own Teegon timeout is 8 s by default. */
	chargeTimeoutMs?: number;
	/** Added to a long poll's wait before the client gives up on it. */
	pollGraceMs?: number;
	/** Called with true on every answer and false on every failure to reach the server. */
	onReachability?: (reachable: boolean) => void;
}

function isChargeView(x: unknown): x is ChargeView {
	if (!x || typeof x !== 'object') return false;
	const c = x as Record<string, unknown>;
	return (
		typeof c.order_no === 'string' &&
		typeof c.state === 'string' &&
		['pending', 'paid', 'failed', 'unknown'].includes(c.state) &&
		typeof c.amount === 'string'
	);
}

function errorBody(x: unknown, status: number): ApiErrorBody {
	const e = (x as { error?: Partial<ApiErrorBody> } | null)?.error;
	return {
		code: typeof e?.code === 'string' ? e.code : `http_${status}`,
		message: typeof e?.message === 'string' ? e.message : `HTTP ${status}`,
		...(typeof e?.field === 'string' ? { field: e.field } : {})
	};
}

/** Aborts when either `outer` aborts or `ms` pass. */
function withTimeout(ms: number, outer?: AbortSignal): AbortSignal {
	const timeout = AbortSignal.timeout(ms);
	return outer ? AbortSignal.any([outer, timeout]) : timeout;
}

export class TillApi implements ChargeApi {
	readonly #base: string;
	readonly #getToken: () => string | null;
	readonly #fetch: FetchLike;
	readonly #chargeTimeoutMs: number;
	readonly #pollGraceMs: number;
	readonly #onReachability: (reachable: boolean) => void;

	constructor(options: TillApiOptions) {
		this.#base = (options.baseUrl ?? '').replace(/\/+$/, '');
		this.#getToken = options.getToken;
		this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.#chargeTimeoutMs = options.chargeTimeoutMs ?? 30_000;
		this.#pollGraceMs = options.pollGraceMs ?? 10_000;
		this.#onReachability = options.onReachability ?? (() => undefined);
	}

	async #call<T>(
		path: string,
		init: RequestInit,
		timeoutMs: number,
		check: (body: unknown) => body is T,
		signal?: AbortSignal,
		token: string | null = this.#getToken()
	): Promise<ApiResult<T>> {
		const headers = new Headers(init.headers);
		headers.set('accept', 'application/json');
		headers.set('x-request-id', crypto.randomUUID());
		if (token) headers.set('authorization', `Bearer ${token}`);
		let response: Response;
		try {
			response = await this.#fetch(`${this.#base}${path}`, {
				...init,
				headers,
				signal: withTimeout(timeoutMs, signal)
			});
		} catch (err) {
			if (!signal?.aborted) this.#onReachability(false);
			return {
				kind: 'unanswered',
				status: null,
				reason: err instanceof Error ? err.message : String(err)
			};
		}
		let body: unknown = null;
		try {
			body = JSON.parse(await response.text());
		} catch {
			body = null;
		}
		if (response.status >= 500) {
			this.#onReachability(false);
			return { kind: 'unanswered', status: response.status, reason: `HTTP ${response.status}` };
		}
		this.#onReachability(true);
		if (response.status >= 400) {
			return { kind: 'rejected', status: response.status, error: errorBody(body, response.status) };
		}
		if (!check(body)) {
			return { kind: 'unanswered', status: response.status, reason: 'unreadable reply' };
		}
		return { kind: 'ok', value: body };
	}

	/** GET /api/me, optionally with a token being paired (not yet stored). */
	me(token?: string): Promise<ApiResult<TillIdentity>> {
		const isIdentity = (x: unknown): x is TillIdentity =>
			!!x && typeof x === 'object' && typeof (x as TillIdentity).till?.id === 'string';
		return this.#call(
			'/api/me',
			{ method: 'GET' },
			15_000,
			isIdentity,
			undefined,
			token ?? this.#getToken()
		);
	}

	/** GET /api/health: is the server reachable at all. */
	async health(): Promise<boolean> {
		try {
			const r = await this.#fetch(`${this.#base}/api/health`, {
				signal: AbortSignal.timeout(5_000),
				cache: 'no-store'
			});
			this.#onReachability(r.ok);
			return r.ok;
		} catch {
			this.#onReachability(false);
			return false;
		}
	}

	createCharge(body: ChargeRequest, signal?: AbortSignal): Promise<ApiResult<ChargeView>> {
		return this.#call(
			'/api/charges',
			{
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body)
			},
			this.#chargeTimeoutMs,
			isChargeView,
			signal
		);
	}

	getCharge(
		orderNo: string,
		options: { waitSeconds?: number; since?: ChargeState },
		signal?: AbortSignal
	): Promise<ApiResult<ChargeView>> {
		const params = new URLSearchParams();
		const wait = options.waitSeconds ?? 0;
		if (wait > 0) params.set('wait', String(wait));
		if (options.since) params.set('since', options.since);
		const query = params.size > 0 ? `?${params.toString()}` : '';
		return this.#call(
			`/api/charges/${encodeURIComponent(orderNo)}${query}`,
			{ method: 'GET', cache: 'no-store' },
			wait * 1000 + this.#pollGraceMs,
			isChargeView,
			signal
		);
	}
}
