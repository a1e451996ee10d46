/**
 * The abuse suite's property tests (fast-check): Teegon's sign/verify and every validator the
 * server runs on input from outside, fed random and hostile values. A validator either accepts
 * or refuses naming a field; it never throws, and what it accepts keeps its own rule.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatYuan, parseYuan } from '../../../src/lib/domain/money';
import { isOrderNo, ORDER_NO_PATTERN } from '../../../src/lib/domain/order-no';
import { walletOfAuthCode } from '../../../src/lib/domain/payment-code';
import { charLength, isCleanText, textProblem } from '../../../src/lib/domain/text';
import { validateChargeInput } from '../../../src/lib/server/charges/validate';
import { CsvFileError, decodeCsv, parseCatalogCsv } from '../../../src/lib/server/catalog-csv';
import { formFields, mediaType } from '../../../src/lib/server/http/body';
import { parseStrictJson } from '../../../src/lib/server/http/json';
import { checkSale } from '../../../src/lib/server/sales';
import { sign, signed, signingString, verify } from '../../../src/lib/server/teegon/sign';
import { tradeState, walletOfTradeStatus } from '../../../src/lib/server/teegon/status';
import { isoFromUnixSeconds } from '../../../src/lib/server/teegon/time';
import { saleByCode } from '../../helpers/harness';

const RUNS = { numRuns: 300 };

/** Strings a hostile client sends: any Unicode (lone surrogates included), controls, bidi overrides. */
const hostileString = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 80 }),
	fc.string({
		unit: fc.constantFrom(
			'\u0000',
			'\u001b',
			'\u202e',
			'\u2066',
			'\ud800',
			'\udc00',
			'a',
			'1',
			'.',
			'-',
			' ',
			'"'
		),
		maxLength: 30
	}),
	fc.constantFrom('', ' ', '__proto__', 'constructor', 'NaN', '-0', '1e309', '0x10', '１２３')
);
/** Any JSON value, including the prototype-polluting keys. */
const hostileJson = fc.letrec((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small' },
		fc.constant(null),
		fc.boolean(),
		fc.double(),
		fc.integer(),
		hostileString,
		fc.array(tie('value'), { maxLength: 4 }),
		fc.dictionary(
			fc.oneof(hostileString, fc.constantFrom('__proto__', 'order_no', 'amount', 'sales')),
			tie('value'),
			{ maxKeys: 5 }
		)
	)
})).value;
const params = fc.dictionary(
	fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== 'sign'),
	fc.string({ unit: 'binary', maxLength: 20 }),
	{ minKeys: 1, maxKeys: 8 }
);
const secret = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });

describe('sign / verify', () => {
	test('what is signed verifies, whatever the order of its fields and the case of its sign', () => {
		fc.assert(
			fc.property(params, secret, (p, s) => {
				const withSign = signed(p, s);
				expect(verify(withSign, s)).toBe(true);
				const reversed = Object.fromEntries(Object.entries(withSign).reverse());
				expect(verify(reversed, s)).toBe(true);
				expect(verify({ ...withSign, sign: withSign.sign!.toLowerCase() }, s)).toBe(true);
			}),
			RUNS
		);
	});

	test('a changed value, an added or dropped field, or another secret does not verify', () => {
		fc.assert(
			fc.property(
				params,
				secret,
				secret,
				fc.string({ minLength: 1, maxLength: 12 }),
				(p, s, other, extra) => {
					const withSign = signed(p, s);
					const name = Object.keys(p)[0]!;
					expect(verify({ ...withSign, [name]: `${p[name]}x` }, s)).toBe(false);
					if (extra !== 'sign' && !(extra in p))
						expect(verify({ ...withSign, [extra]: 'x' }, s)).toBe(false);
					if (Object.keys(p).length > 1) {
						const { [name]: _dropped, ...rest } = withSign;
						expect(verify(rest, s)).toBe(false);
					}
					if (other !== s) expect(verify(withSign, other)).toBe(false);
				}
			),
			RUNS
		);
	});

	test('a forged sign never verifies and never throws, whatever it is', () => {
		fc.assert(
			fc.property(params, secret, fc.string({ unit: 'binary', maxLength: 64 }), (p, s, forged) => {
				const real = sign(p, s);
				fc.pre(forged.toUpperCase() !== real);
				expect(verify({ ...p, sign: forged }, s)).toBe(false);
			}),
			RUNS
		);
		expect(verify({ a: '1' }, 's')).toBe(false); // no sign at all
	});

	test('the signing string is unambiguous only with the secret: both sides always wrap it', () => {
		fc.assert(
			fc.property(params, secret, (p, s) => {
				expect(sign(p, s)).toMatch(/^[0-9A-F]{32}$/);
				expect(signingString({ ...p, sign: 'ignored' })).toBe(signingString(p));
			}),
			RUNS
		);
	});
});

describe('validators never throw and keep their rules', () => {
	test('money: parseYuan takes only yuan text, and formatYuan of fen parses back to it', () => {
		fc.assert(
			fc.property(hostileString, (text) => {
				const fen = parseYuan(text);
				if (fen !== null) {
					expect(Number.isSafeInteger(fen) && fen >= 0).toBe(true);
					expect(text).toMatch(/^(0|[1-9]\d{0,12})(\.\d{1,2})?$/);
				}
			}),
			RUNS
		);
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 999_999_999_999_99 }), (fen) => {
				expect(parseYuan(formatYuan(fen))).toBe(fen);
			}),
			RUNS
		);
	});

	test('text: a string with a control character, a lone surrogate or a bidi override is refused', () => {
		fc.assert(
			fc.property(
				hostileString,
				hostileString,
				fc.constantFrom('\u0000', '\u0007', '\u001b', '\n', '\u009b', '\u202e', '\u2067'),
				(a, b, bad) => {
					expect(isCleanText(`${a}${bad}${b}`)).toBe(false);
					expect(textProblem(`${a}${bad}${b}`)).toBeTruthy();
					expect(isCleanText(`${a}\ud83d`)).toBe(false); // half of a pair, at the end
					expect(charLength(a)).toBeLessThanOrEqual(a.length);
				}
			),
			RUNS
		);
	});

	test('order numbers, payment codes, Teegon statuses and times: any value is answered', () => {
		fc.assert(
			fc.property(fc.oneof(hostileString, hostileJson), (v) => {
				expect(isOrderNo(v)).toBe(typeof v === 'string' && ORDER_NO_PATTERN.test(v));
				if (typeof v === 'string') {
					expect(['wechat', 'alipay', 'unknown']).toContain(walletOfAuthCode(v));
					expect(() => tradeState(v)).not.toThrow();
					expect(() => walletOfTradeStatus(v)).not.toThrow();
				}
				const iso = isoFromUnixSeconds(v);
				if (iso !== null) expect(Number.isNaN(Date.parse(iso))).toBe(false);
			}),
			RUNS
		);
	});

	test('POST /api/charges: any JSON is accepted within the rules or refused naming a field', () => {
		fc.assert(
			fc.property(
				fc.oneof(
					hostileJson,
					fc.record(
						{
							order_no: fc.oneof(hostileString, fc.constant('T1abc')),
							amount: fc.oneof(hostileString, fc.constantFrom('1.00', '0.01', '50000.01', '-1')),
							subject: hostileString,
							auth_code: fc.oneof(hostileString, fc.constant('130000000000000000')),
							metadata: hostileJson
						},
						{ requiredKeys: [] }
					)
				),
				(body) => {
					const r = validateChargeInput(body, 5_000_000);
					if (r.ok) {
						expect(isOrderNo(r.value.orderNo)).toBe(true);
						expect(r.value.amount).toBeGreaterThan(0);
						expect(r.value.amount).toBeLessThanOrEqual(5_000_000);
						expect(isCleanText(r.value.subject)).toBe(true);
						expect(r.value.authCode).toMatch(/^\d{10,24}$/);
					} else {
						// The field is named as sent: `""` for a key that is the empty string.
						expect(typeof r.error.field).toBe('string');
						expect(r.error.message.startsWith(`${r.error.field}: `)).toBe(true);
					}
				}
			),
			RUNS
		);
	});

	test('sales: any value, and a good sale with any one field replaced, is checked without throwing', () => {
		const good = saleByCode('T1order', 800);
		expect(checkSale(good)).toEqual({ ok: true });
		fc.assert(
			fc.property(
				hostileJson,
				fc.constantFrom(...Object.keys(good)),
				hostileJson,
				(any, field, value) => {
					const r = checkSale(any);
					if (!r.ok) expect(r.message.startsWith(`${r.field}: `)).toBe(true);
					const changed = checkSale({ ...good, [field]: value });
					if (!changed.ok) expect(typeof changed.field).toBe('string');
				}
			),
			RUNS
		);
	});

	test('strict JSON and the product CSV: any text parses or is refused, never a crash', () => {
		fc.assert(
			fc.property(fc.oneof(hostileString, fc.json()), (text) => {
				const r = parseStrictJson(text);
				if (r.ok) expect(() => JSON.parse(text)).not.toThrow();
				else expect(r.reason).toBeTruthy();
			}),
			RUNS
		);
		fc.assert(
			fc.property(
				fc.array(fc.array(hostileString, { maxLength: 6 }), { maxLength: 6 }),
				fc.uint8Array({ maxLength: 200 }),
				(rows, bytes) => {
					const text = ['name,price,barcode', ...rows.map((r) => r.join(','))].join('\n');
					for (const run of [() => parseCatalogCsv(text), () => decodeCsv(bytes)])
						try {
							run();
						} catch (e) {
							expect(e).toBeInstanceOf(CsvFileError);
						}
				}
			),
			RUNS
		);
	});

	test('form bodies and content types: any text gives fields once each, or the field named', () => {
		fc.assert(
			fc.property(fc.oneof(hostileString, fc.webQueryParameters()), hostileString, (raw, type) => {
				const r = formFields(raw);
				if (r.ok) {
					const names = [...new URLSearchParams(raw).keys()];
					expect(new Set(names).size).toBe(names.length);
					expect(Object.getPrototypeOf(r.fields)).toBeNull();
				} else expect(r.message).toMatch(/^field .*: appears more than once$/);
				expect(typeof mediaType(type)).toBe('string');
			}),
			RUNS
		);
	});
});
