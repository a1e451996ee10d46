/**
 * The browser's one client of the till API: who this device is, payment-code charges, sales and
 * the catalog. Every call answers with a value, never a thrown error, because what a failure
 * means for money differs (README, "How a payment is settled"):
 * - `ok`: the server answered with what was asked;
 * - `rejected`: a 4xx with the API's error body: it validated the request and stored nothing;
 * - `unanswered`: no answer, a timeout, a 5xx or an unreadable reply: it may have been applied.
 */
import type { ApiError } from '$lib/domain/api-error';
import type { ChargeState, ChargeView } from '$lib/domain/charge';
import type { Sale, SyncSaleResult, SyncSalesReply, SyncSalesRequest } from '$lib/domain/sale';
import { uuid } from '$lib/domain/uuid';
import type { CatalogChanges, DeviceProductInput } from './catalog';

export type ApiResult<T> =
	| { kind: 'ok'; value: T }
	| { kind: 'rejected'; status: number; error: ApiError }
	| { kind: 'unanswered'; status: number | null; reason: string };

/** Why a call did not answer `ok`. */
export type ApiFailure = Exclude<ApiResult<never>, { kind: 'ok' }>;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ChargeRequest {
	order_no: string;
	/** Yuan text made by formatYuan. */
	amount: string;
	subject: string;
	auth_code: string;
	metadata?: Record<string, string>;
}

export interface TillIdentity {
	till: { id: string; name: string };
	store: { id: string; name: string } | null;
	mode: 'sandbox' | 'live';
}

/** What the payment machine needs of the client (payment.ts): tests fake just this. */
export interface ChargeApi {
	createCharge(body: ChargeRequest, signal?: AbortSignal): Promise<ApiResult<ChargeView>>;
	getCharge(
		orderNo: string,
		options: { waitSeconds?: number; since?: ChargeState },
		signal?: AbortSignal
	): Promise<ApiResult<ChargeView>>;
}

export interface TillApiClientOptions {
	/** '' for the same origin. */
	baseUrl?: string;
	getToken: () => string | null;
	fetch?: FetchLike;
	/** POST /api/charges; the server's own Teegon timeout is 8 s by default. */
	chargeTimeoutMs?: number;
	/** Added to a long poll's wait before the client gives up on it. */
	pollGraceMs?: number;
	/** Sales and the catalog: a slow shop connection. */
	syncTimeoutMs?: number;
	/** true on every answer, false on every failure to reach the server. */
	onReachability?: (reachable: boolean) => void;
}

/** A short text for a failure, for the sync status and logs (never shown as the cashier's words). */
export function describeFailure(failure: ApiFailure): string {
	return failure.kind === 'rejected'
		? `HTTP ${failure.status} ${failure.error.code}: ${failure.error.message}`
		: `${failure.status ? `HTTP ${failure.status}` : 'no answer'}: ${failure.reason}`;
}

/** Aborts when either `outer` aborts or `ms` pass. */
function withTimeout(ms: number, outer?: AbortSignal): AbortSignal {
	const timeout = AbortSignal.timeout(ms);
	return outer ? AbortSignal.any([outer, timeout]) : timeout;
}

/** The API's error body ({"error": ApiError}), or a stand-in naming the status. */
function apiErrorOf(body: unknown, status: number): ApiError {
	const e = (body as { error?: Partial<ApiError> } | null)?.error;
	return {
		code: typeof e?.code === 'string' ? e.code : `http_${status}`,
		message: typeof e?.message === 'string' ? e.message : `HTTP ${status}`,
		...(typeof e?.field === 'string' ? { field: e.field } : {})
	};
}

const CHARGE_STATES: ReadonlySet<string> = new Set(['pending', 'paid', 'failed', 'unknown']);

function chargeView(x: unknown): ChargeView | null {
	const c = x as Record<string, unknown> | null;
	return c &&
		typeof c.order_no === 'string' &&
		typeof c.state === 'string' &&
		CHARGE_STATES.has(c.state) &&
		typeof c.amount === 'string'
		? (c as unknown as ChargeView)
		: null;
}

function identity(x: unknown): TillIdentity | null {
	return typeof (x as TillIdentity | null)?.till?.id === 'string' ? (x as TillIdentity) : null;
}

const RESULT_STATUSES: ReadonlySet<string> = new Set(['applied', 'duplicate', 'rejected']);

/** A POST /api/sales reply; results of an unknown shape are dropped (their sales are resent). */
function syncReply(x: unknown): SyncSalesReply | null {
	const results = (x as { results?: unknown } | null)?.results;
	if (!Array.isArray(results)) return null;
	return {
		results: results.filter((r): r is SyncSaleResult => {
			const o = r as Record<string, unknown> | null;
			return (
				typeof o?.id === 'string' && typeof o.status === 'string' && RESULT_STATUSES.has(o.status)
			);
		})
	};
}

/**
 * A GET /api/catalog reply. The server's product has `version` and `pinyin` as initials ("nfsq")
 * or null; the device keeps `updatedVersion`, and no `pinyin` when there is none.
 */
function catalogChanges(x: unknown): CatalogChanges | null {
	const b = x as Partial<Record<keyof CatalogChanges, unknown>> | null;
	if (
		!b ||
		typeof b.version !== 'number' ||
		!Number.isSafeInteger(b.version) ||
		!Array.isArray(b.products) ||
		!Array.isArray(b.deleted) ||
		!b.deleted.every((d) => typeof d === 'string')
	)
		return null;
	const whole = (n: unknown) =>
		typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
	return {
		...(b as CatalogChanges),
		products: b.products.map((raw) => {
			const p = raw as DeviceProductInput & { version?: unknown; pinyin?: unknown };
			const { version, pinyin, ...rest } = p;
			return {
				...rest,
				...(typeof pinyin === 'string' && pinyin.trim() !== '' ? { pinyin: pinyin.trim() } : {}),
				...(p.updatedVersion === undefined && typeof version === 'number'
					? { updatedVersion: version }
					: {})
			};
		}),
		latest: whole(b.latest),
		count: whole(b.count)
	};
}

export class TillApiClient implements ChargeApi {
	readonly #base: string;
	readonly #getToken: () => string | null;
	readonly #fetch: FetchLike;
	readonly #chargeTimeoutMs: number;
	readonly #pollGraceMs: number;
	readonly #syncTimeoutMs: number;
	readonly #onReachability: (reachable: boolean) => void;

	constructor(options: TillApiClientOptions) {
		this.#base = (options.baseUrl ?? '').replace(/\/+$/, '');
		this.#getToken = options.getToken;
		this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.#chargeTimeoutMs = options.chargeTimeoutMs ?? 30_000;
		this.#pollGraceMs = options.pollGraceMs ?? 10_000;
		this.#syncTimeoutMs = options.syncTimeoutMs ?? 30_000;
		this.#onReachability = options.onReachability ?? (() => undefined);
	}

	async #call<T>(
		path: string,
		init: RequestInit,
		timeoutMs: number,
		read: (body: unknown) => T | null,
		signal?: AbortSignal,
		token: string | null = this.#getToken()
	): Promise<ApiResult<T>> {
		const headers = new Headers(init.headers);
		headers.set('accept', 'application/json');
		headers.set('x-request-id', uuid());
		if (token) headers.set('authorization', `Bearer ${token}`);
		let response: Response;
		let text: string;
		try {
			response = await this.#fetch(`${this.#base}${path}`, {
				...init,
				headers,
				signal: withTimeout(timeoutMs, signal)
			});
			text = await response.text();
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
			body = JSON.parse(text);
		} catch {
			body = null;
		}
		if (response.status >= 500) {
			this.#onReachability(false);
			return { kind: 'unanswered', status: response.status, reason: `HTTP ${response.status}` };
		}
		this.#onReachability(true);
		if (response.status >= 400)
			return {
				kind: 'rejected',
				status: response.status,
				error: apiErrorOf(body, response.status)
			};
		const value = read(body);
		if (value === null)
			return { kind: 'unanswered', status: response.status, reason: 'unreadable reply' };
		return { kind: 'ok', value };
	}

	/** GET /api/me, optionally with a token being paired (not yet stored). */
	me(token?: string): Promise<ApiResult<TillIdentity>> {
		return this.#call(
			'/api/me',
			{ method: 'GET' },
			15_000,
			identity,
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
			chargeView,
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
			chargeView,
			signal
		);
	}

	/** POST /api/sales: the server applies each sale id once and answers every sale. */
	postSales(sales: Sale[]): Promise<ApiResult<SyncSalesReply>> {
		const body: SyncSalesRequest = { sales };
		return this.#call(
			'/api/sales',
			{
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body)
			},
			this.#syncTimeoutMs,
			syncReply
		);
	}

	/** GET /api/catalog?since=<version>: the changes since, or everything for 0. */
	getCatalog(since: number): Promise<ApiResult<CatalogChanges>> {
		return this.#call(
			`/api/catalog?since=${since}`,
			{ method: 'GET' },
			this.#syncTimeoutMs,
			catalogChanges
		);
	}
}
