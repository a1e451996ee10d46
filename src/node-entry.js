/**
 * The production server: `node build` runs this (svelte.config.js copies it over
 * adapter-node's own `build/index.js`). It is adapter-node's entry with one change: a
 * request the charge fast path (src/lib/server/http/direct.ts) can answer is answered there,
 * and every other request goes to SvelteKit's handler, as before.
 *
 * Kept from adapter-node, with the same variables: SOCKET_PATH, HOST, PORT, KEEP_ALIVE_TIMEOUT,
 * HEADERS_TIMEOUT, SHUTDOWN_TIMEOUT (graceful stop on SIGTERM/SIGINT, then the
 * `sveltekit:shutdown` event the app closes its database on), BODY_SIZE_LIMIT, and systemd
 * socket activation (LISTEN_PID, LISTEN_FDS, IDLE_TIMEOUT).
 *
 * This file is plain JavaScript run as it is: it sits beside adapter-node's output and
 * imports its `handler.js` and `env.js` from there.
 */
import http from 'node:http';
import process from 'node:process';
import { statSync, rmSync } from 'node:fs';

/** @typedef {(req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void} Middleware */

// Imported by URL so that type-checking in src/ does not look for files that only the build has.
// Importing handler.js runs kit's `init` (hooks.server.ts): the app is started when it resolves.
/** @type {{ handler: Middleware }} */
const { handler } = await import(new URL('./handler.js', import.meta.url).href);
/** @type {{ env: (name: string, fallback?: unknown) => string | undefined, timeout_env: (name: string) => number | undefined }} */
const { env, timeout_env } = await import(new URL('./env.js', import.meta.url).href);

/** As adapter-node reads BODY_SIZE_LIMIT ("512K", "1M", a number of bytes, "Infinity"). */
function bytes(/** @type {string} */ value) {
	const unit = /** @type {Record<string, number>} */ ({ K: 1024, M: 1024 ** 2, G: 1024 ** 3 })[
		value.slice(-1).toUpperCase()
	];
	return unit ? Number(value.slice(0, -1)) * unit : Number(value);
}

const origin = env('ORIGIN', undefined) ? new URL(String(env('ORIGIN')).trim()).origin : undefined;
const protocolHeader = (env('PROTOCOL_HEADER', '') ?? '').toLowerCase();
const hostHeader = (env('HOST_HEADER', '') ?? '').toLowerCase();
const portHeader = (env('PORT_HEADER', '') ?? '').toLowerCase();

/** adapter-node's handler.js: one value of a header that is named and may be sent twice. */
function one(/** @type {string} */ name, /** @type {string | string[] | undefined} */ value) {
	if (!name) return undefined;
	if (!Array.isArray(value)) return value;
	if (value.length > 1) throw new Error(`Multiple values for ${name}`);
	return value[0];
}

/**
 * Whether adapter-node's handler can make a Web `Request` of this one (its `get_origin`, then
 * `new Request(origin + url)`); if not, it answers 400 Bad Request without running kit, and the
 * fast path must leave the request to it (an HTTP/1.0 request without Host, a bad Host…).
 */
function kitCanParse(/** @type {http.IncomingMessage} */ req) {
	try {
		let base = origin;
		if (!base) {
			const h = req.headers;
			const protocol = decodeURIComponent(one(protocolHeader, h[protocolHeader]) || 'https');
			if (protocol.includes(':')) return false;
			const host = one(hostHeader, h[hostHeader]) || h.host;
			if (!host) return false;
			const port = one(portHeader, h[portHeader]);
			if (port && isNaN(+port)) return false;
			base = port ? `${protocol}://${host}:${port}` : `${protocol}://${host}`;
		}
		new URL(base + req.url);
		return true;
	} catch {
		return false;
	}
}

const factory =
	/** @type {((o: { bodySizeLimit: number, kitCanParse: typeof kitCanParse }) => Middleware) | undefined} */ (
		/** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('teegon-till.direct-handler')]
	);
const direct = factory?.({
	bodySizeLimit: bytes(env('BODY_SIZE_LIMIT', '512K') ?? '512K'),
	kitCanParse
});

/**
 * Kit's handler; an error it throws, at once or later (its SSR middleware is async), is answered
 * 500, as polka does in adapter-node: never an uncaught exception or an unhandled rejection.
 */
function toKit(/** @type {http.IncomingMessage} */ req, /** @type {http.ServerResponse} */ res) {
	/** @param {unknown} err */
	const fail = (err) => {
		console.error(err);
		if (res.headersSent) res.destroy();
		else {
			res.statusCode = 500;
			res.end('Internal Server Error');
		}
	};
	try {
		const done = /** @type {unknown} */ (
			handler(req, res, () => {
				res.statusCode = 404;
				res.end('Not Found');
			})
		);
		if (done instanceof Promise) done.catch(fail);
	} catch (err) {
		fail(err);
	}
}

/** @type {http.RequestListener} */
const listener = direct ? (req, res) => direct(req, res, () => toKit(req, res)) : toKit;

const path = env('SOCKET_PATH', false);
const host = env('HOST', '0.0.0.0');
const port = env('PORT', !path && '3000');
const shutdownTimeout = parseInt(env('SHUTDOWN_TIMEOUT', '30') ?? '30');
const idleTimeout = parseInt(env('IDLE_TIMEOUT', '0') ?? '0');
const listenPid = parseInt(env('LISTEN_PID', '0') ?? '0');
const listenFds = parseInt(env('LISTEN_FDS', '0') ?? '0');
const SD_LISTEN_FDS_START = 3; // sd_listen_fds(3)

if (listenPid !== 0 && listenPid !== process.pid)
	throw new Error(`received LISTEN_PID ${listenPid} but current process id is ${process.pid}`);
if (listenFds > 1)
	throw new Error(
		`only one socket is allowed for socket activation, but LISTEN_FDS was set to ${listenFds}`
	);
const socketActivation = listenPid === process.pid && listenFds === 1;

const server = http.createServer(listener);
const keepAlive = timeout_env('KEEP_ALIVE_TIMEOUT');
if (keepAlive !== undefined) server.keepAliveTimeout = keepAlive * 1000;
const headersTimeout = timeout_env('HEADERS_TIMEOUT');
if (headersTimeout !== undefined) server.headersTimeout = headersTimeout * 1000;

const how = direct ? ' (POST /api/charges served directly)' : '';
if (socketActivation) {
	server.listen({ fd: SD_LISTEN_FDS_START }, () =>
		console.log(`Listening on file descriptor ${SD_LISTEN_FDS_START}${how}`)
	);
} else {
	if (path) {
		try {
			if (statSync(path).size === 0) rmSync(path); // a stale socket file from the last run
		} catch {
			// none there
		}
	}
	// The very options adapter-node gives (through polka), so that Node decides as it does there:
	// PORT set but empty is an error, and PORT wins over SOCKET_PATH when both are set.
	const options = /** @type {import('node:net').ListenOptions} */ (
		/** @type {unknown} */ ({ path, host, port })
	);
	server.listen(options, () => {
		const address = server.address();
		const where =
			typeof address === 'string' || !address
				? String(address ?? path)
				: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
		console.log(`Listening on ${where}${how}`);
	});
}

let requests = 0;
/** @type {NodeJS.Timeout | undefined} */
let shutdownTimer;
/** @type {NodeJS.Timeout | undefined} */
let idleTimer;

// A custom event name, which process.emit's types do not know.
const emit = /** @type {(event: string, reason: string) => boolean} */ (
	/** @type {unknown} */ (process.emit.bind(process))
);

/** Stops taking requests, lets those in flight finish, then lets the app close its database. */
function gracefulShutdown(/** @type {'SIGINT' | 'SIGTERM' | 'IDLE'} */ reason) {
	if (shutdownTimer) return;
	// A keep-alive connection that is idle would hold close() until it times out.
	server.closeIdleConnections();
	server.close((error) => {
		if (error) return; // already closed
		clearTimeout(shutdownTimer);
		clearTimeout(idleTimer);
		emit('sveltekit:shutdown', reason);
	});
	shutdownTimer = setTimeout(() => server.closeAllConnections(), shutdownTimeout * 1000);
}

server.on('request', (req) => {
	requests++;
	if (socketActivation && idleTimer) idleTimer = void clearTimeout(idleTimer);
	req.on('close', () => {
		requests--;
		// Close connections as soon as they are idle, so they take no new requests.
		if (shutdownTimer) server.closeIdleConnections();
		if (requests === 0 && socketActivation && idleTimeout)
			idleTimer = setTimeout(() => gracefulShutdown('IDLE'), idleTimeout * 1000);
	});
});

process.on('SIGTERM', gracefulShutdown);
process.on('SIGINT', gracefulShutdown);
