import { error } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { reportStore } from '$lib/server/reports/office';
import { reportRequest, storeTills } from '$lib/server/reports/http';
import { buildReport } from '$lib/server/reports/query';
import { dateOfDay, localDayOf } from '$lib/server/reports/local-time';
import type { PageServerLoad } from './$types';

/** The daily summary: one local day (?from, default today) of a store, with the day before. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const db = app().db.db;
	const { storeId, stores } = await reportStore(db, locals.user, url.searchParams.get('store'));
	const params = new URLSearchParams(url.searchParams);
	const day = params.get('from') ?? params.get('date') ?? '';
	params.set('from', day);
	params.set('to', day);
	const asked = await reportRequest(db, storeId, params);
	if (!asked.ok) error(400, { message: asked.error.error.message, code: 'invalid' });
	return {
		report: await buildReport(db, asked.request, { topProducts: 5 }),
		stores,
		tills: await storeTills(db, storeId),
		today: dateOfDay(localDayOf(Date.now(), asked.request.timeZone))
	};
};
