import { text } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { formFields, mediaType } from '$lib/server/http/body';
import type { RequestHandler } from './$types';

/**
 * Teegon's asynchronous notification: a form POST from Teegon's servers with no Origin.
 * It proves itself by signature (hooks.server.ts lets it past the Origin check). Answer
 * 200 `success` once it is durably recorded, so Teegon stops retrying.
 */
export const POST: RequestHandler = async ({ request }) => {
	if (mediaType(request.headers.get('content-type')) !== 'application/x-www-form-urlencoded')
		return text('content-type: must be application/x-www-form-urlencoded', { status: 415 });
	const raw = await request.text();
	if (raw.length > 64 * 1024) return text('body: too large', { status: 413 });
	const form = formFields(raw);
	if (!form.ok) return text(form.message, { status: 400 });
	const result = await app().charges.notify(form.fields);
	return text(result.body, { status: result.status });
};
