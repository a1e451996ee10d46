import { describe, expect, it } from 'vitest';
import { sign, signed, signingString, verify } from '$lib/server/teegon/sign';
import vectors from '../../fixtures/sign-vectors.json';

interface Vector {
	name: string;
	secret: string;
	params: Record<string, string>;
	string: string;
	sign: string;
}

const all = vectors as unknown as Vector[];
const byName = (name: string): Vector => {
	const v = all.find((x) => x.name === name);
	if (!v) throw new Error(`no fixture vector "${name}"`);
	return v;
};

describe('signingString', () => {
	it('orders names in plain byte order, as in the spec example', () => {
		expect(signingString({ foo: '1', bar: '2', foo_bar: '3', foobar: '4' })).toBe(
			'bar2foo1foo_bar3foobar4'
		);
	});

	it('puts upper case before underscore before lower case (byte order, not locale order)', () => {
		expect(signingString({ b: '1', B: '2', _a: '3', a_: '4', A1: '5', a: '6', Z: '7' })).toBe(
			'A15B2Z7_a3a6a_4b1'
		);
	});

	it('keeps empty values as the bare name and leaves out sign', () => {
		expect(signingString({ b: '', a: 'x', sign: 'ABC' })).toBe('axb');
	});
});

describe('sign against vectors computed with md5sum (tests/fixtures/sign-vectors.sh)', () => {
	it('has the vectors the protocol needs', () => {
		expect(all.length).toBeGreaterThanOrEqual(10);
	});

	it.each(all.map((v) => [v.name, v] as const))('%s', (_name, v) => {
		expect(signingString(v.params)).toBe(v.string);
		expect(sign(v.params, v.secret)).toBe(v.sign);
		expect(verify({ ...v.params, sign: v.sign }, v.secret)).toBe(true);
	});

	it('the spec example with secret "secret"', () => {
		expect(sign({ foo: '1', bar: '2', foo_bar: '3', foobar: '4' }, 'secret')).toBe(
			'4B4AC0F2D69BA521FFDE55A2BBEE3025'
		);
	});

	it('signs empty values: dropping them gives another signature', () => {
		const v = byName('empty values are signed');
		const withoutEmpty = Object.fromEntries(Object.entries(v.params).filter(([, x]) => x !== ''));
		expect(sign(v.params, v.secret)).toBe(v.sign);
		expect(sign(withoutEmpty, v.secret)).not.toBe(v.sign);
	});

	it('signs raw values, not their URL encoding', () => {
		const v = byName('plus, ampersand, equals and spaces in values');
		const encoded = Object.fromEntries(
			Object.entries(v.params).map(([k, x]) => [k, encodeURIComponent(x)])
		);
		expect(sign(v.params, v.secret)).toBe(v.sign);
		expect(sign(encoded, v.secret)).not.toBe(v.sign);
	});

	it('non-ASCII subject is hashed as UTF-8', () => {
		const v = byName('non-ASCII subject');
		expect(sign(v.params, v.secret)).toBe(v.sign);
	});
});

describe('verify', () => {
	const v = byName('full notification, paid, with extra fields');
	const notification: Record<string, string> = { ...v.params, sign: v.sign };

	it('accepts a real notification signed over every field, extra ones included', () => {
		expect(verify(notification, v.secret)).toBe(true);
	});

	it('survives a round trip through form encoding', () => {
		const decoded = Object.fromEntries(
			new URLSearchParams(new URLSearchParams(notification).toString())
		);
		expect(verify(decoded, v.secret)).toBe(true);
	});

	it.each(Object.keys(v.params))('refuses a notification with %s tampered', (name) => {
		expect(verify({ ...notification, [name]: `${notification[name]}1` }, v.secret)).toBe(false);
	});

	it('refuses a notification with a field removed or added', () => {
		const { payment_no: _dropped, ...fewer } = notification;
		expect(verify(fewer, v.secret)).toBe(false);
		expect(verify({ ...notification, event_time: '1466057771' }, v.secret)).toBe(false);
	});

	it('refuses is_success flipped from "true" to "false"', () => {
		expect(verify({ ...notification, is_success: 'false' }, v.secret)).toBe(false);
	});

	it('refuses a missing or empty sign', () => {
		expect(verify(v.params, v.secret)).toBe(false);
		expect(verify({ ...v.params, sign: '' }, v.secret)).toBe(false);
	});

	it('refuses the wrong secret', () => {
		expect(verify(notification, 'another-secret')).toBe(false);
	});

	it('refuses a sign of the wrong length or with junk', () => {
		expect(verify({ ...v.params, sign: v.sign.slice(1) }, v.secret)).toBe(false);
		expect(verify({ ...v.params, sign: `${v.sign}0` }, v.secret)).toBe(false);
		expect(verify({ ...v.params, sign: 'ä'.repeat(32) }, v.secret)).toBe(false);
	});

	it('accepts a lower-case sign', () => {
		expect(verify({ ...v.params, sign: v.sign.toLowerCase() }, v.secret)).toBe(true);
	});
});

describe('signed', () => {
	it('adds sign, replacing one already present', () => {
		const v = byName('a sign field in the parameters is left out');
		const out = signed(v.params, v.secret);
		expect(out.sign).toBe(v.sign);
		expect(out.charge_id).toBe(v.params.charge_id);
		expect(verify(out, v.secret)).toBe(true);
	});
});
