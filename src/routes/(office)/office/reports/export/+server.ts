import { app } from '$lib/server/app';
import { matchLocale, DEFAULT_LOCALE } from '$lib/i18n/core';
import { exportStore } from '$lib/server/reports/office';
import { exportResponse } from '$lib/server/reports/http';
import type { RequestHandler } from './$types';

/**
 * GET /office/reports/export?store&kind=sales|lines|charges&from&to[&till][&lang]: the CSV of
 * the report's range, for the store's owners and managers.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const storeId = await exportStore(locals.user, url.searchParams.get('store'));
	const locale = matchLocale(url.searchParams.get('lang')) ?? DEFAULT_LOCALE;
	return exportResponse(app().db.db, storeId, url.searchParams, locale);
};
