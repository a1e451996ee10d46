/** Reading request bodies: the media type, JSON (strict) and form fields, each with the rule it broke. */
import { json } from '@sveltejs/kit';
import { apiError } from '../../domain/api-error';
import { parseStrictJson } from './json';

/** `application/json; charset=utf-8` → `application/json`; '' when absent. */
export function mediaType(header: string | null): string {
	return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

const tooLarge = () =>
	json(
		apiError(
			'payload_too_large',
			'body: larger than this server accepts (BODY_SIZE_LIMIT); send less at once',
			'body'
		),
		{ status: 413 }
	);

/** Reads a JSON body, or answers 415/413/400 naming the rule. */
export async function readJson(
	request: Request
): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
	if (mediaType(request.headers.get('content-type')) !== 'application/json')
		return {
			ok: false,
			response: json(apiError('unsupported_media_type', 'content-type: must be application/json'), {
				status: 415
			})
		};
	let text: string;
	try {
		text = await request.text();
	} catch (err) {
		// adapter-node stops reading past BODY_SIZE_LIMIT with a 413.
		if ((err as { status?: unknown } | null)?.status === 413)
			return { ok: false, response: tooLarge() };
		throw err;
	}
	const parsed = parseStrictJson(text);
	if (!parsed.ok)
		return {
			ok: false,
			response: json(apiError('invalid_json', `body: ${parsed.reason}`, 'body'), { status: 400 })
		};
	return { ok: true, value: parsed.value };
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
