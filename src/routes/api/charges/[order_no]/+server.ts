import { json } from '@sveltejs/kit';
import { invalidField } from '$lib/domain/api-error';
import { app } from '$lib/server/app';
import { requireTill } from '$lib/server/http/till-auth';
import type { RequestHandler } from './$types';

const STATES = new Set(['pending', 'paid', 'failed', 'unknown']);

/** GET /api/charges/{order_no}?wait=N[&since=state]: long poll up to 30 s for a change. */
export const GET: RequestHandler = async ({ params, url, locals, request }) => {
	const till = requireTill(locals);
	const waitText = url.searchParams.get('wait');
	let waitMs = 0;
	if (waitText !== null) {
		if (!/^\d{1,2}(\.\d{1,3})?$/.test(waitText) || Number(waitText) > 30)
			return json(invalidField('wait', 'must be a number of seconds from 0 to 30'), {
				status: 400
			});
		waitMs = Math.round(Number(waitText) * 1000);
	}
	const since = url.searchParams.get('since') ?? undefined;
	if (since !== undefined && !STATES.has(since))
		return json(invalidField('since', 'must be one of pending, paid, failed, unknown'), {
			status: 400
		});
	const reply = await app().charges.get(till, params.order_no, {
		waitMs,
		since,
		signal: request.signal
	});
	return json(reply.body, { status: reply.status });
};
