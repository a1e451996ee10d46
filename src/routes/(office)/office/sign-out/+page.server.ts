import { redirect } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import {
	clearSessionCookie,
	deleteSession,
	deleteUserSessions,
	SESSION_COOKIE
} from '$lib/server/office/sessions';
import type { Actions } from './$types';

// Named actions only: kit refuses a default action beside named ones.
export const actions: Actions = {
	/** This browser only. */
	here: async ({ cookies, url }) => {
		const token = cookies.get(SESSION_COOKIE);
		if (token) await deleteSession(app().db.db, token);
		clearSessionCookie(cookies, url.protocol === 'https:');
		redirect(303, '/office/sign-in');
	},
	/** Every browser this user is signed in on (a lost phone). */
	everywhere: async ({ cookies, url, locals }) => {
		if (locals.user) await deleteUserSessions(app().db.db, locals.user.id);
		clearSessionCookie(cookies, url.protocol === 'https:');
		redirect(303, '/office/sign-in');
	}
};
