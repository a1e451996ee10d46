/**
 * A PostgreSQL cluster of the test's own, in a temporary folder, made with Debian's binaries
 * (/usr/lib/postgresql/N/bin): a suite may restart it under load, which it must never do to
 * the shared server on 5432. Run as the `postgres` OS user when the suite runs as root (CI's
 * .ci/run does; initdb refuses root). `stop()` removes everything it made.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server';

const run = promisify(execFile);

export interface PrivateCluster {
	port: number;
	/** `postgres://postgres@127.0.0.1:PORT/postgres` */
	url: string;
	/** `fast`: a clean restart; `immediate`: a crash (the server recovers from its WAL). */
	restart(mode: 'fast' | 'immediate'): Promise<void>;
	stop(): Promise<void>;
}

function binDir(): string {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root)
		? readdirSync(root)
				.filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions.length === 0)
		throw new Error(`no PostgreSQL binaries under ${root}: apt-get install postgresql`);
	return join(root, versions[0]!, 'bin');
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
	const bin = binDir();
	const asRoot = process.getuid?.() === 0;
	const dir = mkdtempSync(join(tmpdir(), 'till-pg-'));
	const data = join(dir, 'data');
	const log = join(dir, 'log');
	if (asRoot) {
		const { stdout } = await run('id', ['-u', 'postgres']);
		const { stdout: gid } = await run('id', ['-g', 'postgres']);
		chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
	}
	const pgRun = (tool: string, args: string[]) =>
		asRoot
			? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: dir })
			: run(join(bin, tool), args, { cwd: dir });
	const port = Number(process.env.PRIVATE_PG_PORT ?? (await freePort()));
	await pgRun('initdb', [
		'-D',
		data,
		'-U',
		'postgres',
		'-A',
		'trust',
		'--no-sync',
		'--no-locale',
		'-E',
		'UTF8'
	]);
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
	const ctl = (...args: string[]) => pgRun('pg_ctl', ['-D', data, '-l', log, '-w', ...args]);
	await ctl('-o', options, 'start');
	let stopped = false;
	return {
		port,
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		async restart(mode) {
			await ctl('-m', mode, '-o', options, 'restart');
		},
		async stop() {
			if (stopped) return;
			stopped = true;
			await ctl('-m', 'immediate', 'stop').catch(() => undefined);
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
