import { error } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { reportStore } from '$lib/server/reports/office';
import { reportRequest, storeTills } from '$lib/server/reports/http';
import { buildReport } from '$lib/server/reports/query';
import { dateOfDay, localDayOf } from '$lib/server/reports/local-time';
import type { PageServerLoad } from './$types';

/** The owner's report of one store, for any local days and one till or all (?store, till, from, to). */
export const load: PageServerLoad = async ({ locals, url }) => {
	const db = app().db.db;
	const { storeId, stores } = await reportStore(db, locals.user, url.searchParams.get('store'));
	const asked = await reportRequest(db, storeId, url.searchParams);
	if (!asked.ok) error(400, { message: asked.error.error.message, code: 'invalid' });
	return {
		report: await buildReport(db, asked.request),
		stores,
		tills: await storeTills(db, storeId),
		today: dateOfDay(localDayOf(Date.now(), asked.request.timeZone))
	};
};
