import { json } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { readJson } from '$lib/server/http/body';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ request, locals }) => {
	const body = await readJson(request);
	if (!body.ok) return body.response;
	const reply = await app().charges.create(locals.till!, body.value);
	return json(reply.body, { status: reply.status });
};

export const GET: RequestHandler = async ({ locals, url }) => {
	const limit = Number(url.searchParams.get('limit') ?? 50);
	const charges = await app().charges.list(locals.till!, {
		limit: Number.isInteger(limit) && limit > 0 ? limit : 50
	});
	return json({ charges });
};
