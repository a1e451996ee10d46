import { describe, expect, it } from 'vitest';
import { formFields } from '../../src/lib/server/http/body';

describe('formFields (the notification body)', () => {
	it('keeps every field, empty values included', () => {
		const r = formFields('amount=23.45&device_info=&sign=ABC');
		expect(r).toEqual({ ok: true, fields: { amount: '23.45', device_info: '', sign: 'ABC' } });
	});

	it('refuses a field given twice, naming it', () => {
		expect(formFields('amount=1.00&amount=2.00')).toEqual({
			ok: false,
			message: 'field amount: appears more than once'
		});
	});

	it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
		'a field named %s is a field like any other',
		(name) => {
			const r = formFields(`${name}=x&order_no=T1`);
			expect(r.ok).toBe(true);
			if (!r.ok) return;
			expect(Object.keys(r.fields).sort()).toEqual([name, 'order_no'].sort());
			expect(Object.getOwnPropertyDescriptor(r.fields, name)?.value).toBe('x');
			expect(r.fields.order_no).toBe('T1');
		}
	);
});
