import { describe, expect, test } from 'vitest';
import { render } from 'svelte/server';
import Receipt from '$lib/components/Receipt.svelte';
import { I18n } from '$lib/i18n';
import type { Sale } from '$lib/domain/sale';

const sale: Sale = {
	id: '6f1c2a3e-0000-4000-8000-000000000001',
	number: 'T1-20261126-0042',
	cashier: '王芳',
	createdAt: '2026-11-26T14:03:05+08:00',
	lines: [
		{
			lineId: 'L1',
			productId: 'p-cola',
			name: '可口可乐 330ml',
			barcode: '6901234567892',
			unitPrice: 350,
			quantity: 4,
			discount: 175,
			total: 1225
		},
		{
			lineId: 'L2',
			productId: null,
			name: '散装糖果',
			barcode: null,
			unitPrice: 1120,
			quantity: 1,
			discount: 0,
			total: 1120
		}
	],
	subtotal: 2345,
	discount: 45,
	total: 2300,
	tenders: [
		{ kind: 'cash', amount: 1000, tendered: 5000, change: 4000 },
		{
			kind: 'payment_code',
			amount: 1300,
			orderNo: 'T120261126140305004207QZ',
			chargeId: 'ch_8a7b6c5d4e',
			wallet: 'wechat'
		}
	]
};

function text(html: string): string {
	return html
		.replace(/<!--[\s\S]*?-->/g, '')
		.replace(/<[^>]+>/g, ' ')
		.replace(/&nbsp;/g, ' ')
		.replace(/\s+/g, ' ');
}

describe('Receipt', () => {
	test('zh-CN: store, items, discounts, totals, tenders, ids, time, till, cashier, number', () => {
		const { body } = render(Receipt, {
			props: { sale, storeName: '好邻居便利店', tillName: '1号收银台', paper: 58 }
		});
		const t = text(body);
		for (const expected of [
			'好邻居便利店',
			'购物小票',
			'小票号 T1-20261126-0042',
			'收银台 1号收银台',
			'收银员 王芳',
			'可口可乐 330ml',
			'4 × 3.50 14.00',
			'优惠 -1.75',
			'1 × 11.20 11.20',
			'小计 ¥23.45',
			'整单优惠 -¥0.45',
			'合计 ¥23.00',
			'现金 ¥10.00',
			'实收 ¥50.00',
			'找零 ¥40.00',
			'微信支付 ¥13.00',
			'天工交易号: ch_8a7b6c5d4e',
			'订单号: T120261126140305004207QZ'
		]) {
			expect(t).toContain(expected);
		}
		expect(t).toMatch(/时间 2026\/11\/2\d \d\d:\d\d:05/);
		expect(body).toContain('paper-58');
	});

	test('English, 80 mm, reprint', () => {
		const { body } = render(Receipt, {
			props: {
				sale,
				storeName: 'Good Neighbour',
				tillName: 'Till 1',
				paper: 80,
				reprint: true,
				i18n: new I18n({ storage: null, locale: 'en' })
			}
		});
		const t = text(body);
		expect(t).toContain('Receipt (reprint)');
		expect(t).toContain('Total ¥23.00');
		expect(t).toContain('Change ¥40.00');
		expect(t).toContain('WeChat Pay ¥13.00');
		expect(t).toContain('Teegon charge: ch_8a7b6c5d4e');
		expect(body).toContain('paper-80');
	});

	test('no discount rows when there is no discount; unknown wallet, no charge id yet', () => {
		const plain: Sale = {
			...sale,
			lines: [sale.lines[1] as Sale['lines'][number]],
			subtotal: 1120,
			discount: 0,
			total: 1120,
			tenders: [
				{ kind: 'payment_code', amount: 1120, orderNo: 'T1X', chargeId: null, wallet: 'unknown' }
			]
		};
		const t = text(render(Receipt, { props: { sale: plain, storeName: 'S', tillName: 'T' } }).body);
		expect(t).not.toContain('优惠');
		expect(t).not.toContain('天工交易号');
		expect(t).toContain('付款码支付 ¥11.20');
	});
});
