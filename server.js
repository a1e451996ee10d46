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
// REQUEST_TIMEOUT covers receiving the request only: a 30 s long poll is not cut.
http.requestTimeout = seconds('REQUEST_TIMEOUT', 30) * 1000;
if (!process.env.HEADERS_TIMEOUT) http.headersTimeout = Math.min(15_000, http.requestTimeout);

const origin = process.env.ORIGIN ?? '';
const protocolHeader = (process.env.PROTOCOL_HEADER ?? '').toLowerCase();

const HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'x-frame-options': 'DENY',
	'cross-origin-opener-policy': 'same-origin',
	// The scanner and printer APIs for this site's own pages only; nothing else asks.
	'permissions-policy':
		'camera=(self), hid=(self), serial=(self), usb=(self), microphone=(), geolocation=(), payment=()',
	// Pages get kit's own policy (svelte.config.js), which replaces this one; this covers files
	// served as they are (scripts, the service worker, icons) and every API answer.
	'content-security-policy':
		"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
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
	if (overHttps(req)) res.setHeader('strict-transport-security', HSTS);
});
