import { fail } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { check, formFields, staffForm } from '$lib/server/office/forms';
import { requireRole } from '$lib/server/office/guard';
import { addStaff, listStaff, PeopleError, setDisabled } from '$lib/server/office/people';
import type { Actions, PageServerLoad } from './$types';

const REFUSALS: Record<PeopleError['code'], string> = {
	already_set_up: 'office.error.forbidden',
	login_taken: 'office.error.loginTaken',
	wrong_password: 'office.error.wrongPassword',
	locked: 'office.error.forbidden',
	forbidden: 'office.error.forbidden',
	not_found: 'office.error.notFound',
	last_owner: 'office.error.lastOwner'
};

export const load: PageServerLoad = async ({ locals }) => {
	const user = requireRole(locals.user, 'manager');
	const db = app().db.db;
	const stores = user.storeIds.length
		? await db
				.selectFrom('stores')
				.select(['id', 'name'])
				.where('id', 'in', user.storeIds)
				.orderBy('name')
				.execute()
		: [];
	return { staff: await listStaff(db, user), stores, me: { id: user.id, role: user.role } };
};

async function toggle(locals: App.Locals, request: Request, disabled: boolean) {
	const user = requireRole(locals.user, 'manager');
	const id = String((await request.formData()).get('id') ?? '');
	try {
		await setDisabled(app().db.db, user, id, disabled);
	} catch (e) {
		if (e instanceof PeopleError) return fail(400, { errors: { staff: REFUSALS[e.code] } });
		throw e;
	}
	return { done: disabled ? 'disabled' : 'enabled' };
}

export const actions: Actions = {
	add: async ({ request, locals }) => {
		const user = requireRole(locals.user, 'manager');
		const fields = formFields(await request.formData(), ['storeIds']);
		const values = {
			name: String(fields.name ?? ''),
			login: String(fields.login ?? ''),
			role: String(fields.role ?? 'cashier')
		};
		const parsed = check(staffForm, fields);
		if (!parsed.ok) return fail(400, { values, errors: parsed.errors });
		const { name, login, password, role, storeIds } = parsed.data;
		if (role !== 'cashier' && (!login || !password))
			return fail(400, {
				values,
				errors: { [login ? 'password' : 'login']: 'office.error.needsSignIn' }
			});
		try {
			await addStaff(app().db.db, user, {
				name,
				login: login || null,
				password: password || null,
				role,
				storeIds
			});
		} catch (e) {
			if (e instanceof PeopleError)
				return fail(400, { values, errors: { [e.field ?? 'form']: REFUSALS[e.code] } });
			throw e;
		}
		return { done: 'added' };
	},
	disable: ({ request, locals }) => toggle(locals, request, true),
	enable: ({ request, locals }) => toggle(locals, request, false)
};
