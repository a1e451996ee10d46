import { json } from '@sveltejs/kit';
import { invalidField } from '$lib/domain/api-error';
import { app } from '$lib/server/app';
import { requireTill } from '$lib/server/http/till-auth';
import { catalogChanges } from '$lib/server/catalog';
import type { RequestHandler } from './$types';

/** GET /api/catalog?since=N: the products that changed after catalog version N. */
export const GET: RequestHandler = async ({ url, locals }) => {
	const till = requireTill(locals);
	const sinceText = url.searchParams.get('since') ?? '0';
	if (!/^\d{1,15}$/.test(sinceText))
		return json(invalidField('since', 'must be a catalog version (a whole number)'), {
			status: 400
		});
	return json(await catalogChanges(app().db.db, till.storeId, Number(sinceText)));
};
