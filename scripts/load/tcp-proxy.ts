/**
 * A TCP proxy that can cut every connection and refuse new ones for a while: what a
 * PostgreSQL restart looks like from the till server, without restarting a shared server.
 */
import net from 'node:net';

export interface TcpProxy {
	readonly port: number;
	/** Drops every connection now and refuses new ones for `ms`. */
	restart(ms: number): Promise<void>;
	close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
	const sockets = new Set<net.Socket>();
	let refusing = false;
	const server = net.createServer((client) => {
		if (refusing) return void client.destroy();
		const upstream = net.connect(targetPort, targetHost);
		for (const s of [client, upstream]) {
			sockets.add(s);
			s.on('close', () => sockets.delete(s));
			s.on('error', () => undefined);
		}
		client.pipe(upstream);
		upstream.pipe(client);
		client.on('close', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		port: (server.address() as net.AddressInfo).port,
		async restart(ms) {
			refusing = true;
			for (const s of sockets) s.destroy();
			await new Promise((r) => setTimeout(r, ms));
			refusing = false;
		},
		async close() {
			for (const s of sockets) s.destroy();
			await new Promise<void>((r) => server.close(() => r()));
		}
	};
}
