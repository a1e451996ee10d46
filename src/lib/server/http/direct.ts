/**
 * `POST /api/charges` served straight from Node's `http` request, in front of SvelteKit.
 *
 * The charge path is the one request a customer stands and waits on, and the benchmark
 * (docs/benchmarks.md) showed SvelteKit's request handling to be about 400 µs of it: the Web
 * `Request` made from Node's, routing, the hook, the `Response` streamed back, and Node 20's
 * promise hooks (kit's `AsyncLocalStorage`) on every one of its ≈90 promises. This serves the
 * same endpoint with the same code (token check, body rules, `ChargeService.create`, the same
 * headers) and the same answers, without that.
 *
 * It takes only a request it can answer exactly as the kit route would: `POST /api/charges`,
 * `content-type: application/json`, a declared length within the limits, an `accept` under
 * which kit answers an error in JSON, a URL kit can make a `Request` of (the entry's
 * `kitCanParse`: the Host header when ORIGIN is unset), and a valid till token. Everything
 * else (no or a wrong token, another media type, a chunked or large body, no Host, a browser's
 * `accept`) goes on to SvelteKit untouched, which answers it as before (401, 415, 413, 400, …).
 *
 * Wiring: hooks.server.ts `init` registers the factory under DIRECT_HANDLER once the app has
 * started; the production entry (src/node-entry.js, copied over adapter-node's index.js by
 * svelte.config.js) picks it up and puts it in front of kit's handler. `vite dev` has no such
 * entry and serves the kit route (src/routes/api/charges/+server.ts), which is kept.
 * CHARGE_FAST_PATH=off turns it off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TillApp } from '../app';
import { authenticateCached, bearerToken } from '../tills';
import { API_HEADERS, INVALID_JSON } from './body';

/** Where the factory is registered for the entry (a global: the entry is outside the bundle). */
export const DIRECT_HANDLER = Symbol.for('teegon-till.direct-handler');

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
export interface FastPathOptions {
	bodySizeLimit: number;
	/**
	 * False for a request kit's adapter cannot turn into a `Request` (no or a bad Host header
	 * when ORIGIN is unset, a bad PROTOCOL_HEADER…): kit answers it 400 Bad Request, and so
	 * must this path, by leaving it to kit. The entry passes adapter-node's own check.
	 */
	kitCanParse?: (req: IncomingMessage) => boolean;
}
export type MiddlewareFactory = (options: FastPathOptions) => Middleware;

/**
 * A charge request is under 2 KiB (the longest valid fields and 512 bytes of metadata); a
 * larger one is bad input, and goes to kit, which reads it under BODY_SIZE_LIMIT as ever.
 */
export const DIRECT_BODY_LIMIT = 16 * 1024;

const decoder = new TextDecoder(); // as Request.json(): U+FFFD for bad UTF-8, a BOM dropped

function mediaType(header: string | undefined): string {
	return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Whether kit would answer an error (an endpoint that throws: 500) in JSON rather than its
 * HTML error page: kit negotiates `accept` (missing: text/html) between application/json and
 * text/html. Only the two values that plainly mean JSON are taken here (the till sends
 * `application/json`; curl and fetch send `*\/*`); any other goes to kit, which negotiates.
 */
function kitAnswersErrorsInJson(accept: string | undefined): boolean {
	return accept === 'application/json' || accept === '*/*';
}

// The fast path's headers come in this order (kit's in alphabetical order): the parity test
// (tests/integration/direct.spec.ts) tells by it which path answered.
function send(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		...API_HEADERS,
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(text)
	});
	res.end(text);
}

/** The body's bytes, or null if the client went away before sending it all. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
	return new Promise((resolve) => {
		// Gone while the token was looked up: its 'close' has been and will not come again.
		if (req.destroyed) return resolve(null);
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', () => resolve(null));
		req.on('close', () => resolve(null)); // after 'end' this changes nothing
	});
}

async function serve(
	a: TillApp,
	token: string,
	req: IncomingMessage,
	res: ServerResponse,
	next: () => void
): Promise<void> {
	let till;
	try {
		till = await authenticateCached(a.db.db, token);
	} catch {
		return next(); // the token could not be checked (database down): kit tries and answers
	}
	if (!till) return next(); // kit answers 401, as for every other route
	const bytes = await readBody(req);
	if (!bytes) return; // nobody to answer, and nothing was done
	let body: unknown;
	try {
		body = JSON.parse(decoder.decode(bytes));
	} catch {
		return send(res, 400, INVALID_JSON);
	}
	const reply = await a.charges.create({ id: till.id, storeId: till.storeId }, body);
	send(res, reply.status, reply.body);
}

export function createChargeFastPath(
	app: () => TillApp,
	{ bodySizeLimit, kitCanParse = () => true }: FastPathOptions
): Middleware {
	const limit = Math.min(DIRECT_BODY_LIMIT, bodySizeLimit);
	return (req, res, next) => {
		const url = req.url ?? '';
		const length = req.headers['content-length'];
		if (
			req.method !== 'POST' ||
			(url !== '/api/charges' && !url.startsWith('/api/charges?')) ||
			mediaType(req.headers['content-type']) !== 'application/json' ||
			length === undefined ||
			!/^\d{1,9}$/.test(length) ||
			Number(length) > limit ||
			req.headers['transfer-encoding'] !== undefined ||
			!kitAnswersErrorsInJson(req.headers.accept) ||
			!kitCanParse(req)
		)
			return next();
		const token = bearerToken(req.headers.authorization ?? null);
		if (!token) return next();
		serve(app(), token, req, res, next).catch((err: unknown) => {
			// As kit answers an endpoint that throws, and logs it the same way; never an
			// unhandled rejection, which would stop the process.
			console.error(err);
			if (!res.headersSent) send(res, 500, { message: 'Internal Error' });
			else res.destroy();
		});
	};
}
