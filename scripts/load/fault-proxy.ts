/**
 * An HTTP proxy that can be told to misbehave, request by request: delay, drop (never
 * answer), reset the connection before or after forwarding, answer 5xx or HTML itself,
 * forward twice, corrupt the answer, or answer only after the client has given up. Put
 * between the till server and the gateway, or between the gateway and the till's notify URL.
 * Used by the fault suite (tests/integration/faults.spec.ts) and the load script.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
	| { kind: 'pass' }
	/** Forward after `ms`. */
	| { kind: 'delay'; ms: number }
	/** Read the request, never answer: the client's timeout decides. */
	| { kind: 'drop' }
	/** Close the connection without forwarding: the request never arrived. */
	| { kind: 'reset-before' }
	/** Forward, then close the connection instead of answering: it arrived, the answer did not. */
	| { kind: 'reset-after' }
	/** Answer this status with an HTML page, without forwarding (a proxy in front of Teegon). */
	| { kind: 'status'; status: number }
	/** Forward, then answer this status instead of the real answer (it was applied). */
	| { kind: 'status-after'; status: number }
	/** Forward twice (one after the other), answer the first answer. */
	| { kind: 'duplicate' }
	/** Forward, answer the real status with a body cut short. */
	| { kind: 'corrupt' }
	/** Forward at once, hold the real answer `ms` before sending it. */
	| { kind: 'late'; ms: number };

export interface ProxiedRequest {
	method: string;
	path: string;
	body: string;
	/** 0 for the first request through this proxy. */
	seq: number;
}

export interface FaultProxy {
	readonly url: string;
	/** What happened to each request, in order: "POST /v1/charge/ reset-after". */
	readonly log: string[];
	/** Decides from now on what happens to each request. */
	setRule(rule: (req: ProxiedRequest) => Fault): void;
	close(): Promise<void>;
}

const BAD_GATEWAY = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';

/** `port`: where to listen on 127.0.0.1 (default: any free port). */
export async function startFaultProxy(target: string, port = 0): Promise<FaultProxy> {
	const to = new URL(target);
	const agent = new http.Agent({ keepAlive: true });
	let rule: (req: ProxiedRequest) => Fault = () => ({ kind: 'pass' });
	let seq = 0;
	const log: string[] = [];
	const held = new Set<http.ServerResponse>();
	const timers = new Set<NodeJS.Timeout>();
	const later = (ms: number, fn: () => void) => {
		const t = setTimeout(() => {
			timers.delete(t);
			fn();
		}, ms);
		timers.add(t);
	};

	function forward(req: http.IncomingMessage, body: Buffer) {
		return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
			(resolve, reject) => {
				const out = http.request(
					{
						hostname: to.hostname,
						port: to.port,
						method: req.method,
						path: req.url,
						agent,
						headers: { ...req.headers, host: to.host, 'content-length': body.length }
					},
					(res) => {
						const chunks: Buffer[] = [];
						res.on('data', (c: Buffer) => chunks.push(c));
						res.on('end', () =>
							resolve({
								status: res.statusCode ?? 502,
								headers: res.headers,
								body: Buffer.concat(chunks)
							})
						);
						res.on('error', reject);
					}
				);
				out.on('error', reject);
				out.end(body);
			}
		);
	}

	function reply(
		res: http.ServerResponse,
		r: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }
	) {
		if (res.destroyed) return;
		const headers = { ...r.headers, 'content-length': String(r.body.length) };
		delete headers['transfer-encoding'];
		delete headers.connection;
		res.writeHead(r.status, headers);
		res.end(r.body);
	}

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const fault = rule({
				method: req.method ?? '',
				path: req.url ?? '',
				body: body.toString('utf8'),
				seq: seq++
			});
			log.push(`${req.method} ${req.url} ${fault.kind}`);
			const fail = () => {
				if (!res.headersSent) res.writeHead(502).end();
			};
			switch (fault.kind) {
				case 'pass':
					return void forward(req, body).then((r) => reply(res, r), fail);
				case 'delay':
					return later(fault.ms, () => void forward(req, body).then((r) => reply(res, r), fail));
				case 'drop':
					held.add(res);
					res.on('close', () => held.delete(res));
					return;
				case 'reset-before':
					return void req.socket.destroy();
				case 'reset-after':
					return void forward(req, body).then(
						() => req.socket.destroy(),
						() => req.socket.destroy()
					);
				case 'status':
					res.writeHead(fault.status, { 'content-type': 'text/html' });
					return void res.end(BAD_GATEWAY);
				case 'status-after':
					return void forward(req, body).then(() => {
						res.writeHead(fault.status, { 'content-type': 'text/html' });
						res.end(BAD_GATEWAY);
					}, fail);
				case 'duplicate':
					return void forward(req, body).then((first) => {
						void forward(req, body).then(
							() => reply(res, first),
							() => reply(res, first)
						);
					}, fail);
				case 'corrupt':
					return void forward(req, body).then(
						(r) => reply(res, { ...r, body: r.body.subarray(0, Math.floor(r.body.length / 2)) }),
						fail
					);
				case 'late':
					return void forward(req, body).then((r) => later(fault.ms, () => reply(res, r)), fail);
			}
		});
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		log,
		setRule(next) {
			rule = next;
		},
		async close() {
			for (const t of timers) clearTimeout(t);
			for (const res of held) res.destroy();
			agent.destroy();
			const closed = new Promise<void>((r) => server.close(() => r()));
			server.closeAllConnections();
			await closed;
		}
	};
}
