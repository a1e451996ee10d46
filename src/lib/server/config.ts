/**
 * The till server's configuration, read once from the environment. Anything missing or
 * contradictory stops the server at start with a message that names the variable.
 * Every variable is documented in README.md "Configuration".
 */
import { parseYuan, type Fen } from '../domain/money';

export class ConfigError extends Error {
	constructor(
		readonly variable: string,
		message: string
	) {
		super(`${variable}: ${message}`);
		this.name = 'ConfigError';
	}
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface TillConfig {
	mode: 'live' | 'sandbox';
	port: number;
	/** The URL Teegon posts notifications to is publicBaseUrl + /api/teegon/notify. */
	publicBaseUrl: string;
	database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
	teegon: {
		/** null in sandbox mode: the built-in sandbox is started and its URL used. */
		baseUrl: string | null;
		clientId: string;
		clientSecret: string;
		connectTimeoutMs: number;
		timeoutMs: number;
	};
	charges: {
		/** After this, a charge not known to be paid is given up (`failed`, or `unknown` stays). */
		deadlineMs: number;
		/** How often the server asks Teegon about a charge that is not final. */
		pollIntervalMs: number;
		/** Highest amount one charge may carry. */
		maxAmount: Fen;
		/** A payment code may not be reused on another order within this window. */
		authCodeReuseWindowMs: number;
	};
	sandbox: SandboxConfig;
	/** Bearer token for GET /api/metrics; null: only from this machine (loopback). */
	metricsToken: string | null;
	/** Run pending migrations at start (off: `npm run admin -- migrate` does it, once, first). */
	migrateOnStart: boolean;
}

export interface SandboxConfig {
	port: number;
	clientId: string;
	clientSecret: string;
	/** Customer "confirms on the phone" after this (codes ending 01, 02). */
	confirmDelayMs: number;
	/** The charge reply is held this long for codes ending 05. */
	slowReplyMs: number;
	/** Between notification attempts until HTTP 200. */
	notifyRetryMs: number;
	notifyMaxAttempts: number;
}

export const DEFAULT_SANDBOX_CLIENT_ID = 'sandbox-client-id';
export const DEFAULT_SANDBOX_CLIENT_SECRET = 'sandbox-client-secret';
export const TEEGON_LIVE_URL = 'https://api.teegon.com';

function text(env: Env, name: string): string | undefined {
	const v = env[name];
	return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
	const v = text(env, name);
	if (v === undefined) return fallback;
	if (!/^\d+$/.test(v)) throw new ConfigError(name, `must be a whole number, got "${v}"`);
	const n = Number(v);
	if (n < min || n > max)
		throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
	return n;
}

function url(env: Env, name: string): string | undefined {
	const v = text(env, name);
	if (v === undefined) return undefined;
	let parsed: URL;
	try {
		parsed = new URL(v);
	} catch {
		throw new ConfigError(name, `must be an absolute http(s) URL, got "${v}"`);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
		throw new ConfigError(name, `must be an http(s) URL, got "${v}"`);
	return v.replace(/\/+$/, '');
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
	const v = text(env, name);
	if (v === undefined) return fallback;
	if (v === 'on') return true;
	if (v === 'off') return false;
	throw new ConfigError(name, `must be "on" or "off", got "${v}"`);
}

export function loadSandboxConfig(env: Env): SandboxConfig {
	return {
		port: int(env, 'SANDBOX_PORT', 4010, 0, 65535),
		clientId: text(env, 'SANDBOX_CLIENT_ID') ?? DEFAULT_SANDBOX_CLIENT_ID,
		clientSecret: text(env, 'SANDBOX_CLIENT_SECRET') ?? DEFAULT_SANDBOX_CLIENT_SECRET,
		confirmDelayMs: int(env, 'SANDBOX_CONFIRM_DELAY_MS', 5000, 0, 600_000),
		slowReplyMs: int(env, 'SANDBOX_SLOW_REPLY_MS', 12_000, 0, 600_000),
		notifyRetryMs: int(env, 'SANDBOX_NOTIFY_RETRY_MS', 5000, 10, 600_000),
		notifyMaxAttempts: int(env, 'SANDBOX_NOTIFY_MAX_ATTEMPTS', 20, 1, 1000)
	};
}

export function loadConfig(env: Env): TillConfig {
	const port = int(env, 'PORT', 3000, 0, 65535);
	const clientId = text(env, 'TEEGON_CLIENT_ID');
	const clientSecret = text(env, 'TEEGON_CLIENT_SECRET');
	if (clientId && !clientSecret)
		throw new ConfigError(
			'TEEGON_CLIENT_SECRET',
			'is not set, but TEEGON_CLIENT_ID is: set both for live mode, or neither for sandbox mode'
		);
	if (clientSecret && !clientId)
		throw new ConfigError(
			'TEEGON_CLIENT_ID',
			'is not set, but TEEGON_CLIENT_SECRET is: set both for live mode, or neither for sandbox mode'
		);
	const live = Boolean(clientId && clientSecret);
	const baseUrl = url(env, 'TEEGON_BASE_URL');
	if (!live && baseUrl)
		throw new ConfigError(
			'TEEGON_BASE_URL',
			'is set but TEEGON_CLIENT_ID/TEEGON_CLIENT_SECRET are not: a gateway URL needs credentials (leave all three unset for the built-in sandbox)'
		);

	const origin = url(env, 'ORIGIN');
	const publicBase = url(env, 'PUBLIC_BASE_URL') ?? origin;
	if (live && !publicBase)
		throw new ConfigError(
			'PUBLIC_BASE_URL',
			'is not set (nor ORIGIN): Teegon needs it to reach /api/teegon/notify'
		);

	const dbUrl = text(env, 'DATABASE_URL') ?? './data/till.db';
	const database: TillConfig['database'] = /^postgres(ql)?:\/\//.test(dbUrl)
		? { kind: 'postgres', url: dbUrl }
		: /^[a-z][a-z0-9+.-]*:\/\//i.test(dbUrl)
			? (() => {
					throw new ConfigError(
						'DATABASE_URL',
						`must be postgres://… or a SQLite file path, got "${dbUrl}"`
					);
				})()
			: { kind: 'sqlite', file: dbUrl };

	const maxAmountText = text(env, 'CHARGE_MAX_AMOUNT') ?? '50000.00';
	const maxAmount = parseYuan(maxAmountText);
	if (maxAmount === null || maxAmount <= 0)
		throw new ConfigError(
			'CHARGE_MAX_AMOUNT',
			`must be a positive yuan amount with at most two decimals, got "${maxAmountText}"`
		);

	const sandbox = loadSandboxConfig(env);
	return {
		mode: live ? 'live' : 'sandbox',
		port,
		publicBaseUrl: publicBase ?? `http://127.0.0.1:${port}`,
		database,
		teegon: {
			baseUrl: live ? (baseUrl ?? TEEGON_LIVE_URL) : null,
			clientId: live ? clientId! : sandbox.clientId,
			clientSecret: live ? clientSecret! : sandbox.clientSecret,
			connectTimeoutMs: int(env, 'TEEGON_CONNECT_TIMEOUT_MS', 3000, 1, 120_000),
			timeoutMs: int(env, 'TEEGON_TIMEOUT_MS', 8000, 1, 120_000)
		},
		charges: {
			deadlineMs: int(env, 'CHARGE_DEADLINE_SECONDS', 60, 1, 3600) * 1000,
			pollIntervalMs: int(env, 'CHARGE_POLL_MS', 2000, 10, 60_000),
			maxAmount,
			authCodeReuseWindowMs: int(env, 'AUTH_CODE_REUSE_SECONDS', 300, 0, 86_400) * 1000
		},
		sandbox,
		metricsToken: text(env, 'METRICS_TOKEN') ?? null,
		migrateOnStart: onOff(env, 'MIGRATE_ON_START', true)
	};
}
