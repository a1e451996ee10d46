import { json, text, type Handle, type RequestEvent, type ServerInit } from '@sveltejs/kit';
import { app, startApp } from '$lib/server/app';
import { ConfigError } from '$lib/server/config';
import { authenticateCached, bearerToken } from '$lib/server/tills';
import { API_HEADERS, SECURITY_HEADERS } from '$lib/server/http/body';
import {
	createChargeFastPath,
	DIRECT_HANDLER,
	type MiddlewareFactory
} from '$lib/server/http/direct';

export const init: ServerInit = async () => {
	try {
		const started = await startApp(process.env);
		// For the production entry (src/node-entry.js): POST /api/charges without kit's pipeline.
		if (started.config.chargeFastPath) {
			const factory: MiddlewareFactory = (options) => createChargeFastPath(app, options);
			(globalThis as Record<symbol, unknown>)[DIRECT_HANDLER] = factory;
		}
	} catch (e) {
		if (e instanceof ConfigError) {
			console.error(`[till] configuration error: ${e.message}`);
			process.exit(78); // EX_CONFIG: stop at start, naming the variable
		}
		throw e;
	}
};

/** Routes that receive server-to-server form posts and prove themselves by signature instead of Origin. */
const SIGNED_FORM_ROUTES = new Set(['/api/teegon/notify']);
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * Kit's CSRF check is opened (trustedOrigins ['*']) so Teegon's Origin-less notification can
 * arrive; this puts the same check back for every other route.
 */
function csrfRefusal({ request, url }: RequestEvent): Response | null {
	if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return null;
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (!FORM_TYPES.includes(type) || SIGNED_FORM_ROUTES.has(url.pathname)) return null;
	if (request.headers.get('origin') === url.origin) return null;
	return text(`Cross-site ${request.method} form submissions are forbidden`, { status: 403 });
}

const PUBLIC_API = new Set(['/api/teegon/notify', '/api/health']);

/** Every till API call carries `Authorization: Bearer <till token>`; sets locals.till. */
async function authRefusal(event: RequestEvent): Promise<Response | null> {
	event.locals.till = null;
	const path = event.url.pathname;
	if (!path.startsWith('/api/') || PUBLIC_API.has(path)) return null;
	const token = bearerToken(event.request.headers.get('authorization'));
	const till = token ? await authenticateCached(app().db.db, token) : null;
	if (!till)
		return json(
			{
				error: {
					code: 'unauthorized',
					message: 'Authorization: a valid "Bearer <till token>" header is required'
				}
			},
			{ status: 401, headers: { 'www-authenticate': 'Bearer' } }
		);
	event.locals.till = { id: till.id, storeId: till.storeId, name: till.name };
	return null;
}

function withHeaders(event: RequestEvent, response: Response): Response {
	const headers = event.url.pathname.startsWith('/api/') ? API_HEADERS : SECURITY_HEADERS;
	for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
	return response;
}

/**
 * CSRF, then the bearer token, then the response headers: one function rather than kit's
 * `sequence` of three, whose nesting showed in the charge path's profile. A refusal gets the
 * headers too.
 */
export const handle: Handle = async ({ event, resolve }) => {
	const refused = csrfRefusal(event) ?? (await authRefusal(event));
	return withHeaders(event, refused ?? (await resolve(event)));
};
