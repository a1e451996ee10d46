/** What the cashier reads when a payment code fails: chosen by code, each thing said once. */
import { describe, expect, test } from 'vitest';
import { I18n } from '$lib/i18n';
import type { PaymentFailure } from '$lib/till/payment';
import { failureWords } from '$lib/till/payment-words';

const zh = new I18n({ storage: null, locale: 'zh-CN' });
const en = new I18n({ storage: null, locale: 'en' });

function said(failure: PaymentFailure | null, i18n = zh): { why: string; advice: string } {
	const w = failureWords(failure);
	return { why: i18n.t(w.why.key, w.why.vars), advice: i18n.t(w.advice) };
}

const failed = (
	code: Extract<PaymentFailure, { kind: 'charge_failed' }>['code'],
	reason: string | null
) => ({ kind: 'charge_failed', code, reason }) as const;

describe('a failed charge', () => {
	test('by its failure code, never by the English text beside it', () => {
		expect(said(failed('declined', 'Teegon: PAYERROR'))).toEqual({
			why: '顾客的付款没有成功',
			advice: '请顾客刷新付款码后重新扫描，或改收现金'
		});
		expect(said(failed('deadline', 'customer did not confirm in time')).why).toBe(
			'顾客未在规定时间内确认付款'
		);
		expect(said(failed('not_at_teegon', 'Teegon has no such charge')).why).toBe(
			'天工那边没有这笔收款，顾客没有被扣款'
		);
		expect(said(failed('not_sent', 'connect ECONNREFUSED')).why).toBe(
			'这笔收款没有发出，顾客没有被扣款'
		);
		expect(said(failed('declined', 'Teegon: TRADE_CLOSED'), en).why).toBe(
			"The customer's payment did not go through"
		);
	});

	test("a wallet's refusal in Teegon's words: a known one in the cashier's, with its own advice", () => {
		expect(said(failed('refused', '余额不足 (insufficient balance)'))).toEqual({
			why: '余额不足',
			advice: '请顾客换一张卡或换一种付款方式，或改收现金'
		});
		expect(said(failed('refused', 'AUTHCODEEXPIRE')).advice).toBe(
			'请顾客刷新付款码后重新扫描，或改收现金'
		);
		expect(said(failed('refused', '某种没见过的错误 E123')).why).toBe(
			'收款失败：某种没见过的错误 E123'
		);
		expect(said(failed(null, null)).why).toBe('收款失败');
	});

	test('a request the server refused (4xx): what it means at the counter', () => {
		const rejected = (code: string, field?: string): PaymentFailure => ({
			kind: 'rejected',
			status: 400,
			error: { code, message: `${field ?? code}: must be…`, ...(field ? { field } : {}) }
		});
		expect(said(rejected('auth_code_used')).why).toBe('这个付款码已经用过');
		expect(said(rejected('invalid', 'amount')).advice).toBe('请改收现金，或分几次收款');
		expect(said(rejected('order_no_taken')).why).toBe('订单号冲突，没有扣款');
		expect(said(rejected('unauthorized')).why).toBe('收款请求被服务器拒绝，没有扣款');
	});

	test('the reason and the advice never say the same thing twice, nor show a code', () => {
		const all: (PaymentFailure | null)[] = [
			null,
			{ kind: 'not_sent' },
			{ kind: 'not_recorded' },
			// (A refusal in words the till does not know is shown as Teegon gave it: see above.)
			...(['declined', 'deadline', 'not_sent', 'not_at_teegon'] as const).map((c) =>
				failed(c, 'Teegon: PAYERROR')
			)
		];
		for (const f of all) {
			const { why, advice } = said(f);
			expect(why).not.toContain('改收现金');
			expect(advice).toContain('现金');
			expect(`${why}${advice}`).not.toMatch(/PAYERROR|Teegon/);
		}
	});
});
