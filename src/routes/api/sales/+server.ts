import { json } from '@sveltejs/kit';
import { invalidField } from '$lib/domain/api-error';
import { app } from '$lib/server/app';
import { requireTill } from '$lib/server/http/till-auth';
import { salesReceived } from '$lib/server/metrics';
import { readJson } from '$lib/server/http/body';
import { isUniqueViolation } from '$lib/server/db';
import { MAX_SALES_PER_BATCH, recordSales } from '$lib/server/sales';
import type { RequestHandler } from './$types';

/** POST /api/sales {sales: Sale[]}: idempotent by sale id; answers one result per sale, in order. */
export const POST: RequestHandler = async ({ request, locals }) => {
	const till = requireTill(locals);
	const body = await readJson(request);
	if (!body.ok) return body.response;
	const sales = (body.value as { sales?: unknown })?.sales;
	if (!Array.isArray(sales) || sales.length > MAX_SALES_PER_BATCH)
		return json(invalidField('sales', `must be a list of at most ${MAX_SALES_PER_BATCH} sales`), {
			status: 400
		});
	for (let attempt = 0; ; attempt++) {
		try {
			const { db } = app();
			const results = await recordSales(db.db, till, sales, Date.now(), db.durably);
			for (const r of results) salesReceived.inc({ status: r.status });
			return json({ results });
		} catch (e) {
			// Two tabs or instances racing on the same ids: the retry sees them as duplicates.
			if (!isUniqueViolation(e) || attempt >= 2) throw e;
		}
	}
};
