import { text } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import type { RequestHandler } from './$types';

/**
 * Teegon's asynchronous notification: a form POST from Teegon's servers with no Origin.
 * It proves itself by signature (hooks.server.ts lets it past the Origin check). Answer
 * 200 `success` once it is durably recorded, so Teegon stops retrying.
 */
export const POST: RequestHandler = async ({ request }) => {
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (type !== 'application/x-www-form-urlencoded')
		return text('content-type: must be application/x-www-form-urlencoded', { status: 415 });
	const raw = await request.text();
	if (raw.length > 64 * 1024) return text('body: too large', { status: 413 });
	const params = new URLSearchParams(raw);
	const fields: Record<string, string> = {};
	for (const [k, v] of params) {
		if (k in fields) return text(`field ${k}: appears more than once`, { status: 400 });
		fields[k] = v;
	}
	const result = await app().charges.notify(fields);
	return text(result.body, { status: result.status });
};
