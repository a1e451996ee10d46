import { describe, expect, test } from 'vitest';
import {
	DEFAULT_LOCALE,
	I18n,
	LOCALE_STORAGE_KEY,
	matchLocale,
	MESSAGES,
	refusalKey,
	type LocaleStorage,
	type MessageKey
} from '$lib/i18n';
import { en } from '$lib/i18n/en';
import { zhCN } from '$lib/i18n/zh-CN';

function flatten(obj: object, prefix = ''): Map<string, string> {
	const out = new Map<string, string>();
	for (const [k, v] of Object.entries(obj)) {
		if (typeof v === 'string') out.set(`${prefix}${k}`, v);
		else for (const [kk, vv] of flatten(v as object, `${prefix}${k}.`)) out.set(kk, vv);
	}
	return out;
}

function vars(text: string): string[] {
	return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

class MemoryStorage implements LocaleStorage {
	readonly data = new Map<string, string>();
	getItem(key: string): string | null {
		return this.data.get(key) ?? null;
	}
	setItem(key: string, value: string): void {
		this.data.set(key, value);
	}
}

describe('message files', () => {
	test('zh-CN and en have the same keys', () => {
		const zh = flatten(zhCN);
		const english = flatten(en);
		expect([...english.keys()].sort()).toEqual([...zh.keys()].sort());
		expect(zh.size).toBeGreaterThan(150);
	});

	test('every message uses the same {{variables}} in both languages', () => {
		const zh = flatten(zhCN);
		const english = flatten(en);
		const mismatched = [...zh].filter(
			([k, v]) => vars(v).join() !== vars(english.get(k) ?? '').join()
		);
		expect(mismatched).toEqual([]);
	});

	test('no message is empty', () => {
		const empty = [...flatten(zhCN), ...flatten(en)].filter(([, v]) => v.trim() === '');
		expect(empty).toEqual([]);
	});

	test('MESSAGES lists both locales', () => {
		expect(Object.keys(MESSAGES).sort()).toEqual(['en', 'zh-CN']);
	});
});

describe('I18n', () => {
	test('zh-CN by default', () => {
		const i18n = new I18n({ storage: null });
		expect(DEFAULT_LOCALE).toBe('zh-CN');
		expect(i18n.locale).toBe('zh-CN');
		expect(i18n.t('payment.paid')).toBe('收款成功');
		expect(i18n.t('payment.unknown')).toBe('正在向天工确认结果，请勿重复收款');
	});

	test('switching to English, and variables and plurals', () => {
		const i18n = new I18n({ storage: null });
		i18n.setLocale('en');
		expect(i18n.t('payment.charging')).toBe('Charging…');
		expect(i18n.t('payment.unknown')).toBe('Checking with Teegon — do not charge again');
		expect(i18n.t('payment.waitingCustomer', { seconds: 42 })).toBe(
			'Waiting for the customer to confirm on their phone (42 s left)'
		);
		expect(i18n.t('cart.items', { count: 1 })).toBe('1 item');
		expect(i18n.t('cart.items', { count: 3 })).toBe('3 items');
		i18n.setLocale('zh-CN');
		expect(i18n.t('cart.items', { count: 3 })).toBe('3 件');
		expect(i18n.t('scan.unknownBarcode', { code: '<b>6901234567892</b>' })).toBe(
			'未找到条码 <b>6901234567892</b> 对应的商品'
		);
	});

	test('the choice persists', () => {
		const storage = new MemoryStorage();
		new I18n({ storage }).setLocale('en');
		expect(storage.data.get(LOCALE_STORAGE_KEY)).toBe('en');
		expect(new I18n({ storage }).locale).toBe('en');
	});

	test('a bad or unreadable stored value falls back to zh-CN', () => {
		const storage = new MemoryStorage();
		storage.setItem(LOCALE_STORAGE_KEY, 'fr');
		expect(new I18n({ storage }).locale).toBe('zh-CN');
		const broken: LocaleStorage = {
			getItem: () => {
				throw new Error('denied');
			},
			setItem: () => {
				throw new Error('denied');
			}
		};
		const i18n = new I18n({ storage: broken });
		expect(i18n.locale).toBe('zh-CN');
		i18n.setLocale('en');
		expect(i18n.locale).toBe('en');
	});

	test('matchLocale', () => {
		expect(matchLocale('zh-Hans-CN')).toBe('zh-CN');
		expect(matchLocale('zh-TW')).toBe('zh-CN');
		expect(matchLocale('en-US')).toBe('en');
		expect(matchLocale('fr')).toBeNull();
		expect(matchLocale(undefined)).toBeNull();
	});

	test('dates are shown in 24-hour local time', () => {
		const i18n = new I18n({ storage: null, locale: 'en' });
		const text = i18n.dateTime(new Date(2026, 10, 26, 14, 3, 5));
		expect(text).toMatch(/2026/);
		expect(text).toMatch(/14:03:05/);
		expect(i18n.dateTime('not a date')).toBe('not a date');
	});
});

describe('refusal reasons', () => {
	test.each([
		['余额不足', 'insufficientBalance'],
		['NOTENOUGH', 'insufficientBalance'],
		['买家余额不足', 'insufficientBalance'],
		['用户的绑定银行卡余额不足', 'insufficientBalance'],
		['付款码已过期', 'codeExpired'],
		['二维码已过期，请用户在微信上刷新后再试', 'codeExpired'],
		['支付密码错误', 'wrongPassword'],
		['密码错误', 'wrongPassword'],
		['用户取消支付', 'userCancelled'],
		['需要用户输入支付密码', 'userPaying'],
		['USERPAYING', 'userPaying'],
		['支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款', 'codeInvalid'],
		['AUTH_CODE_INVALID', 'codeInvalid'],
		['条码错误', 'codeInvalid'],
		['订单已支付', 'orderPaid'],
		['订单已关闭', 'orderClosed'],
		['订单已撤销', 'orderRevoked'],
		['ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR', 'limitExceeded'],
		['超过单笔支付限额', 'limitExceeded'],
		['ACQ.PAYMENT_REQUEST_HAS_RISK', 'riskControl'],
		['ACQ.BUYER_ENABLE_STATUS_FORBID', 'accountRestricted'],
		['银行系统异常', 'bankError'],
		['商户订单号重复', 'duplicateOrder'],
		['签名错误', 'signError'],
		['商户无此接口权限', 'notAuthorized'],
		['系统繁忙，请稍后再试', 'systemError'],
		['SYSTEMERROR', 'systemError']
	])('%s → %s', (raw, key) => {
		expect(refusalKey(raw)).toBe(key);
	});

	test('every refusal key has a message', () => {
		const keys = Object.keys(zhCN.refusal).map((k) => `refusal.${k}` as MessageKey);
		const i18n = new I18n({ storage: null, locale: 'en' });
		expect(keys.every((k) => i18n.t(k) !== k)).toBe(true);
	});
});
