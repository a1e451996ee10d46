/**
 * The receipt a printer's test print prints: a known Chinese sale with every part of a receipt
 * (a line discount, a sale discount, cash with change, a WeChat payment code). Its bytes are
 * also the committed fixtures (tests/fixtures/receipt-58.hex, receipt-80.hex).
 */
import type { Sale } from '$lib/domain/sale';
import type { ReceiptStore } from './receipt';

export const SAMPLE_SALE: Sale = {
	id: '6f1c2a3e-0000-4000-8000-000000000042',
	number: 'T1-20261126-0042',
	cashier: '王芳',
	createdAt: '2026-11-26T14:03:05+08:00',
	lines: [
		{
			lineId: 'L1',
			productId: 'p-water',
			name: '农夫山泉饮用天然水 550ml',
			barcode: '6921168509256',
			unitPrice: 200,
			quantity: 3,
			discount: 0,
			total: 600
		},
		{
			lineId: 'L2',
			productId: 'p-cola',
			name: '可口可乐 330ml（罐装）',
			barcode: '6901234567892',
			unitPrice: 350,
			quantity: 4,
			discount: 175,
			total: 1225
		},
		{
			lineId: 'L3',
			productId: null,
			name: '散装糖果',
			barcode: null,
			unitPrice: 1120,
			quantity: 1,
			discount: 0,
			total: 1120
		}
	],
	subtotal: 2945,
	discount: 45,
	total: 2900,
	tenders: [
		{ kind: 'cash', amount: 1600, tendered: 5000, change: 3400 },
		{
			kind: 'payment_code',
			amount: 1300,
			orderNo: 'T120261126140305004207QZ',
			chargeId: 'ch_8a7b6c5d4e',
			wallet: 'wechat'
		}
	]
};

export const SAMPLE_STORE: ReceiptStore = {
	storeName: '好邻居便利店',
	tillName: '1号收银台',
	storeLines: ['朝阳区建国路88号', '电话 010-8888 6666']
};

/** The printed time of the sample is Beijing time wherever the till is. */
export const SAMPLE_TIME_ZONE = 'Asia/Shanghai';
