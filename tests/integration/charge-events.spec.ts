/**
 * ChargeEvents (src/lib/server/charges/events.ts): what wakes a long poll, in one process and
 * across instances through the real PostgreSQL's LISTEN/NOTIFY.
 */
import net from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import { ChargeEvents } from '../../src/lib/server/charges/events';
import { PG_URL } from '../helpers/engines';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function pool(url = PG_URL): pg.Pool {
	const p = new pg.Pool({ connectionString: url, max: 3 });
	p.on('error', () => undefined); // a client dropped by the outage below
	cleanups.push(() => p.end());
	return p;
}

async function events(p: pg.Pool | null): Promise<ChargeEvents> {
	const e = new ChargeEvents(p);
	await e.start();
	cleanups.push(() => e.close());
	return e;
}

/** Order numbers the validation accepts that are also special names in JavaScript. */
const AWKWARD = ['error', '__proto__', 'constructor', 'toString', 'newListener'];

describe('in one process', () => {
	test.each(AWKWARD)(
		'an order named %s wakes its waiter, and nobody waiting is no error',
		async (o) => {
			const e = await events(null);
			await e.publish(o); // nobody waits: nothing happens
			const waiting = e.wait(o, 2000);
			await e.publish(o);
			expect(await waiting).toBe(true);
			expect(await e.wait('other', 20)).toBe(false);
		}
	);
});

describe('across instances (PostgreSQL LISTEN/NOTIFY)', () => {
	test('orders named like JavaScript internals cross instances and crash nothing', async () => {
		const a = await events(pool());
		const b = await events(pool());
		for (const o of AWKWARD) {
			await b.publish(o); // reaches a's LISTEN connection with nobody waiting there
			const waiting = a.wait(o, 3000);
			await b.publish(o);
			expect(await waiting).toBe(true);
		}
		expect(a.listening).toBe(true);
	});

	test('a connection that drops during LISTEN is released once, and listening resumes', async () => {
		// A proxy that cuts the connection when it sees LISTEN go by, while `cutting`.
		let cutting = true;
		const proxy = net.createServer((client) => {
			const target = new URL(PG_URL);
			const upstream = net.connect(Number(target.port || 5432), target.hostname);
			const end = () => {
				client.destroy();
				upstream.destroy();
			};
			client.on('error', end);
			upstream.on('error', end);
			client.on('data', (chunk: Buffer) => {
				if (cutting && chunk.includes('LISTEN')) return end();
				upstream.write(chunk);
			});
			upstream.pipe(client);
		});
		await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
		cleanups.push(() => new Promise((r) => proxy.close(r)));
		const viaProxy = new URL(PG_URL);
		viaProxy.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
		const a = new ChargeEvents(pool(viaProxy.toString()));
		cleanups.push(() => a.close());
		const failed = await a.start().then(
			() => null,
			(e: Error) => e
		);
		expect(failed?.message).not.toMatch(/already been released/);
		expect(a.listening).toBe(false);
		cutting = false;
		await expect.poll(() => a.listening, { timeout: 10_000, interval: 100 }).toBe(true);
		const b = await events(pool());
		const waiting = a.wait('AFTER-CUT', 3000);
		await b.publish('AFTER-CUT');
		expect(await waiting).toBe(true);
	}, 20_000);

	test('after PostgreSQL is unreachable for seconds, the instance listens again', async () => {
		// A TCP proxy in front of PostgreSQL that can drop every connection and refuse new ones.
		let refusing = false;
		const sockets = new Set<net.Socket>();
		const proxy = net.createServer((client) => {
			if (refusing) return client.destroy();
			const target = new URL(PG_URL);
			const upstream = net.connect(Number(target.port || 5432), target.hostname);
			const end = () => {
				client.destroy();
				upstream.destroy();
			};
			for (const s of [client, upstream]) {
				sockets.add(s);
				s.on('error', end).on('close', () => sockets.delete(s));
			}
			client.pipe(upstream).pipe(client);
		});
		await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
		cleanups.push(() => new Promise((r) => proxy.close(r)));
		const port = (proxy.address() as net.AddressInfo).port;
		const viaProxy = new URL(PG_URL);
		viaProxy.host = `127.0.0.1:${port}`;
		const a = await events(pool(viaProxy.toString()));
		const b = await events(pool());
		expect(a.listening).toBe(true);

		refusing = true;
		for (const s of sockets) s.destroy();
		await expect.poll(() => a.listening).toBe(false);
		await new Promise((r) => setTimeout(r, 2500)); // longer than the first retries
		refusing = false;

		await expect.poll(() => a.listening, { timeout: 15_000, interval: 100 }).toBe(true);
		const waiting = a.wait('AFTER-OUTAGE', 3000);
		await b.publish('AFTER-OUTAGE');
		expect(await waiting).toBe(true);
	}, 30_000);
});
