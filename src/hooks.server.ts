import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import {
	json,
	text,
	type Handle,
	type HandleServerError,
	type RequestEvent,
	type ServerInit
} from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { app, startApp } from '$lib/server/app';
import { ConfigError } from '$lib/server/config';
import { credentialFor, isApiRoute } from '$lib/server/http/access';
import { mediaType } from '$lib/server/http/body';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { authenticateCached, bearerToken, cachedTill } from '$lib/server/tills';
import { apiError } from '$lib/domain/api-error';
import { logError, withRequestId } from '$lib/server/log';
import { officeAccessFor, hasRole } from '$lib/server/office/guard';
import { SESSION_COOKIE, clearSessionCookie, validateSession } from '$lib/server/office/sessions';

export const init: ServerInit = async () => {
	try {
		await startApp(process.env);
	} catch (e) {
		if (e instanceof ConfigError) {
			logError(`[till] configuration error: ${e.message}`, { variable: e.variable });
			process.exit(78); // EX_CONFIG: stop at start, naming the variable
		}
		throw e;
	}
};

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * Kit's own CSRF check is opened (trustedOrigins ['*']) so Teegon's Origin-less notification
 * can arrive; this puts the same check back for every route but the ones Teegon posts to,
 * which prove themselves by signature instead.
 */
const csrf: Handle = ({ event, resolve }) => {
	const { request, url } = event;
	if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return resolve(event);
	if (!FORM_TYPES.includes(mediaType(request.headers.get('content-type')))) return resolve(event);
	if (credentialFor(event.route.id) === 'teegon') return resolve(event);
	if (request.headers.get('origin') === url.origin) return resolve(event);
	return text(`Cross-site ${request.method} form submissions are forbidden`, { status: 403 });
};

/**
 * The metrics scraper: with METRICS_TOKEN set, its bearer token; without, a request from this
 * machine that came through no proxy (a proxy on the same machine would make every visitor's
 * request look local, but it adds X-Forwarded-For).
 */
function metricsAccess(event: RequestEvent): boolean {
	const expected = app().config.metricsToken;
	if (expected) {
		const given = bearerToken(event.request.headers.get('authorization')) ?? '';
		const a = createHash('sha256').update(given).digest();
		const b = createHash('sha256').update(expected).digest();
		return timingSafeEqual(a, b);
	}
	const address = event.getClientAddress();
	const loopback = address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
	return loopback && !event.request.headers.has('x-forwarded-for');
}

/** Wrong tokens per address per minute before the address is told to wait. */
const TOKEN_MISSES_PER_MINUTE = 30;
const tokenMisses = new RateLimiter({ limit: TOKEN_MISSES_PER_MINUTE, windowMs: 60_000 });

const unauthorized = () =>
	json(
		apiError(
			'unauthorized',
			'Authorization: a valid "Bearer <till token>" header is required',
			'authorization'
		),
		{ status: 401, headers: { 'www-authenticate': 'Bearer' } }
	);

/**
 * Every API route needs the credential access.ts gives its matched route id, checked before
 * its handler runs; the handler then reads the till with requireTill().
 */
const tillAuth: Handle = async ({ event, resolve }) => {
	event.locals.till = null;
	const needs = credentialFor(event.route.id);
	if (needs === undefined || needs === 'public' || needs === 'teegon') return resolve(event);
	if (needs === 'metrics') return metricsAccess(event) ? resolve(event) : unauthorized();
	if (needs === 'unlisted') {
		logError(`[till] ${event.route.id}: an API route with no entry in access.ts; refused`);
		return unauthorized();
	}
	const db = app().db.db;
	const token = bearerToken(event.request.headers.get('authorization'));
	// A till known a moment ago passes at once: every till of a shop shares one address, and a
	// flood of guesses from it must not stop the others.
	const known = token ? cachedTill(db, token) : null;
	const address = event.getClientAddress();
	const wait = known ? 0 : tokenMisses.retryAfterMs(address);
	if (wait > 0)
		return json(
			apiError('rate_limited', 'authorization: too many wrong till tokens; try again later'),
			{ status: 429, headers: { 'retry-after': String(Math.ceil(wait / 1000)) } }
		);
	const till = known ?? (token ? await authenticateCached(db, token) : null);
	if (!till) {
		if (token) tokenMisses.hit(address);
		return unauthorized();
	}
	event.locals.till = { id: till.id, storeId: till.storeId, name: till.name };
	return resolve(event);
};

/**
 * Every request gets an id (the caller's `x-request-id` if it sent a sane one), on every log
 * line written for it and on the response, so a till's report and the server's log meet.
 */
const requestId: Handle = ({ event, resolve }) => {
	const given = event.request.headers.get('x-request-id');
	const id = given && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
	event.locals.requestId = id;
	return withRequestId(id, async () => {
		const response = await resolve(event);
		try {
			response.headers.set('x-request-id', id);
		} catch {
			// a response with immutable headers (a fetched one passed through): left as it is
		}
		return response;
	});
};

/** Nothing a till asks the server is ever cached, by the browser or anything in between. */
const apiNoStore: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (isApiRoute(event.route.id) || event.url.pathname.startsWith('/api/'))
		response.headers.set('cache-control', 'no-store');
	return response;
};

/**
 * The back office: the session cookie gives `locals.user`; every office route needs what
 * office/guard.ts gives its route id before its load or action runs. Signed out, a page is
 * sent to the sign-in (and back after); a role too low, or a route not in the table, is 403.
 */
const officeAuth: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	const needs = officeAccessFor(event.route.id);
	if (needs === undefined) return resolve(event);
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const found = await validateSession(app().db.db, token);
		if (found) event.locals.user = found.user;
		else clearSessionCookie(event.cookies, event.url.protocol === 'https:');
	}
	if (needs === 'public') return resolve(event);
	if (needs === 'unlisted') {
		logError(`[till] ${event.route.id}: an office route with no entry in office/guard.ts; refused`);
		return text('Forbidden', { status: 403 });
	}
	const user = event.locals.user;
	if (!user) {
		if (event.request.method !== 'GET' && event.request.method !== 'HEAD')
			return text('Sign in first', { status: 401 });
		const next = event.url.pathname + event.url.search;
		return new Response(null, {
			status: 303,
			headers: { location: `/office/sign-in?next=${encodeURIComponent(next)}` }
		});
	}
	if (!hasRole(user, needs)) return text('Forbidden for this role', { status: 403 });
	const response = await resolve(event);
	// A signed-in page is nobody else's: never kept by a shared cache or the back button.
	response.headers.set('cache-control', 'private, no-store');
	return response;
};

export const handle: Handle = sequence(requestId, apiNoStore, csrf, tillAuth, officeAuth);

/**
 * An error no handler expected (a database that went away, say): one JSON log line with the
 * request and its stack; the caller gets a 500 with an id to quote, never the stack.
 */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const e = error instanceof Error ? error : new Error(String(error));
	logError(`[till] ${event.request.method} ${event.url.pathname}: ${e.message}`, {
		status,
		route: event.route.id,
		stack: e.stack
	});
	return { message, code: status >= 500 ? 'internal' : undefined };
};
