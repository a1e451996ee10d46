/** Child processes for the benchmark scripts: start one, wait for its ready line, free ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

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

export interface Started {
	proc: ChildProcess;
	match: RegExpMatchArray;
}

/**
 * Spawns `cmd args` and resolves once its output matches `ready`. Every line after that goes
 * to `onLine` (or is dropped), so a chatty process never fills its pipe.
 */
export function startProcess(
	cmd: string,
	args: string[],
	env: Record<string, string>,
	ready: RegExp,
	onLine?: (line: string) => void
): Promise<Started> {
	return new Promise((resolve, reject) => {
		const proc = spawn(cmd, args, {
			env: { ...process.env, ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let out = '';
		let started = false;
		let partial = '';
		proc.stdout!.on('data', (d: Buffer) => {
			if (!started) {
				out += d.toString();
				const m = out.match(ready);
				if (m) {
					started = true;
					resolve({ proc, match: m });
				}
				return;
			}
			if (!onLine) return;
			const lines = (partial + d.toString()).split('\n');
			partial = lines.pop()!;
			for (const line of lines) onLine(line);
		});
		proc.stderr!.on('data', (d: Buffer) => {
			if (!started) out += d.toString();
		});
		proc.once('exit', (code) => {
			if (!started) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`));
		});
	});
}

export function stop(proc: ChildProcess): Promise<void> {
	if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		proc.once('exit', () => resolve());
		proc.kill('SIGTERM');
	});
}
