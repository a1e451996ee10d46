import { json } from '@sveltejs/kit';

/** On every response (hooks.server.ts) and on the direct charge path (direct.ts). */
export const SECURITY_HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin'
} as const;

/** On every /api/ response: nothing a till asks the server is ever cached. */
export const API_HEADERS = { ...SECURITY_HEADERS, 'cache-control': 'no-store' } as const;

export const INVALID_JSON = {
	error: { code: 'invalid_json', message: 'body: is not valid JSON', field: 'body' }
} as const;

/** Reads a JSON body, or answers 415/400 naming the rule. */
export async function readJson(
	request: Request
): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (type !== 'application/json')
		return {
			ok: false,
			response: json(
				{
					error: {
						code: 'unsupported_media_type',
						message: 'content-type: must be application/json'
					}
				},
				{ status: 415 }
			)
		};
	try {
		return { ok: true, value: await request.json() };
	} catch (err) {
		// adapter-node stops reading past BODY_SIZE_LIMIT with a 413: not a JSON problem.
		if ((err as { status?: unknown } | null)?.status === 413)
			return {
				ok: false,
				response: json(
					{
						error: {
							code: 'payload_too_large',
							message: 'body: larger than this server accepts (BODY_SIZE_LIMIT); send less at once',
							field: 'body'
						}
					},
					{ status: 413 }
				)
			};
		return { ok: false, response: json(INVALID_JSON, { status: 400 }) };
	}
}

/**
 * A form body's fields, each name at most once (a repeated name would leave it open which
 * value was signed): the fields, or the rule broken. Names are data, so the result has no
 * prototype: a field called `constructor` or `__proto__` is a field like any other.
 */
export function formFields(
	raw: string
): { ok: true; fields: Record<string, string> } | { ok: false; message: string } {
	const fields = Object.create(null) as Record<string, string>;
	for (const [k, v] of new URLSearchParams(raw)) {
		if (Object.hasOwn(fields, k))
			return { ok: false, message: `field ${k}: appears more than once` };
		fields[k] = v;
	}
	return { ok: true, fields };
}
