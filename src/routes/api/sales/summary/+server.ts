import { json } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { requireTill } from '$lib/server/http/till-auth';
import { salesSummary } from '$lib/server/sales';
import type { RequestHandler } from './$types';

/**
 * GET /api/sales/summary[?till=mine]: what the server holds for this store: sale count, takings
 * and takings by tender, in fen. A till compares it with what it recorded.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const till = requireTill(locals);
	const onlyThisTill = url.searchParams.get('till') === 'mine';
	return json(await salesSummary(app().db.db, till.storeId, onlyThisTill ? till.id : null));
};
