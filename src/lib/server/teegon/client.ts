/**
 * The Teegon barcode-pay client: charge and barcode_pay_status over HTTP(S), signed right
 * before sending. See docs/teegon.md.
 *
 * Every call resolves to a typed outcome and never throws for anything the network or
 * Teegon does. The one rule that matters: a reply that does not say for certain what
 * happened is `unknown`, never `refused`, because the money may have moved. Only
 * programmer errors (an amount that is not a whole number of fen) throw.
 */
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { LookupFunction, Socket } from 'node:net';
import { formatYuan } from '../../domain/money';
import { signed } from './sign';
import { tradeState } from './status';
import { isoFromUnixSeconds } from './time';
import { teegonCalls } from '../metrics';
import type {
	ChargeOutcome,
	TeegonChargeRequest,
	StatusOutcome,
	TeegonApi,
	TeegonClientConfig
} from './types';
import { logInfo, type LogFn } from '../log';

export { tradeState, walletOfTradeStatus, walletOfAuthCode, TRADE_STATUSES } from './status';

export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
export const DEFAULT_TIMEOUT_MS = 8000;
/** A Teegon reply is a few KB; anything past this is not a reply we can trust. */
const MAX_REPLY_BYTES = 1 << 20;
/**
 * Idle keep-alive sockets are closed after this, below the 5 s keep-alive timeout of
 * common servers (Node's default), so a charge is not written onto a socket the server is
 * closing at that moment: that race would turn a clean request into an `unknown`.
 */
const IDLE_SOCKET_MS = 4000;

export interface CallOptions {
	/** Overrides the client's connect timeout for this call. */
	connectTimeoutMs?: number;
	/** Overrides the client's total timeout for this call. */
	timeoutMs?: number;
	/** Logged with the call; a random one is made if absent. */
	requestId?: string;
	/** Aborting ends the call as `unknown` (the request may already be at Teegon). */
	signal?: AbortSignal;
}

export interface TeegonClientOptions {
	/** Receives one line per call, with its ids as fields. Default: the server's log (log.ts). */
	log?: LogFn;
	/** Most sockets open at once to the gateway. Default: unlimited. */
	maxSockets?: number;
	/** A DNS lookup in place of the system's (its time counts toward the connect timeout). */
	lookup?: LookupFunction;
}

export interface TeegonClient extends TeegonApi {
	charge(req: TeegonChargeRequest, opts?: CallOptions): Promise<ChargeOutcome>;
	barcodePayStatus(chargeId: string, opts?: CallOptions): Promise<StatusOutcome>;
	barcodePayStatusByOrderNo(orderNo: string, opts?: CallOptions): Promise<StatusOutcome>;
	/** Closes the pooled sockets. Calls made afterwards end as `unknown` (not sent). */
	close(): void;
}

/** What came back from the wire, before any meaning is given to it. */
export type Transport =
	| { ok: true; status: number; body: string }
	/** `sent` false: the connection was never up, so not one byte of the request left. */
	| { ok: false; reason: string; sent: boolean };

type Json = Record<string, unknown>;

export function createTeegonClient(
	config: TeegonClientConfig,
	options: TeegonClientOptions = {}
): TeegonClient {
	const base = new URL(config.baseUrl);
	if (base.protocol !== 'http:' && base.protocol !== 'https:')
		throw new TypeError(`Teegon baseUrl must be http(s), got "${config.baseUrl}"`);
	const tls = base.protocol === 'https:';
	const transport = tls ? https : http;
	const agent = new transport.Agent({
		keepAlive: true,
		timeout: IDLE_SOCKET_MS,
		maxSockets: options.maxSockets ?? Infinity
	});
	// URL keeps IPv6 literals in brackets; node:http wants them bare.
	const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
	const port = base.port === '' ? undefined : Number(base.port);
	const prefix = base.pathname.replace(/\/+$/, '');
	const log = options.log ?? logInfo;
	const defaultConnectTimeout = config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	const defaultTimeout = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	let closed = false;

	function post(
		path: string,
		params: Record<string, string>,
		opts: CallOptions
	): Promise<Transport> {
		const connectTimeoutMs = opts.connectTimeoutMs ?? defaultConnectTimeout;
		const timeoutMs = opts.timeoutMs ?? defaultTimeout;
		const signal = opts.signal;
		if (closed)
			return Promise.resolve({ ok: false, reason: 'not sent: client closed', sent: false });
		if (signal?.aborted)
			return Promise.resolve({ ok: false, reason: 'not sent: aborted', sent: false });
		const body = new URLSearchParams(signed(params, config.clientSecret)).toString();

		return new Promise<Transport>((resolve) => {
			let settled = false;
			// Until the connection (TLS included) is up, not one byte of the request has left:
			// Teegon certainly did not get it. After that it may have.
			let connected = false;
			const req = transport.request({
				hostname,
				port,
				path: prefix + path,
				method: 'POST',
				agent,
				lookup: options.lookup,
				headers: {
					'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
					'content-length': Buffer.byteLength(body),
					accept: 'application/json'
				}
			});
			const finish = (result: Transport) => {
				if (settled) return;
				settled = true;
				clearTimeout(connectTimer);
				clearTimeout(totalTimer);
				signal?.removeEventListener('abort', onAbort);
				resolve(result);
			};
			const fail = (reason: string) => {
				if (settled) return;
				finish({ ok: false, reason: connected ? reason : `not sent: ${reason}`, sent: connected });
				req.destroy();
			};
			const onConnected = () => {
				connected = true;
				clearTimeout(connectTimer);
			};
			const onAbort = () => fail('aborted');
			const connectTimer = setTimeout(
				() => fail(`connect timeout after ${connectTimeoutMs} ms`),
				connectTimeoutMs
			);
			const totalTimer = setTimeout(() => fail(`timeout after ${timeoutMs} ms`), timeoutMs);
			signal?.addEventListener('abort', onAbort, { once: true });

			req.on('socket', (socket: Socket) => {
				if (req.reusedSocket) onConnected();
				else socket.once(tls ? 'secureConnect' : 'connect', onConnected);
			});
			req.on('error', (err) => fail(describeError(err)));
			req.on('response', (res) => {
				const chunks: Buffer[] = [];
				let size = 0;
				res.on('data', (chunk: Buffer) => {
					size += chunk.length;
					if (size > MAX_REPLY_BYTES) fail(`reply larger than ${MAX_REPLY_BYTES} bytes`);
					else chunks.push(chunk);
				});
				res.on('end', () =>
					finish({
						ok: true,
						status: res.statusCode ?? 0,
						body: Buffer.concat(chunks, size).toString('utf8')
					})
				);
				res.on('error', (err) => fail(`reply interrupted: ${describeError(err)}`));
				res.on('close', () => {
					if (!res.complete) fail('reply interrupted');
				});
			});
			req.end(body);
		});
	}

	async function charge(
		request: TeegonChargeRequest,
		opts: CallOptions = {}
	): Promise<ChargeOutcome> {
		const started = performance.now();
		const requestId = opts.requestId ?? randomUUID();
		const amount = formatYuan(request.amount);
		const params: Record<string, string> = {
			client_id: config.clientId,
			notify_url: request.notifyUrl,
			order_no: request.orderNo,
			channel: 'barcode_pay',
			// The exact text sent is the text signed: always two decimals.
			amount,
			subject: request.subject,
			auth_code: request.authCode
		};
		if (request.metadata !== undefined) params.metadata = request.metadata;
		if (request.clientIp !== undefined) params.client_ip = request.clientIp;

		const outcome = chargeOutcome(await post('/v1/charge/', params, opts));
		const detail =
			outcome.kind === 'paid' || outcome.kind === 'pending'
				? field('charge_id', outcome.chargeId)
				: outcome.kind === 'refused'
					? field('error', outcome.error)
					: outcome.kind === 'not_sent'
						? field('reason', outcome.reason)
						: `${field('reason', outcome.reason)} ${field('http', outcome.httpStatus)}`;
		const elapsed = performance.now() - started;
		teegonCalls.observe({ call: 'charge', outcome: outcome.kind }, elapsed / 1000);
		const ms = Math.round(elapsed);
		log(
			`teegon ${field('rid', requestId)} call=charge ${field('order_no', request.orderNo)} ` +
				`${field('auth_code', maskAuthCode(request.authCode))} ${field('amount', amount)} ` +
				`outcome=${outcome.kind} ${detail} ms=${ms}`,
			{
				teegon: 'charge',
				rid: requestId,
				order_no: request.orderNo,
				charge_id: 'chargeId' in outcome ? (outcome.chargeId ?? null) : null,
				outcome: outcome.kind,
				ms
			}
		);
		return outcome;
	}

	async function status(
		about: { charge_id: string } | { order_no: string },
		opts: CallOptions
	): Promise<StatusOutcome> {
		const started = performance.now();
		const requestId = opts.requestId ?? randomUUID();
		const params = { client_id: config.clientId, ...about };
		const outcome = statusOutcome(await post('/charge/barcode_pay_status', params, opts), about);
		const detail =
			outcome.kind === 'status'
				? `${field('trade_status', outcome.tradeStatus)} state=${outcome.state}`
				: outcome.kind === 'error'
					? field('error', outcome.error)
					: `${field('reason', outcome.reason)} ${field('http', outcome.httpStatus)}`;
		const [name, value] = Object.entries(about)[0]!;
		const elapsed = performance.now() - started;
		teegonCalls.observe({ call: 'barcode_pay_status', outcome: outcome.kind }, elapsed / 1000);
		const ms = Math.round(elapsed);
		log(
			`teegon ${field('rid', requestId)} call=barcode_pay_status ${field(name, value)} ` +
				`outcome=${outcome.kind} ${detail} ms=${ms}`,
			{ teegon: 'barcode_pay_status', rid: requestId, [name]: value, outcome: outcome.kind, ms }
		);
		return outcome;
	}

	return {
		charge,
		barcodePayStatus: (chargeId, opts = {}) => status({ charge_id: chargeId }, opts),
		barcodePayStatusByOrderNo: (orderNo, opts = {}) => status({ order_no: orderNo }, opts),
		close() {
			closed = true;
			agent.destroy();
		}
	};
}

/**
 * What both calls' replies share: a transport failure, a 5xx, a body that is not a JSON
 * object, or a non-2xx status make the outcome unknown, except a 4xx that carries Teegon's
 * `error` text (`refusal`). Otherwise the JSON object and its error text, for the caller to read.
 */
type Envelope =
	| { done: true; unknown: string; httpStatus: number | null; raw: unknown; sent?: boolean }
	| { done: true; refusal: string; httpStatus: number; raw: unknown }
	| { done: false; json: Json; error: string | null; httpStatus: number; raw: unknown };

function envelope(t: Transport): Envelope {
	if (!t.ok) return { done: true, unknown: t.reason, httpStatus: null, raw: null, sent: t.sent };
	const json = parseJson(t.body);
	const raw = json ?? t.body.slice(0, 500);
	const unknown = (reason: string): Envelope => ({
		done: true,
		unknown: reason,
		httpStatus: t.status,
		raw
	});
	if (t.status >= 500) return unknown(`HTTP ${t.status}`);
	if (json === undefined) return unknown(`HTTP ${t.status} with a body that is not JSON`);
	if (!isObject(json)) return unknown('reply is not a JSON object');
	const error = errorText(json.error);
	if (t.status >= 400) {
		return error !== null
			? { done: true, refusal: error, httpStatus: t.status, raw }
			: unknown(`HTTP ${t.status} without an error text`);
	}
	if (t.status < 200 || t.status >= 300) return unknown(`HTTP ${t.status}`);
	return { done: false, json, error, httpStatus: t.status, raw };
}

/** The meaning of a charge reply. Exported for tests of odd replies. */
export function chargeOutcome(t: Transport): ChargeOutcome {
	const e = envelope(t);
	if (e.done)
		return 'refusal' in e
			? { kind: 'refused', error: e.refusal, httpStatus: e.httpStatus, raw: e.raw }
			: e.sent === false
				? { kind: 'not_sent', reason: e.unknown }
				: { kind: 'unknown', reason: e.unknown, httpStatus: e.httpStatus, raw: e.raw };
	const { json, error, raw } = e;
	const unknown = (reason: string, chargeId: string | null = null): ChargeOutcome => ({
		kind: 'unknown',
		reason,
		httpStatus: e.httpStatus,
		raw,
		chargeId
	});

	const result = json.result;
	if (isObject(result)) {
		// An id in the reply is kept even when the rest cannot be read: the status query needs it.
		const chargeId = idText(result.id) ?? idText(result.charge_id);
		if (error !== null) return unknown('reply carries both a result and an error', chargeId);
		if (chargeId === null) return unknown('reply has no charge id');
		const channel = optionalText(result.channel);
		if (result.paid === true || result.paid === 'true')
			return {
				kind: 'paid',
				chargeId,
				channel,
				transactionNo: optionalText(result.transaction_no),
				paidAt: isoFromUnixSeconds(result.time_paid),
				raw
			};
		if (result.paid === false || result.paid === 'false')
			return { kind: 'pending', chargeId, channel, raw };
		return unknown('reply has no paid flag', chargeId);
	}
	if (error !== null && isFailureResult(result))
		return { kind: 'refused', error, httpStatus: e.httpStatus, raw };
	return unknown('reply has neither a result nor an error');
}

/**
 * The meaning of a barcode_pay_status reply to a query `about` a charge id or an order_no.
 * Exported for tests of odd replies.
 */
export function statusOutcome(
	t: Transport,
	about: string | { charge_id: string } | { order_no: string }
): StatusOutcome {
	const asked = typeof about === 'string' ? { charge_id: about } : about;
	const e = envelope(t);
	if (e.done)
		return 'refusal' in e
			? { kind: 'error', error: e.refusal, httpStatus: e.httpStatus, raw: e.raw }
			: { kind: 'unknown', reason: e.unknown, httpStatus: e.httpStatus, raw: e.raw };
	const { json, error, raw } = e;
	const unknown = (reason: string): StatusOutcome => ({
		kind: 'unknown',
		reason,
		httpStatus: e.httpStatus,
		raw
	});

	const result = json.result;
	// "error absent or null means the query worked; then read trade_status".
	if (error === null && isObject(result) && typeof result.trade_status === 'string') {
		const chargeId = idText(result.charge_id);
		const orderNo = idText(result.order_no);
		// A reply about another charge or order than the one asked is no answer about ours.
		if ('charge_id' in asked && chargeId !== null && chargeId !== asked.charge_id)
			return unknown(`reply is about charge ${chargeId}, not ${asked.charge_id}`);
		if ('order_no' in asked && orderNo !== asked.order_no)
			return unknown(`reply is about order ${orderNo ?? '(none)'}, not ${asked.order_no}`);
		const tradeStatus = result.trade_status;
		return { kind: 'status', state: tradeState(tradeStatus), tradeStatus, chargeId, orderNo, raw };
	}
	if (error !== null && !isObject(result))
		return { kind: 'error', error, httpStatus: e.httpStatus, raw };
	return unknown('reply has neither a trade_status nor an error');
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

function isObject(v: unknown): v is Json {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Teegon's error text: a non-empty string (or, defensively, an object's `message`). */
function errorText(v: unknown): string | null {
	if (typeof v === 'string') return v.trim() === '' ? null : v;
	if (isObject(v) && typeof v.message === 'string' && v.message.trim() !== '') return v.message;
	return null;
}

/** `result` on a failure: "" per the spec, "error" as observed, or absent. */
function isFailureResult(v: unknown): boolean {
	return v === undefined || v === null || v === '' || v === 'error';
}

function idText(v: unknown): string | null {
	if (typeof v === 'string') return v === '' ? null : v;
	if (typeof v === 'number' && Number.isFinite(v)) return String(v);
	return null;
}

function optionalText(v: unknown): string | null {
	return idText(v);
}

function describeError(err: Error & { code?: string }): string {
	const code = err.code;
	return code && !err.message.includes(code) ? `${code} ${err.message}` : err.message;
}

/** A payment code is a bearer token for about a minute: log only its last four digits. */
export function maskAuthCode(code: string): string {
	return code.length <= 4 ? '*'.repeat(code.length) : '*'.repeat(code.length - 4) + code.slice(-4);
}

/** `name=value`, quoted when the value could break the line apart. */
function field(name: string, value: string | number | null): string {
	const text = value === null ? '-' : String(value);
	return /^[\w.:@/*+-]+$/.test(text) ? `${name}=${text}` : `${name}=${JSON.stringify(text)}`;
}
