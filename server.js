// The production entry: adapter-node's own server (build/index.js, unchanged: PORT, HOST,
// SOCKET_PATH, ORIGIN, systemd socket activation, graceful shutdown), plus two things its
// environment variables cannot set: headers on every response, static files included (kit's
// hooks never see those), and a limit on how long a request may take to arrive.
import process from 'node:process';
import { server } from './build/index.js';

const seconds = (name, fallback) => {
	const text = process.env[name];
	if (text === undefined || text.trim() === '') return fallback;
	if (!/^\d+$/.test(text.trim())) {
		console.error(
			`[till] configuration error: ${name}: must be a whole number of seconds, got "${text}"`
		);
		process.exit(78);
	}
	return Number(text);
};

const http = server.server;
// A slow client dribbling a body would otherwise hold a connection for Node's default 300 s.
// REQUEST_TIMEOUT covers receiving the request only: a 30 s long poll is not cut. Node checks
// its own limits only every 30 s, so the body gets a timer of its own below.
const requestTimeoutMs = seconds('REQUEST_TIMEOUT', 30) * 1000;
http.requestTimeout = requestTimeoutMs;
if (!process.env.HEADERS_TIMEOUT) http.headersTimeout = Math.min(15_000, requestTimeoutMs);

/** Answers 408 and closes the connection when the body has not all arrived in time. */
function limitBodyTime(req, res) {
	if (req.complete) return;
	const timer = setTimeout(() => {
		if (req.complete) return;
		if (!res.headersSent) {
			res.writeHead(408, { 'content-type': 'text/plain', connection: 'close' });
			res.end('request body: not received within REQUEST_TIMEOUT');
		}
		req.socket.destroy();
	}, requestTimeoutMs);
	timer.unref();
	req.once('end', () => clearTimeout(timer));
	req.once('close', () => clearTimeout(timer));
}

const origin = process.env.ORIGIN ?? '';
const protocolHeader = (process.env.PROTOCOL_HEADER ?? '').toLowerCase();

const HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'x-frame-options': 'DENY',
	'cross-origin-opener-policy': 'same-origin',
	// The scanner and printer APIs for this site's own pages only; nothing else asks.
	'permissions-policy':
		'camera=(self), hid=(self), serial=(self), usb=(self), microphone=(), geolocation=(), payment=()'
};
// Files served as they are (scripts, the service worker, icons) and API answers. Pages have
// kit's own policy (svelte.config.js) and get none from here: kit answers a page's 304
// without one, and the browser would put this one on the cached page in place of kit's.
const FILE_CSP = "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";
const isPage = (url) => {
	const path = (url ?? '/').split('?')[0];
	return !path.startsWith('/api/') && !path.startsWith('/_app/') && !/\.[A-Za-z0-9]+$/.test(path);
};
const HSTS = 'max-age=31536000';

/** Behind a reverse proxy that terminates TLS: ORIGIN says https, or the proxy's header does. */
function overHttps(req) {
	if (origin.startsWith('https:')) return true;
	if (!protocolHeader) return false;
	return (
		String(req.headers[protocolHeader] ?? '')
			.split(',')[0]
			.trim() === 'https'
	);
}

// Before polka's listener: set now, these stay unless the handler sets the same header.
http.prependListener('request', (req, res) => {
	for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
	if (!isPage(req.url)) res.setHeader('content-security-policy', FILE_CSP);
	if (overHttps(req)) res.setHeader('strict-transport-security', HSTS);
	limitBodyTime(req, res);
});
