/**
 * What Teegon's `trade_status` values mean (docs/teegon.md "trade_status").
 */
import type { TradeState, Wallet } from './types';

const WECHAT_STATES: Readonly<Record<string, TradeState>> = {
	SUCCESS: 'paid',
	// "转入退款": the money was taken and is on its way back to the customer. For the sale at
	// the counter that is not a payment the till may keep, so it ends the charge as failed;
	// it is the same reading the spec gives Alipay's TRADE_CLOSED ("fully refunded after
	// payment"). A charge the till already recorded as paid stays paid (paid is final): the
	// refund is then the owner's business, not the till's.
	REFUND: 'failed',
	CLOSED: 'failed',
	REVOKED: 'failed',
	PAYERROR: 'failed',
	USERPAYING: 'pending'
};

const ALIPAY_STATES: Readonly<Record<string, TradeState>> = {
	TRADE_SUCCESS: 'paid',
	TRADE_FINISHED: 'paid',
	TRADE_CLOSED: 'failed',
	WAIT_BUYER_PAY: 'pending'
};

/** Every trade_status the spec lists, WeChat's then Alipay's. */
export const TRADE_STATUSES: readonly string[] = [
	...Object.keys(WECHAT_STATES),
	...Object.keys(ALIPAY_STATES)
];

/**
 * The meaning of a trade_status. Any value the spec does not list (including a different
 * case or surrounding spaces, or WeChat's `ACCEPT`, "accepted, the bank debit to come") is
 * `unknown`: "not known yet", never paid or failed, and not "waiting for the customer"
 * either, which the deadline would turn into failed.
 */
export function tradeState(tradeStatus: string): TradeState {
	if (Object.hasOwn(WECHAT_STATES, tradeStatus)) return WECHAT_STATES[tradeStatus]!;
	if (Object.hasOwn(ALIPAY_STATES, tradeStatus)) return ALIPAY_STATES[tradeStatus]!;
	return 'unknown';
}

/** Which wallet's vocabulary a trade_status belongs to. */
export function walletOfTradeStatus(tradeStatus: string): Wallet {
	if (Object.hasOwn(WECHAT_STATES, tradeStatus)) return 'wechat';
	if (Object.hasOwn(ALIPAY_STATES, tradeStatus)) return 'alipay';
	return 'unknown';
}

export { walletOfAuthCode } from '../../domain/payment-code';
