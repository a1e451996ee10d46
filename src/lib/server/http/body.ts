import { json } from '@sveltejs/kit';

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
	} catch {
		return {
			ok: false,
			response: json(
				{ error: { code: 'invalid_json', message: 'body: is not valid JSON', field: 'body' } },
				{ status: 400 }
			)
		};
	}
}
