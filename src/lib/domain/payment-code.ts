/**
 * The shapes of a customer's payment code (付款码), as Teegon's wallets issue them: WeChat 18
 * digits starting 10–15, Alipay 16–24 digits starting 25–30. The server (which wallet a charge
 * is) and the till (is this scan a payment code) read them here, and nowhere else.
 */

export type Wallet = 'wechat' | 'alipay' | 'unknown';

export const WECHAT_CODE = /^1[0-5]\d{16}$/;
export const ALIPAY_CODE = /^(?:2[5-9]|30)\d{14,22}$/;
/** The first two digits of either wallet's code. */
export const PAYMENT_CODE_PREFIX = /^(?:1[0-5]|2[5-9]|30)/;
/** The longest payment code of any wallet (Alipay's). */
export const MAX_PAYMENT_CODE_LENGTH = 24;

/** Which wallet a payment code comes from; anything else (a product barcode, a typo) is `unknown`. */
export function walletOfAuthCode(code: string): Wallet {
	if (WECHAT_CODE.test(code)) return 'wechat';
	if (ALIPAY_CODE.test(code)) return 'alipay';
	return 'unknown';
}
