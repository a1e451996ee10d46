import { describe, expect, it } from 'vitest';
import {
	TRADE_STATUSES,
	tradeState,
	walletOfAuthCode,
	walletOfTradeStatus
} from '$lib/server/teegon/status';

describe('tradeState', () => {
	it.each([
		['SUCCESS', 'paid', 'wechat'],
		['REFUND', 'failed', 'wechat'],
		['CLOSED', 'failed', 'wechat'],
		['REVOKED', 'failed', 'wechat'],
		['USERPAYING', 'pending', 'wechat'],
		['PAYERROR', 'failed', 'wechat'],
		['WAIT_BUYER_PAY', 'pending', 'alipay'],
		['TRADE_CLOSED', 'failed', 'alipay'],
		['TRADE_SUCCESS', 'paid', 'alipay'],
		['TRADE_FINISHED', 'paid', 'alipay']
	] as const)('%s is %s (%s)', (status, state, wallet) => {
		expect(tradeState(status)).toBe(state);
		expect(walletOfTradeStatus(status)).toBe(wallet);
	});

	it('covers every value of the spec', () => {
		expect([...TRADE_STATUSES].sort()).toEqual(
			[
				'SUCCESS',
				'REFUND',
				'CLOSED',
				'REVOKED',
				'USERPAYING',
				'PAYERROR',
				'WAIT_BUYER_PAY',
				'TRADE_CLOSED',
				'TRADE_SUCCESS',
				'TRADE_FINISHED'
			].sort()
		);
	});

	it.each([
		'',
		'NOTPAY',
		'success',
		' SUCCESS',
		'SUCCESS ',
		'TRADE_PENDING',
		'constructor',
		'__proto__',
		'toString',
		'ACCEPT'
	])(
		'an unlisted value %j is unknown: never paid, failed, or waiting for the customer',
		(status) => {
			expect(tradeState(status)).toBe('unknown');
			expect(walletOfTradeStatus(status)).toBe('unknown');
		}
	);
});

describe('walletOfAuthCode', () => {
	it.each([
		['100000000000000000', 'wechat'],
		['134567890123456789', 'wechat'],
		['159999999999999999', 'wechat'],
		['160000000000000000', 'unknown'],
		['090000000000000000', 'unknown'],
		['13456789012345678', 'unknown'],
		['1345678901234567890', 'unknown'],
		['2500000000000000', 'alipay'],
		['286543210987654321', 'alipay'],
		['300000000000000000000000', 'alipay'],
		['250000000000000', 'unknown'],
		['3000000000000000000000000', 'unknown'],
		['240000000000000000', 'unknown'],
		['310000000000000000', 'unknown'],
		['6901234567892', 'unknown'],
		['13456789012345678a', 'unknown'],
		[' 134567890123456789', 'unknown'],
		['134567890123456789\n', 'unknown'],
		['１３４５６７８９０１２３４５６７８９', 'unknown'],
		['', 'unknown']
	] as const)('%j is %s', (code, wallet) => {
		expect(walletOfAuthCode(code)).toBe(wallet);
	});
});
