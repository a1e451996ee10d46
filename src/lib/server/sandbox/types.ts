/** The sandbox gateway's public shapes: its options, scenarios, and what it shows of a charge. */
import type { SandboxConfig } from '../config';
import type { TradeState } from '../teegon/types';

export interface SandboxOptions extends SandboxConfig {
	/** Interface to listen on. Default 127.0.0.1. */
	host?: string;
	/** Receives one line per request and per notification attempt. Default: silent. */
	log?: (line: string) => void;
}

export interface SandboxTiming {
	confirmDelayMs: number;
	slowReplyMs: number;
	notifyRetryMs: number;
	notifyMaxAttempts: number;
}

/** What the sandbox does with a charge, by the payment code's last two digits. */
export type SandboxScenario =
	| 'paid'
	| 'confirm-then-paid'
	| 'confirm-then-failed'
	| 'never-confirms'
	| 'refused'
	| 'slow-reply'
	| 'paid-no-notification'
	| 'paid-notified-twice'
	| 'bad-gateway';

export const SCENARIOS: Readonly<Record<string, SandboxScenario>> = {
	'00': 'paid',
	'01': 'confirm-then-paid',
	'02': 'confirm-then-failed',
	'03': 'never-confirms',
	'04': 'refused',
	'05': 'slow-reply',
	'06': 'paid-no-notification',
	'07': 'paid-notified-twice',
	'08': 'bad-gateway'
};

export function scenarioOf(authCode: string): SandboxScenario {
	return SCENARIOS[authCode.slice(-2)] ?? 'paid';
}

/** The error text of a code ending in 04. */
export const INSUFFICIENT_BALANCE = '余额不足 (insufficient balance)';

/** A charge as the sandbox holds it; field names follow the protocol's. */
export interface SandboxCharge {
	charge_id: string;
	order_no: string;
	/** The amount text exactly as the till sent it. */
	amount: string;
	subject: string;
	metadata: string;
	auth_code: string;
	notify_url: string;
	client_ip: string;
	scenario: SandboxScenario;
	wallet: 'wechat' | 'alipay';
	channel: string;
	trade_status: string;
	state: TradeState;
	/** ISO 8601. */
	created_at: string;
	paid_at: string | null;
	transaction_no: string;
	notifications: {
		/** Deliveries this charge will get in all (0, 1 or 2); each is retried until HTTP 200. */
		planned: number;
		/** POSTs made, retries included. */
		attempts: number;
		/** Deliveries answered with HTTP 200. */
		delivered: number;
		last_status: number | null;
		last_error: string | null;
	};
}

export interface Sandbox {
	/** http://host:port, without a trailing slash. */
	readonly url: string;
	readonly port: number;
	/** Stops listening, drops connections, cancels confirmations and notification retries. */
	close(): Promise<void>;
	/** A snapshot of every charge, oldest first. */
	charges(): SandboxCharge[];
	/** Charge requests that created a charge (not refused ones): for idempotency tests. */
	readonly chargeCallCount: number;
	/** Forgets every charge and cancels pending confirmations and notifications. */
	reset(): void;
	timing(): SandboxTiming;
	/** Changes delays for what is scheduled from now on. */
	setTiming(timing: Partial<SandboxTiming>): SandboxTiming;
	/**
	 * Ends a waiting charge as the customer's phone would: paid or failed. With `notify`, the
	 * notification is sent as usual; without, it is lost, and only a status query can tell.
	 * Null when there is no such charge or it is already final.
	 */
	settle(
		ref: { orderNo: string } | { chargeId: string },
		to: 'paid' | 'failed',
		opts?: { notify?: boolean }
	): SandboxCharge | null;
}
