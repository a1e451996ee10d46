import { fail, redirect } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { check, formFields, passwordForm } from '$lib/server/office/forms';
import { requireRole } from '$lib/server/office/guard';
import { changePassword, PeopleError } from '$lib/server/office/people';
import { createSession, setSessionCookie } from '$lib/server/office/sessions';
import type { Actions } from './$types';

export const actions: Actions = {
	password: async ({ request, locals, cookies, url }) => {
		const user = requireRole(locals.user, 'manager');
		const parsed = check(passwordForm, formFields(await request.formData()));
		if (!parsed.ok) return fail(400, { errors: parsed.errors });
		const db = app().db.db;
		try {
			await changePassword(db, user, parsed.data.current, parsed.data.password);
		} catch (e) {
			if (e instanceof PeopleError && e.code === 'wrong_password')
				return fail(400, { errors: { current: 'office.error.wrongPassword' } });
			throw e;
		}
		// Every other session ended with the old password; this browser stays signed in.
		const session = await createSession(db, user.id);
		setSessionCookie(cookies, session.token, session.expiresAt, url.protocol === 'https:');
		redirect(303, '/office/account?changed=1');
	}
};
