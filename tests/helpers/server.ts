/** Runs the built till (`node server.js`, the production entry) as a real process for the server suites. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export interface TillProcess {
	url: string;
	port: number;
	proc: ChildProcess;
	output(): string;
	/** SIGKILL: no clean shutdown, like a crash or a power cut. */
	kill(): Promise<void>;
	stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
	});
}

export async function startTill(
	env: Record<string, string>,
	opts: { port?: number; expectExit?: boolean } = {}
): Promise<TillProcess> {
	if (!existsSync('build/index.js'))
		throw new Error('build/index.js is missing: run `npm run build` before the server suites');
	const port = opts.port ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	let out = '';
	const merged: Record<string, string> = {
		PATH: process.env.PATH ?? '',
		HOME: process.env.HOME ?? '/tmp',
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: url,
		CHARGE_POLL_MS: '100',
		...env
	};
	// An empty value means: leave the variable unset.
	for (const [k, v] of Object.entries(merged)) if (v === '') delete merged[k];
	const proc = spawn(process.execPath, ['server.js'], {
		env: merged,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
	const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
	const handle: TillProcess = {
		url,
		port,
		proc,
		output: () => out,
		async kill() {
			if (proc.exitCode === null && proc.signalCode === null) {
				proc.kill('SIGKILL');
				await exited;
			}
		},
		async stop() {
			if (proc.exitCode === null && proc.signalCode === null) {
				proc.kill('SIGTERM');
				await exited;
			}
		}
	};
	if (opts.expectExit) {
		await exited;
		return handle;
	}
	const end = Date.now() + 20_000;
	for (;;) {
		if (proc.exitCode !== null) throw new Error(`till exited with ${proc.exitCode}:\n${out}`);
		try {
			const r = await fetch(`${url}/api/health`);
			if (r.ok) return handle;
		} catch {
			/* not listening yet */
		}
		if (Date.now() > end) {
			await handle.kill();
			throw new Error(`till did not start within 20 s:\n${out}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
}
