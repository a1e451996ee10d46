/**
 * The back office's form bodies, checked with valibot. Each rule's message is the i18n key the
 * page shows beside the field, so a refusal names the field in the user's language.
 */
import * as v from 'valibot';
import { textProblem } from '$lib/domain/text';

const text = (max: number) =>
	v.pipe(
		v.string('office.error.required'),
		v.trim(),
		v.minLength(1, 'office.error.required'),
		v.maxLength(max, 'office.error.tooLong'),
		v.check((s) => textProblem(s) === null, 'office.error.badText')
	);

const login = v.pipe(
	v.string('office.error.required'),
	v.trim(),
	v.toLowerCase(),
	v.minLength(1, 'office.error.required'),
	v.regex(/^[a-z0-9._@-]{3,64}$/, 'office.error.login')
);

/** Long enough to resist guessing; no composition rules (NIST 800-63B). */
const newPassword = v.pipe(
	v.string('office.error.required'),
	v.minLength(10, 'office.error.passwordShort'),
	v.maxLength(200, 'office.error.tooLong')
);

const given = v.pipe(
	v.string('office.error.required'),
	v.minLength(1, 'office.error.required'),
	v.maxLength(200, 'office.error.tooLong')
);

export const signInForm = v.object({ login: text(64), password: given });

export const setupForm = v.pipe(
	v.object({
		businessName: text(100),
		name: text(100),
		login,
		password: newPassword,
		confirm: v.string('office.error.required')
	}),
	v.forward(
		v.check((f) => f.password === f.confirm, 'office.error.confirm'),
		['confirm']
	)
);

export const passwordForm = v.pipe(
	v.object({ current: given, password: newPassword, confirm: v.string('office.error.required') }),
	v.forward(
		v.check((f) => f.password === f.confirm, 'office.error.confirm'),
		['confirm']
	)
);

export const staffForm = v.object({
	name: text(100),
	login: v.optional(v.union([v.literal(''), login]), ''),
	password: v.optional(v.union([v.literal(''), newPassword]), ''),
	role: v.picklist(['owner', 'manager', 'cashier'], 'office.error.role'),
	storeIds: v.array(v.string())
});

export type FieldErrors = Record<string, string>;

/** The form's fields as the schema reads them: repeated names (checkboxes) become arrays. */
export function formFields(form: FormData, arrays: string[] = []): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of new Set(form.keys())) {
		const all = form.getAll(key).map((x) => (typeof x === 'string' ? x : ''));
		out[key] = arrays.includes(key) ? all : all[0];
	}
	for (const key of arrays) out[key] ??= [];
	return out;
}

export function check<S extends v.GenericSchema>(
	schema: S,
	input: unknown
): { ok: true; data: v.InferOutput<S> } | { ok: false; errors: FieldErrors } {
	const r = v.safeParse(schema, input);
	if (r.success) return { ok: true, data: r.output };
	const errors: FieldErrors = {};
	for (const issue of r.issues) {
		const field = String(issue.path?.[0]?.key ?? 'form');
		errors[field] ??= issue.message;
	}
	return { ok: false, errors };
}
