import { json } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { readJson } from '$lib/server/http/body';
import { requireTill } from '$lib/server/http/till-auth';
import { chargeRequests } from '$lib/server/metrics';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ request, locals }) => {
	const till = requireTill(locals);
	const started = performance.now();
	const body = await readJson(request);
	if (!body.ok) return body.response;
	const reply = await app().charges.create(till, body.value);
	chargeRequests.observe({ status: reply.status }, (performance.now() - started) / 1000);
	return json(reply.body, { status: reply.status });
};

export const GET: RequestHandler = async ({ locals, url }) => {
	const till = requireTill(locals);
	const limit = Number(url.searchParams.get('limit') ?? 50);
	const charges = await app().charges.list(till, {
		limit: Number.isInteger(limit) && limit > 0 ? limit : 50
	});
	return json({ charges });
};
