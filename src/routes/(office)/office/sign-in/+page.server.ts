import { fail, redirect } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { check, formFields, signInForm } from '$lib/server/office/forms';
import { needsSetup, PeopleError, signIn } from '$lib/server/office/people';
import { createSession, setSessionCookie } from '$lib/server/office/sessions';
import { DEMO_OWNER } from '$lib/server/office/demo';
import type { Actions, PageServerLoad } from './$types';

/** Only a path of this site's back office: `next` never sends anyone elsewhere. */
function safeNext(next: string | null): string {
	return next && /^\/(office|reports)(\/|\?|$)/.test(next) && !next.startsWith('//')
		? next
		: '/office';
}

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	const { db, config } = app();
	if (await needsSetup(db.db)) redirect(303, '/office/setup');
	return { demo: config.mode === 'sandbox' ? DEMO_OWNER : null };
};

export const actions: Actions = {
	default: async ({ request, cookies, url, getClientAddress }) => {
		const fields = formFields(await request.formData());
		const values = { login: String(fields.login ?? '') };
		const parsed = check(signInForm, fields);
		if (!parsed.ok) return fail(400, { values, errors: parsed.errors, retryMinutes: 0 });
		const db = app().db.db;
		let userId: string;
		try {
			userId = await signIn(db, { ...parsed.data, address: getClientAddress() });
		} catch (e) {
			if (!(e instanceof PeopleError)) throw e;
			return fail(e.code === 'locked' ? 429 : 400, {
				values,
				errors: {
					[e.field ?? 'form']:
						e.code === 'locked' ? 'office.error.locked' : 'office.error.wrongPassword'
				},
				retryMinutes: Math.ceil(e.retryAfterMs / 60_000)
			});
		}
		const session = await createSession(db, userId);
		setSessionCookie(cookies, session.token, session.expiresAt, url.protocol === 'https:');
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
