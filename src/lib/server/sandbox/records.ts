/** How the sandbox holds a charge, and the constants of its Teegon-like behaviour. */
import type { Fen } from '../../domain/money';
import type { SandboxCharge } from './types';

export const CHANNEL = {
	wechat: 'wxbarcodepay_pinganpay',
	alipay: 'alibarcodepay_pinganpay'
} as const;
export const STATUS = {
	wechat: { paid: 'SUCCESS', waiting: 'USERPAYING', failed: 'PAYERROR' },
	alipay: { paid: 'TRADE_SUCCESS', waiting: 'WAIT_BUYER_PAY', failed: 'TRADE_CLOSED' }
} as const;
/** Spec table, in characters. The vendor's table says 20 for auth_code; real codes reach 24. */
export const MAX_LENGTH: Readonly<Record<string, number>> = {
	notify_url: 256,
	order_no: 64,
	subject: 128,
	metadata: 512,
	auth_code: 24
};
export const REQUIRED_FOR_CHARGE = [
	'notify_url',
	'order_no',
	'channel',
	'amount',
	'subject',
	'auth_code'
];
export const MAX_BODY_BYTES = 64 * 1024;
export const NOTIFY_ATTEMPT_TIMEOUT_MS = 10_000;
/** Teegon's fee in the sample reply (pay_rate 0.3 %), taken off real_amount. */
export const FEE_PER_MILLE = 3;
export const BAD_GATEWAY_HTML =
	'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
	'<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

export interface SandboxRecord extends Omit<
	SandboxCharge,
	'created_at' | 'paid_at' | 'notifications'
> {
	amountFen: Fen;
	createdAt: number;
	paidAt: number | null;
	buyer: string;
	bank: string;
	notifications: {
		planned: number;
		attempts: number;
		delivered: number;
		lastStatus: number | null;
		lastError: string | null;
	};
	/** Set by reset()/close(): no more confirmations or notification attempts. */
	cancelled: boolean;
	timers: Set<NodeJS.Timeout>;
}

export type Params = Record<string, string>;

export class Refusal {
	constructor(readonly error: string) {}
}
