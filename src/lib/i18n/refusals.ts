/**
 * Teegon passes on the wallet's refusal text (`{"error": "..."}`), in Chinese, sometimes with the
 * WeChat (`NOTENOUGH`) or Alipay (`ACQ.BUYER_BALANCE_NOT_ENOUGH`) code in it. The common ones map
 * to a `refusal.*` message the cashier can act on; anything else is shown as Teegon sent it.
 *
 * Order matters: the first pattern that matches wins, so specific ones come first
 * ("二维码已过期，请刷新" is expired, not invalid; "银行卡余额不足" is balance, not bank).
 */
import type { Messages } from './zh-CN';

export type RefusalKey = keyof Messages['refusal'];

export const REFUSAL_PATTERNS: readonly (readonly [RegExp, RefusalKey])[] = [
	[/余额不足|NOTENOUGH|BALANCE_NOT_ENOUGH|insufficient/i, 'insufficientBalance'],
	[/过期|失效|AUTHCODEEXPIRE|AUTH_CODE_EXPIRE|expired/i, 'codeExpired'],
	[/密码错误|密码不正确|PASSWORD_ERROR|wrong password/i, 'wrongPassword'],
	[/USERPAYING|需要用户输入|输入支付密码|等待用户|用户支付中/i, 'userPaying'],
	[/用户取消|取消支付|USER_?CANCEL|cancel+ed by/i, 'userCancelled'],
	[
		/AUTH_?CODE_?(?:INVALID|ERROR)|付款码(?:无效|错误)|授权码|条码错误|刷新付款码|获取顾客账户信息失败/i,
		'codeInvalid'
	],
	[/ORDERPAID|已支付|已被支付|TRADE_HAS_SUCCESS/i, 'orderPaid'],
	[/ORDERREVERSED|REVOKED|已撤销/i, 'orderRevoked'],
	[/ORDERCLOSED|TRADE_HAS_CLOSE|已关闭/i, 'orderClosed'],
	[/限额|超限|LIMIT_(?:ERROR|EXCEEDED)|TOTAL_FEE_EXCEED/i, 'limitExceeded'],
	[/风险|风控|RISK/i, 'riskControl'],
	[/冻结|FORBID|状态非法|账户异常|账号异常/i, 'accountRestricted'],
	[/BANKERROR|银行/i, 'bankError'],
	[/重复|OUT_TRADE_NO_USED|DUPLICATE/i, 'duplicateOrder'],
	[/签名|验签|\bSIGN(?:_ERROR)?\b|INVALID_SIGN/i, 'signError'],
	[/NOAUTH|无此接口权限|没有权限|未开通|NOT_AUTHORIZED/i, 'notAuthorized'],
	[/SYSTEMERROR|SYSTEM_ERROR|系统(?:错误|繁忙|异常)|busy/i, 'systemError']
];

/** The message for a refusal text, or null to show the text as it came. */
export function refusalKey(raw: string): RefusalKey | null {
	const text = raw.trim();
	if (!text) return null;
	for (const [pattern, key] of REFUSAL_PATTERNS) if (pattern.test(text)) return key;
	return null;
}
