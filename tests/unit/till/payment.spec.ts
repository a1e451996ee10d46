/**
 * The payment-code state machine  against a scripted fake server:
 * every phase, the retries of an unanswered POST with the same order_no and body, long polls,
 * abandoning, and resuming after a reload.
 */
import { describe, expect, test, vi } from 'vitest';
import { chargeView } from '../../helpers/factories';
import type { ChargeState, ChargeView } from '$lib/domain/charge';
import type { ApiResult, ChargeApi, ChargeRequest } from '$lib/offline/api-client';
import { PaymentAttempt, type ChargeStore, type PaymentSnapshot } from '$lib/till/payment';

const ORDER = 'T1ABCD202611261403050001QZ7K';

const REQUEST: ChargeRequest = {
	order_no: ORDER,
	amount: '23.45',
	subject: '演示商店 可口可乐',
	auth_code: '134567890123456700',
	metadata: { sale: 'sale-1', till: 'T1' }
};

function view(state: ChargeState, extra: Partial<ChargeView> = {}): ChargeView {
	return chargeView({
		order_no: ORDER,
		state,
		charge_id: state === 'paid' ? 'ch_123' : null,
		failure: null,
		failure_code: null,
		...extra
	});
}

const ok = (v: ChargeView): ApiResult<ChargeView> => ({ kind: 'ok', value: v });
const lost = (status: number | null = null): ApiResult<ChargeView> => ({
	kind: 'unanswered',
	status,
	reason: status ? `HTTP ${status}` : 'fetch failed'
});
const rejected = (status: number, code: string): ApiResult<ChargeView> => ({
	kind: 'rejected',
	status,
	error: { code, message: `${code} message` }
});

type Step = ApiResult<ChargeView> | ((signal?: AbortSignal) => Promise<ApiResult<ChargeView>>);

/** Answers POSTs and GETs from two scripts and records every call. */
class FakeApi implements ChargeApi {
	readonly posts: ChargeRequest[] = [];
	readonly gets: { orderNo: string; waitSeconds?: number; since?: ChargeState }[] = [];
	constructor(
		readonly postScript: Step[],
		readonly getScript: Step[] = []
	) {}

	async createCharge(body: ChargeRequest, signal?: AbortSignal): Promise<ApiResult<ChargeView>> {
		this.posts.push(structuredClone(body));
		return this.#next(this.postScript, 'POST', signal);
	}

	async getCharge(
		orderNo: string,
		options: { waitSeconds?: number; since?: ChargeState },
		signal?: AbortSignal
	): Promise<ApiResult<ChargeView>> {
		this.gets.push({ orderNo, ...options });
		return this.#next(this.getScript, 'GET', signal);
	}

	async #next(script: Step[], what: string, signal?: AbortSignal): Promise<ApiResult<ChargeView>> {
		const step = script.shift();
		if (!step) throw new Error(`unexpected ${what}: script is over`);
		return typeof step === 'function' ? step(signal) : step;
	}
}

class FakeStore implements ChargeStore {
	readonly log: string[] = [];
	async started(c: { orderNo: string; saleDraftId: string; amount: number }): Promise<void> {
		this.log.push(`started ${c.orderNo} ${c.saleDraftId} ${c.amount}`);
	}
	async setState(orderNo: string, state: string): Promise<void> {
		this.log.push(`${state} ${orderNo}`);
	}
}

function attempt(
	api: FakeApi,
	options: {
		request?: ChargeRequest | null;
		now?: () => number;
		/** The clock moves on by every sleep (default: it stands still). */
		clock?: { t: number };
	} = {}
): { attempt: PaymentAttempt; store: FakeStore; phases: string[]; sleeps: number[] } {
	const store = new FakeStore();
	const phases: string[] = [];
	const sleeps: number[] = [];
	const clock = options.clock;
	const request = options.request === null ? undefined : (options.request ?? REQUEST);
	const a = new PaymentAttempt(
		{
			orderNo: ORDER,
			saleDraftId: 'sale-1',
			amount: 2345,
			wallet: 'wechat',
			...(request ? { request } : {})
		},
		{
			api,
			store,
			now: options.now ?? (clock ? () => clock.t : () => Date.parse('2026-11-26T06:03:05.000Z')),
			sleep: async (ms) => {
				sleeps.push(ms);
				if (clock) clock.t += ms;
			},
			onChange: (s: PaymentSnapshot) => {
				if (phases.at(-1) !== s.phase) phases.push(s.phase);
			}
		}
	);
	return { attempt: a, store, phases, sleeps };
}

describe('a payment-code charge', () => {
	test('paid at once: recorded on the device before the POST, then paid', async () => {
		const api = new FakeApi([ok(view('paid', { paid_at: '2026-11-26T06:03:06Z' }))]);
		const store = new FakeStore();
		let postedAfterStart = false;
		const a = new PaymentAttempt(
			{ orderNo: ORDER, saleDraftId: 'sale-1', amount: 2345, wallet: 'wechat', request: REQUEST },
			{
				api: {
					createCharge: (body, signal) => {
						postedAfterStart = store.log.some((l) => l.startsWith('started'));
						return api.createCharge(body, signal);
					},
					getCharge: (...args) => api.getCharge(...args)
				},
				store
			}
		);
		const result = await a.run();
		expect(postedAfterStart).toBe(true);
		expect(result).toMatchObject({ phase: 'paid', wallet: 'wechat', amount: 2345, attempts: 1 });
		expect(result.charge?.charge_id).toBe('ch_123');
		expect(store.log).toEqual([`started ${ORDER} sale-1 2345`, `paid ${ORDER}`]);
		expect(api.posts).toEqual([REQUEST]);
		expect(api.gets).toEqual([]);
	});

	test('waiting for the customer: long polls since=pending until paid, with a deadline', async () => {
		const api = new FakeApi(
			[ok(view('pending'))],
			[ok(view('pending', { channel: 'wxpay' })), ok(view('paid'))]
		);
		const { attempt: a, phases } = attempt(api, { now: () => 1_000_000 });
		const result = await a.run();
		expect(phases).toEqual(['charging', 'waiting', 'paid']);
		expect(api.gets).toEqual([
			{ orderNo: ORDER, waitSeconds: 25, since: 'pending' },
			{ orderNo: ORDER, waitSeconds: 25, since: 'pending' }
		]);
		// The server's 60 s span from created_at to deadline_at, counted from when the POST left.
		expect(result.deadlineAt).toBe(1_000_000 + 60_000);
	});

	test("refused: Teegon's reason is kept for the cashier; nothing is retried", async () => {
		const api = new FakeApi([
			ok(view('failed', { failure: '余额不足 (insufficient balance)', failure_code: 'refused' }))
		]);
		const { attempt: a, store, phases } = attempt(api);
		const result = await a.run();
		expect(phases).toEqual(['charging', 'failed']);
		expect(result.failure).toEqual({
			kind: 'charge_failed',
			code: 'refused',
			reason: '余额不足 (insufficient balance)'
		});
		expect(store.log.at(-1)).toBe(`failed ${ORDER}`);
		expect(api.posts).toHaveLength(1);
	});

	test('the customer confirms, then the payment fails', async () => {
		const api = new FakeApi(
			[ok(view('pending'))],
			[ok(view('failed', { failure: 'Teegon: PAYERROR', failure_code: 'declined' }))]
		);
		const { attempt: a, phases } = attempt(api);
		const result = await a.run();
		expect(phases).toEqual(['charging', 'waiting', 'failed']);
		expect(result.failure).toMatchObject({ kind: 'charge_failed', code: 'declined' });
	});

	test('not confirmed before the deadline: the deadline, not a refusal', async () => {
		const api = new FakeApi(
			[ok(view('pending'))],
			[
				ok(
					view('failed', { failure: 'customer did not confirm in time', failure_code: 'deadline' })
				)
			]
		);
		const result = await attempt(api).attempt.run();
		expect(result.failure).toMatchObject({ kind: 'charge_failed', code: 'deadline' });
	});

	test('no answer to the POST: unknown, and the SAME POST again until the server answers', async () => {
		const api = new FakeApi(
			[lost(), lost(502), lost(), ok(view('unknown'))],
			[ok(view('unknown')), ok(view('paid'))]
		);
		const snapshots: PaymentSnapshot[] = [];
		const store = new FakeStore();
		const a = new PaymentAttempt(
			{ orderNo: ORDER, saleDraftId: 'sale-1', amount: 2345, wallet: 'wechat', request: REQUEST },
			{
				api,
				store,
				sleep: async () => undefined,
				onChange: (s) => snapshots.push(s)
			}
		);
		const result = await a.run();
		expect(result.phase).toBe('paid');
		expect(api.posts).toHaveLength(4);
		for (const body of api.posts) expect(body).toEqual(REQUEST);
		expect(store.log.filter((l) => l.startsWith('started'))).toHaveLength(1);
		// While unanswered the cashier sees "checking, do not charge again", never a failure.
		const whileLost = snapshots.filter((s) => s.postUnanswered);
		expect(whileLost.length).toBeGreaterThan(0);
		expect(whileLost.every((s) => s.phase === 'unknown')).toBe(true);
		expect(snapshots.some((s) => s.phase === 'failed')).toBe(false);
		expect(api.gets).toEqual([
			{ orderNo: ORDER, waitSeconds: 25, since: 'unknown' },
			{ orderNo: ORDER, waitSeconds: 25, since: 'unknown' }
		]);
	});

	test('retries back off, capped', async () => {
		const api = new FakeApi(
			[lost(), lost(), lost(), lost(), lost(), lost(), lost(), ok(view('paid'))],
			[]
		);
		const { attempt: a, sleeps } = attempt(api);
		await a.run();
		expect(sleeps).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
	});

	test('the server refuses the request (4xx): failed at once, nothing was charged', async () => {
		const api = new FakeApi([rejected(409, 'auth_code_used')]);
		const { attempt: a, store } = attempt(api);
		const result = await a.run();
		expect(result.phase).toBe('failed');
		expect(result.failure).toMatchObject({ kind: 'rejected', status: 409 });
		expect(api.posts).toHaveLength(1);
		expect(store.log.at(-1)).toBe(`failed ${ORDER}`);
	});

	test('a lost long poll is asked again; the outcome still arrives', async () => {
		const api = new FakeApi([ok(view('pending'))], [lost(), lost(503), ok(view('paid'))]);
		const result = await attempt(api).attempt.run();
		expect(result.phase).toBe('paid');
		expect(api.gets).toHaveLength(3);
	});
});

describe('abandoning and checking again', () => {
	/** A GET that hangs until aborted, like a long poll with nothing to report. */
	const hanging = (signal?: AbortSignal): Promise<ApiResult<ChargeView>> =>
		new Promise((resolve) => {
			signal?.addEventListener('abort', () => resolve(lost()), { once: true });
		});

	test('the cashier stops waiting: abandoned, and the device marks the charge cancelled', async () => {
		const api = new FakeApi([ok(view('pending'))], [hanging, ok(view('pending'))]);
		const { attempt: a, store, phases } = attempt(api);
		const running = a.run();
		await new Promise((r) => setTimeout(r, 5));
		expect(a.snapshot.phase).toBe('waiting');
		const result = await a.abandon();
		await running;
		expect(result.phase).toBe('abandoned');
		expect(phases.at(-1)).toBe('abandoned');
		expect(store.log.at(-1)).toBe(`cancelled ${ORDER}`);
		// one last look without waiting before giving up
		expect(api.gets.at(-1)).toEqual({ orderNo: ORDER, waitSeconds: 0 });
	});

	test('a payment that went through just as the cashier gave up is paid, not dropped', async () => {
		const api = new FakeApi([ok(view('unknown'))], [hanging, ok(view('paid'))]);
		const { attempt: a, store } = attempt(api);
		const running = a.run();
		await new Promise((r) => setTimeout(r, 5));
		const result = await a.abandon();
		await running;
		expect(result.phase).toBe('paid');
		expect(store.log).not.toContain(`cancelled ${ORDER}`);
	});

	test('abandon() does nothing once the outcome is final', async () => {
		const api = new FakeApi([ok(view('paid'))]);
		const { attempt: a } = attempt(api);
		await a.run();
		expect((await a.abandon()).phase).toBe('paid');
	});

	test('checkNow() ends the current wait and asks what the server has now, not another long poll', async () => {
		const api = new FakeApi(
			[ok(view('unknown'))],
			[hanging, ok(view('unknown')), ok(view('paid'))]
		);
		const { attempt: a, sleeps } = attempt(api);
		const running = a.run();
		await new Promise((r) => setTimeout(r, 5));
		expect(a.snapshot.checkedAt).toBeNull();
		a.checkNow();
		await vi.waitFor(() => expect(a.snapshot.checkedAt).not.toBeNull());
		const result = await running;
		expect(result.phase).toBe('paid');
		expect(sleeps).toEqual([]);
		expect(api.gets).toEqual([
			{ orderNo: ORDER, waitSeconds: 25, since: 'unknown' },
			{ orderNo: ORDER, waitSeconds: 0 },
			{ orderNo: ORDER, waitSeconds: 25, since: 'unknown' }
		]);
	});
});

describe('resuming after a reload', () => {
	test('asks what the charge is now (no warning yet), then long polls until the server answers', async () => {
		const api = new FakeApi([], [ok(view('unknown')), ok(view('paid'))]);
		const { attempt: a, phases } = attempt(api, { request: null });
		expect(a.snapshot).toMatchObject({ phase: 'checking', resumed: true });
		const result = await a.run();
		expect(result.phase).toBe('paid');
		expect(phases).toEqual(['unknown', 'paid']);
		expect(api.posts).toEqual([]);
		expect(api.gets).toEqual([
			{ orderNo: ORDER, waitSeconds: 0 },
			{ orderNo: ORDER, waitSeconds: 25, since: 'unknown' }
		]);
	});

	const T0 = Date.parse('2026-11-26T06:03:05.000Z');
	const notFound = (n: number) => Array.from({ length: n }, () => rejected(404, 'not_found'));

	test('a charge the server never stored was never sent: failed, nothing charged', async () => {
		const clock = { t: T0 };
		const api = new FakeApi([], notFound(40));
		const { attempt: a, store } = attempt(api, { request: null, clock });
		const result = await a.run();
		expect(result.failure).toEqual({ kind: 'not_sent' });
		expect(store.log).toEqual([`failed ${ORDER}`]);
		// The page before the reload may have sent it until the reload: a minute from then.
		expect(clock.t - T0).toBeGreaterThanOrEqual(60_000);
	});

	test('reloaded right after the POST left: not found is "not yet" until it could no longer arrive', async () => {
		// The POST reached a slow server that stores it only after a few 404s.
		const clock = { t: T0 };
		const api = new FakeApi([], [...notFound(5), ok(view('paid'))]);
		const { attempt: a, store, phases } = attempt(api, { request: null, clock });
		const result = await a.run();
		expect(result.phase).toBe('paid');
		expect(phases).toEqual(['unknown', 'paid']); // may still arrive: unknown, never failed
		expect(api.gets).toHaveLength(6);
		expect(store.log).toEqual([`paid ${ORDER}`]);
	});

	test('reloaded right after the POST left, and it never arrives: never sent, a minute on', async () => {
		const clock = { t: T0 };
		const api = new FakeApi([], notFound(40));
		let failedAt = 0;
		const { attempt: a } = attempt(api, { request: null, clock });
		a.run().then(
			() => (failedAt = clock.t),
			() => undefined
		);
		const result = await a.run();
		expect(result.failure).toEqual({ kind: 'not_sent' });
		expect(failedAt - T0).toBeGreaterThanOrEqual(60_000);
		expect(failedAt - T0).toBeLessThan(70_000);
	});
});

describe('the device cannot record the charge', () => {
	test('not sent: failed with the reason, nothing posted, no error thrown', async () => {
		const api = new FakeApi([ok(view('paid'))]);
		const errors: unknown[] = [];
		const a = new PaymentAttempt(
			{ orderNo: ORDER, saleDraftId: 'sale-1', amount: 2345, wallet: 'wechat', request: REQUEST },
			{
				api,
				store: {
					started: async () => {
						throw new Error('QuotaExceededError');
					},
					setState: async () => undefined
				},
				onError: (e) => errors.push(e)
			}
		);
		const result = await a.run();
		expect(result).toMatchObject({ phase: 'failed', failure: { kind: 'not_recorded' } });
		expect(api.posts).toEqual([]);
		expect(errors).toHaveLength(1);
	});
});

describe('a 4xx after a POST that went unanswered', () => {
	const T0 = Date.parse('2026-11-26T06:03:05.000Z');

	test('the first send may have been stored: asks the server, and reports what it has', async () => {
		const clock = { t: T0 };
		// A token revoked between the sends: the retry is refused, the first was stored and paid.
		const api = new FakeApi([lost(), rejected(401, 'unauthorized')], [ok(view('paid'))]);
		const { attempt: a, store, phases } = attempt(api, { clock });
		const result = await a.run();
		expect(result.phase).toBe('paid');
		expect(phases).toEqual(['charging', 'unknown', 'paid']);
		expect(store.log).toEqual([`started ${ORDER} sale-1 2345`, `paid ${ORDER}`]);
	});

	test('the minute counts from the latest send, not the first', async () => {
		// Unanswered for almost two minutes, then a proxy's 429: the last send may still arrive.
		const clock = { t: T0 };
		const posts = [...Array.from({ length: 25 }, () => lost()), rejected(429, 'too_many')];
		const api = new FakeApi(posts, [
			...Array.from({ length: 3 }, () => rejected(404, 'not_found')),
			ok(view('paid'))
		]);
		const { attempt: a } = attempt(api, { clock });
		const result = await a.run();
		expect(clock.t - T0).toBeGreaterThan(100_000);
		expect(result.phase).toBe('paid');
	});

	test('the server has nothing and nothing can still arrive: failed with the refusal', async () => {
		const clock = { t: T0 };
		const api = new FakeApi(
			[lost(), rejected(400, 'invalid_amount')],
			Array.from({ length: 40 }, () => rejected(404, 'not_found'))
		);
		const { attempt: a, store } = attempt(api, { clock });
		const result = await a.run();
		expect(result.phase).toBe('failed');
		expect(result.failure).toMatchObject({ kind: 'rejected', status: 400 });
		expect(clock.t - T0).toBeGreaterThanOrEqual(60_000);
		expect(store.log.filter((l) => l.startsWith('failed'))).toHaveLength(1);
	});
});
