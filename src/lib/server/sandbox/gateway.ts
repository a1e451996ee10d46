/**
 * A Teegon sandbox gateway. Teegon offers no public sandbox, so the till ships one: a real
 * HTTP server speaking the same protocol on the same paths (charge, barcode_pay_status,
 * signed notifications with retries), so the till's code cannot tell it from Teegon.
 * See docs/teegon.md.
 *
 * The outcome of a charge is chosen by the last two digits of the payment code, like a
 * provider's test cards (SCENARIOS below). Codes shaped like Alipay's (16–24 digits
 * starting 25–30) get Alipay's statuses; all others WeChat's.
 *
 * Only for tests and demos: charges live in memory, and the introspection endpoints under
 * /__sandbox/ have no authentication.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatYuan, parseYuan, type Fen } from '../../domain/money';
import { verify } from '../teegon/sign';
import { walletOfAuthCode } from '../teegon/status';
import { makeNotification, postNotification } from './notification';
import {
	BAD_GATEWAY_HTML,
	CHANNEL,
	FEE_PER_MILLE,
	MAX_LENGTH,
	NOTIFY_ATTEMPT_TIMEOUT_MS,
	REQUIRED_FOR_CHARGE,
	Refusal,
	STATUS,
	type SandboxRecord,
	type Params
} from './records';
import {
	INSUFFICIENT_BALANCE,
	scenarioOf,
	type Sandbox,
	type SandboxCharge,
	type SandboxOptions,
	type SandboxTiming
} from './types';
import { chargeReply, newId, parseForm, readBody, sendJson, transactionNo } from './wire';

export * from './types';

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
	const host = opts.host ?? '127.0.0.1';
	const log = opts.log ?? (() => {});
	const timing: SandboxTiming = {
		confirmDelayMs: opts.confirmDelayMs,
		slowReplyMs: opts.slowReplyMs,
		notifyRetryMs: opts.notifyRetryMs,
		notifyMaxAttempts: opts.notifyMaxAttempts
	};
	const byId = new Map<string, SandboxRecord>();
	const byOrderNo = new Map<string, SandboxRecord>();
	/** Held replies of codes ending 05. */
	const replyTimers = new Set<NodeJS.Timeout>();
	const notifyAgent = new http.Agent({ keepAlive: true, timeout: 4000 });
	let chargeCallCount = 0;
	let closed = false;

	function later(record: SandboxRecord, ms: number, fn: () => void): void {
		if (record.cancelled || closed) return;
		const timer = setTimeout(() => {
			record.timers.delete(timer);
			if (!record.cancelled && !closed) fn();
		}, ms);
		record.timers.add(timer);
	}

	function cancel(record: SandboxRecord): void {
		record.cancelled = true;
		for (const timer of record.timers) clearTimeout(timer);
		record.timers.clear();
	}

	// --- requests -------------------------------------------------------------------------

	function authenticate(params: Params): void {
		if (!params.client_id) throw new Refusal('client_id: missing');
		if (params.client_id !== opts.clientId)
			throw new Refusal('client_id: no such client (无效的 client_id)');
		if (!params.sign) throw new Refusal('sign: missing');
		if (!verify(params, opts.clientSecret))
			throw new Refusal('sign: signature does not match (签名错误)');
	}

	function validateCharge(params: Params): Fen {
		for (const name of REQUIRED_FOR_CHARGE)
			if (params[name] === undefined || params[name] === '') throw new Refusal(`${name}: missing`);
		for (const [name, max] of Object.entries(MAX_LENGTH)) {
			const value = params[name];
			if (value !== undefined && [...value].length > max)
				throw new Refusal(`${name}: longer than ${max} characters`);
		}
		let notifyUrl: URL | null = null;
		try {
			notifyUrl = new URL(params.notify_url!);
		} catch {
			notifyUrl = null;
		}
		if (!notifyUrl || (notifyUrl.protocol !== 'http:' && notifyUrl.protocol !== 'https:'))
			throw new Refusal('notify_url: not an http(s) URL');
		if (params.channel !== 'barcode_pay')
			throw new Refusal(`channel: must be barcode_pay, got ${JSON.stringify(params.channel)}`);
		const amountText = params.amount!;
		if (!/^\d+(\.\d+)?$/.test(amountText))
			throw new Refusal(`amount: not a number: ${JSON.stringify(amountText)}`);
		if (/\.\d{3,}$/.test(amountText))
			throw new Refusal(`amount: more than two decimals: ${amountText}`);
		const amount = parseYuan(amountText);
		if (amount === null) throw new Refusal(`amount: not a valid amount: ${amountText}`);
		if (amount <= 0) throw new Refusal(`amount: must be more than 0, got ${amountText}`);
		if (byOrderNo.has(params.order_no!))
			throw new Refusal(`order_no: already used (订单号重复): ${params.order_no}`);
		return amount;
	}

	function handleCharge(params: Params, res: http.ServerResponse): void {
		authenticate(params);
		const amountFen = validateCharge(params);
		const authCode = params.auth_code!;
		const scenario = scenarioOf(authCode);
		const orderNo = params.order_no!;
		if (scenario === 'refused') {
			log(`sandbox charge order_no=${orderNo} auth_code=${authCode} -> refused`);
			throw new Refusal(INSUFFICIENT_BALANCE);
		}
		if (scenario === 'bad-gateway') {
			log(`sandbox charge order_no=${orderNo} auth_code=${authCode} -> HTTP 502`);
			res.writeHead(502, { 'content-type': 'text/html' });
			res.end(BAD_GATEWAY_HTML);
			return;
		}

		const wallet = walletOfAuthCode(authCode) === 'alipay' ? 'alipay' : 'wechat';
		const now = Date.now();
		const paidNow =
			scenario === 'paid' ||
			scenario === 'slow-reply' ||
			scenario === 'paid-no-notification' ||
			scenario === 'paid-notified-twice';
		const record: SandboxRecord = {
			charge_id: newId(24),
			order_no: orderNo,
			amount: params.amount!,
			amountFen,
			subject: params.subject!,
			metadata: params.metadata ?? '',
			auth_code: authCode,
			notify_url: params.notify_url!,
			client_ip: params.client_ip ?? '',
			scenario,
			wallet,
			channel: CHANNEL[wallet],
			trade_status: paidNow ? STATUS[wallet].paid : STATUS[wallet].waiting,
			state: paidNow ? 'paid' : 'pending',
			createdAt: now,
			paidAt: paidNow ? now : null,
			transaction_no: paidNow ? transactionNo(now) : '',
			buyer: wallet === 'wechat' ? `o${newId(27)}` : `138****${authCode.slice(-4)}`,
			bank: wallet === 'wechat' ? 'CFT' : '招商银行',
			notifications: {
				planned:
					scenario === 'paid-notified-twice'
						? 2
						: scenario === 'never-confirms' || scenario === 'paid-no-notification'
							? 0
							: 1,
				attempts: 0,
				delivered: 0,
				lastStatus: null,
				lastError: null
			},
			cancelled: false,
			timers: new Set()
		};
		byId.set(record.charge_id, record);
		byOrderNo.set(orderNo, record);
		chargeCallCount += 1;
		log(
			`sandbox charge order_no=${orderNo} auth_code=${authCode} amount=${record.amount} ` +
				`-> ${scenario} charge_id=${record.charge_id} ${record.trade_status}`
		);

		if (paidNow) notify(record, record.notifications.planned);
		else if (scenario === 'confirm-then-paid' || scenario === 'confirm-then-failed')
			later(record, timing.confirmDelayMs, () => {
				const paid = scenario === 'confirm-then-paid';
				record.state = paid ? 'paid' : 'failed';
				record.trade_status = paid ? STATUS[wallet].paid : STATUS[wallet].failed;
				if (paid) {
					record.paidAt = Date.now();
					record.transaction_no = transactionNo(record.paidAt);
				}
				log(`sandbox confirm charge_id=${record.charge_id} -> ${record.trade_status}`);
				notify(record, 1);
			});

		// The reply is built now: a code ending 05 is paid from the start, only the answer lags.
		const reply = chargeReply(record);
		if (scenario === 'slow-reply') {
			const timer = setTimeout(() => {
				replyTimers.delete(timer);
				sendJson(res, 200, reply);
			}, timing.slowReplyMs);
			replyTimers.add(timer);
		} else sendJson(res, 200, reply);
	}

	function handleStatus(params: Params, res: http.ServerResponse): void {
		authenticate(params);
		// The spec names charge_id only; the till asks by order_no when the charge reply was lost.
		const chargeId = params.charge_id;
		const orderNo = params.order_no;
		if (!chargeId && !orderNo) throw new Refusal('charge_id: missing');
		const record = chargeId ? byId.get(chargeId) : byOrderNo.get(orderNo!);
		if (!record)
			throw new Refusal(
				chargeId ? `charge_id: no such charge: ${chargeId}` : `order_no: no such charge: ${orderNo}`
			);
		log(
			`sandbox status ${chargeId ? `charge_id=${chargeId}` : `order_no=${orderNo}`} -> ${record.trade_status}`
		);
		sendJson(res, 200, {
			result: {
				charge_id: record.charge_id,
				order_no: record.order_no,
				pay_channel: record.channel,
				trade_status: record.trade_status
			},
			error: null
		});
	}

	// --- notifications --------------------------------------------------------------------

	function notificationFields(record: SandboxRecord): Params {
		const success = record.state === 'paid';
		return makeNotification(
			{
				amount: record.amount,
				bank: record.bank,
				buyer: record.buyer,
				channel: record.channel,
				charge_id: record.charge_id,
				device_info: '',
				is_success: success ? 'true' : 'false',
				metadata: record.metadata,
				order_no: record.order_no,
				pay_time: record.paidAt === null ? '' : String(Math.floor(record.paidAt / 1000)),
				real_amount: formatYuan(
					success ? record.amountFen - Math.round((record.amountFen * FEE_PER_MILLE) / 1000) : 0
				),
				status: 'trade_status_sync',
				timestamp: String(Math.floor(Date.now() / 1000)),
				// Not in the vendor's table but observed in real notifications: a receiver must
				// verify over whatever fields arrive.
				payment_no: record.transaction_no
			},
			opts.clientSecret
		);
	}

	/** Sends `times` deliveries of the same notification, one after the other. */
	function notify(record: SandboxRecord, times: number): void {
		if (times <= 0) return;
		const fields = notificationFields(record);
		const deliver = (remaining: number) => {
			if (remaining > 0) attempt(1, () => deliver(remaining - 1));
		};
		const attempt = (n: number, done: () => void) => {
			if (record.cancelled || closed) return;
			record.notifications.attempts += 1;
			const retry = () => {
				if (n >= timing.notifyMaxAttempts) {
					log(`sandbox notify charge_id=${record.charge_id} gave up after ${n} attempts`);
					done();
				} else later(record, timing.notifyRetryMs, () => attempt(n + 1, done));
			};
			void postNotification(record.notify_url, fields, {
				agent: notifyAgent,
				timeoutMs: NOTIFY_ATTEMPT_TIMEOUT_MS
			}).then(
				(reply) => {
					if (record.cancelled || closed) return;
					record.notifications.lastStatus = reply.status;
					record.notifications.lastError = null;
					log(`sandbox notify charge_id=${record.charge_id} attempt=${n} -> HTTP ${reply.status}`);
					if (reply.status === 200) {
						record.notifications.delivered += 1;
						done();
					} else retry();
				},
				(err: unknown) => {
					if (record.cancelled || closed) return;
					record.notifications.lastError = err instanceof Error ? err.message : String(err);
					log(
						`sandbox notify charge_id=${record.charge_id} attempt=${n} -> ${record.notifications.lastError}`
					);
					retry();
				}
			);
		};
		deliver(times);
	}

	// --- introspection --------------------------------------------------------------------

	function snapshot(record: SandboxRecord): SandboxCharge {
		const n = record.notifications;
		return {
			charge_id: record.charge_id,
			order_no: record.order_no,
			amount: record.amount,
			subject: record.subject,
			metadata: record.metadata,
			auth_code: record.auth_code,
			notify_url: record.notify_url,
			client_ip: record.client_ip,
			scenario: record.scenario,
			wallet: record.wallet,
			channel: record.channel,
			trade_status: record.trade_status,
			state: record.state,
			created_at: new Date(record.createdAt).toISOString(),
			paid_at: record.paidAt === null ? null : new Date(record.paidAt).toISOString(),
			transaction_no: record.transaction_no,
			notifications: {
				planned: n.planned,
				attempts: n.attempts,
				delivered: n.delivered,
				last_status: n.lastStatus,
				last_error: n.lastError
			}
		};
	}

	function reset(): void {
		for (const record of byId.values()) cancel(record);
		byId.clear();
		byOrderNo.clear();
		chargeCallCount = 0;
	}

	function settle(
		ref: { orderNo: string } | { chargeId: string },
		to: 'paid' | 'failed',
		settleOpts: { notify?: boolean } = {}
	): SandboxCharge | null {
		const record = 'orderNo' in ref ? byOrderNo.get(ref.orderNo) : byId.get(ref.chargeId);
		if (!record || record.state !== 'pending') return null;
		cancel(record); // a scheduled confirmation no longer happens
		record.cancelled = false;
		record.state = to;
		record.trade_status = to === 'paid' ? STATUS[record.wallet].paid : STATUS[record.wallet].failed;
		if (to === 'paid') {
			record.paidAt = Date.now();
			record.transaction_no = transactionNo(record.paidAt);
		}
		log(`sandbox settle charge_id=${record.charge_id} -> ${record.trade_status}`);
		if (settleOpts.notify) notify(record, 1);
		return snapshot(record);
	}

	function setTiming(next: Partial<SandboxTiming>): SandboxTiming {
		for (const key of Object.keys(timing) as (keyof SandboxTiming)[]) {
			const value = next[key];
			if (value === undefined) continue;
			if (!Number.isSafeInteger(value) || value < (key === 'notifyMaxAttempts' ? 1 : 0))
				throw new RangeError(`${key} must be a whole number ≥ 0 (≥ 1 for attempts), got ${value}`);
			timing[key] = value;
		}
		return { ...timing };
	}

	// --- HTTP -----------------------------------------------------------------------------

	async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://sandbox');
		const path = url.pathname;
		const isCharge = path === '/v1/charge/' || path === '/v1/charge';
		const isStatus =
			path === '/charge/barcode_pay_status' || path === '/charge/barcode_pay_status/';

		if (isCharge || isStatus) {
			if (req.method !== 'POST') {
				res.setHeader('allow', 'POST');
				return sendJson(res, 405, { error: 'method not allowed: use POST', result: '' });
			}
			const body = await readBody(req);
			if (body === null) return sendJson(res, 413, { error: 'request body too large', result: '' });
			try {
				const params = parseForm(body);
				if (isCharge) handleCharge(params, res);
				else handleStatus(params, res);
			} catch (err) {
				if (!(err instanceof Refusal)) throw err;
				log(`sandbox ${isCharge ? 'charge' : 'status'} refused: ${err.error}`);
				sendJson(res, 200, { error: err.error, result: '' });
			}
			return;
		}

		if (path === '/__sandbox/charges' && req.method === 'GET') {
			const orderNo = url.searchParams.get('order_no');
			const list = [...byId.values()]
				.filter((r) => orderNo === null || r.order_no === orderNo)
				.map(snapshot);
			return sendJson(res, 200, list);
		}
		if (path === '/__sandbox/reset' && req.method === 'POST') {
			await readBody(req);
			reset();
			return sendJson(res, 200, { ok: true });
		}
		if (path === '/__sandbox/settle' && req.method === 'POST') {
			const body = await readBody(req);
			try {
				const r = JSON.parse(body ?? '') as {
					order_no?: string;
					charge_id?: string;
					to?: string;
					notify?: boolean;
				};
				if (r.to !== 'paid' && r.to !== 'failed') throw new Error('to: must be paid or failed');
				const ref = r.charge_id ? { chargeId: r.charge_id } : { orderNo: String(r.order_no) };
				const done = settle(ref, r.to, { notify: r.notify === true });
				return done
					? sendJson(res, 200, done)
					: sendJson(res, 404, { error: 'no such waiting charge' });
			} catch (err) {
				return sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
			}
		}
		if (path === '/__sandbox/timing' && (req.method === 'GET' || req.method === 'POST')) {
			if (req.method === 'GET') return sendJson(res, 200, { ...timing });
			const body = await readBody(req);
			try {
				const next = JSON.parse(body ?? '') as Partial<SandboxTiming>;
				return sendJson(res, 200, setTiming(next));
			} catch (err) {
				return sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
			}
		}
		sendJson(res, 404, { error: `not found: ${req.method ?? ''} ${path}`, result: '' });
	}

	const server = http.createServer((req, res) => {
		void route(req, res).catch((err: unknown) => {
			log(
				`sandbox internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
			);
			if (!res.headersSent) sendJson(res, 500, { error: 'sandbox internal error', result: '' });
			else res.destroy();
		});
	});
	// Longer than the client's idle-socket timeout, as a real gateway's would be.
	server.keepAliveTimeout = 65_000;
	server.headersTimeout = 66_000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

	return {
		url: `http://${urlHost}:${port}`,
		port,
		get chargeCallCount() {
			return chargeCallCount;
		},
		charges: () => [...byId.values()].map(snapshot),
		reset,
		timing: () => ({ ...timing }),
		setTiming,
		settle,
		async close() {
			if (closed) return;
			closed = true;
			for (const record of byId.values()) cancel(record);
			for (const timer of replyTimers) clearTimeout(timer);
			replyTimers.clear();
			notifyAgent.destroy();
			const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			await stopped;
		}
	};
}
