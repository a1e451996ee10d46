import { fail, redirect } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { check, formFields, setupForm } from '$lib/server/office/forms';
import { needsSetup, PeopleError, setupOwner } from '$lib/server/office/people';
import { createSession, setSessionCookie } from '$lib/server/office/sessions';
import type { Actions, PageServerLoad } from './$types';

/** The first visit of a fresh install: the owner's account. Once made, this page is gone. */
export const load: PageServerLoad = async () => {
	if (!(await needsSetup(app().db.db))) redirect(303, '/office/sign-in');
};

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const fields = formFields(await request.formData());
		const values = {
			businessName: String(fields.businessName ?? ''),
			name: String(fields.name ?? ''),
			login: String(fields.login ?? '')
		};
		const parsed = check(setupForm, fields);
		if (!parsed.ok) return fail(400, { values, errors: parsed.errors });
		const db = app().db.db;
		let userId: string;
		try {
			userId = await setupOwner(db, parsed.data);
		} catch (e) {
			if (e instanceof PeopleError && e.code === 'already_set_up') redirect(303, '/office/sign-in');
			throw e;
		}
		const session = await createSession(db, userId);
		setSessionCookie(cookies, session.token, session.expiresAt, url.protocol === 'https:');
		redirect(303, '/office');
	}
};
