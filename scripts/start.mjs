// `npm start`: the built till, built first only when there is no build or the sources changed
// since it was made (a fingerprint of their names, sizes and times, kept in build/). A
// production start that never builds is `npm run serve` (node server.js).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['src', 'static', 'package-lock.json', 'svelte.config.js', 'vite.config.ts'];
const STAMP = 'build/.sources';

function* files(path) {
	const st = statSync(path);
	if (!st.isDirectory()) yield [path, st];
	else for (const name of readdirSync(path).sort()) yield* files(join(path, name));
}

const hash = createHash('sha256');
for (const source of SOURCES)
	if (existsSync(source))
		for (const [path, st] of files(source)) hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
const fingerprint = hash.digest('hex');

const built =
	existsSync('build/index.js') && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === fingerprint;
if (!built) {
	console.log('[till] building (the sources changed since the last build, or there is none)');
	const r = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
	if (r.status !== 0) process.exit(r.status ?? 1);
	writeFileSync(STAMP, fingerprint);
}
await import('../server.js');
