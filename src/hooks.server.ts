import { json, text, type Handle, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { app, startApp } from '$lib/server/app';
import { ConfigError } from '$lib/server/config';
import { authenticateCached, bearerToken } from '$lib/server/tills';

export const init: ServerInit = async () => {
	try {
		await startApp(process.env);
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
const csrf: Handle = async ({ event, resolve }) => {
	const { request, url } = event;
	const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (unsafe && FORM_TYPES.includes(type) && !SIGNED_FORM_ROUTES.has(url.pathname)) {
		const origin = request.headers.get('origin');
		if (origin !== url.origin)
			return text(`Cross-site ${request.method} form submissions are forbidden`, { status: 403 });
	}
	return resolve(event);
};

const PUBLIC_API = new Set(['/api/teegon/notify', '/api/health']);

/** Every till API call carries `Authorization: Bearer <till token>`. */
const auth: Handle = async ({ event, resolve }) => {
	event.locals.till = null;
	const path = event.url.pathname;
	if (path.startsWith('/api/') && !PUBLIC_API.has(path)) {
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
	}
	return resolve(event);
};

const headers: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	if (event.url.pathname.startsWith('/api/')) response.headers.set('cache-control', 'no-store');
	return response;
};

export const handle = sequence(csrf, auth, headers);
