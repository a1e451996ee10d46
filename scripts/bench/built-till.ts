/**
 * The built till (`node server.js`) as a process for the browser benchmarks: sandbox mode on a
 * fresh SQLite file unless `env` says otherwise. An empty value leaves a variable unset.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes';

export interface BuiltTill {
	url: string;
	port: number;
	stop(): Promise<void>;
}

export async function startBuiltTill(env: Record<string, string> = {}): Promise<BuiltTill> {
	if (!existsSync('build/index.js')) throw new Error('run `npm run build` first');
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const merged: Record<string, string> = {
		PATH: process.env.PATH ?? '',
		HOME: process.env.HOME ?? '/tmp',
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: url,
		DATABASE_URL: join(mkdtempSync(join(tmpdir(), 'till-bench-')), 'till.db'),
		...env
	};
	for (const [k, v] of Object.entries(merged)) if (v === '') delete merged[k];
	let output = '';
	const proc = spawn(process.execPath, ['server.js'], {
		env: merged,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
	proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
	const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
	const stop = async (): Promise<void> => {
		if (proc.exitCode === null && proc.signalCode === null) {
			proc.kill('SIGTERM');
			await exited;
		}
	};
	const end = Date.now() + 20_000;
	for (;;) {
		if (proc.exitCode !== null)
			throw new Error(`the till exited with ${proc.exitCode}:\n${output}`);
		try {
			if ((await fetch(`${url}/api/health`)).ok) return { url, port, stop };
		} catch {
			// not listening yet
		}
		if (Date.now() > end) {
			await stop();
			throw new Error(`the till did not start within 20 s:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
}
