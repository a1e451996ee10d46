/**
 * The abuse suite's scan of the build output: the browser's bundle (build/client and kit's
 * .svelte-kit/output/client) holds neither a client_secret nor a till token nor anything that
 * signs, and nothing in build/ holds a secret the tests use. Secrets come from the process's
 * environment at run time only: `$env/static/*` would bake a value into the build, so no
 * source file imports it. The answers and logs of a live server are scanned in abuse-api.spec.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DEFAULT_SANDBOX_CLIENT_SECRET } from '../../src/lib/server/config';
import { demoToken } from '../../src/lib/server/tills';
import { CLIENT_SECRET } from '../helpers/harness';

function files(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? files(path) : [path];
	});
}

const text = (path: string) => readFileSync(path).toString('latin1');

describe('the build output', () => {
	const client = [...files('build/client'), ...files('.svelte-kit/output/client')];

	test('the client bundle holds no secret, no token and no signing', () => {
		expect(client.length, 'run `npm run build` first').toBeGreaterThan(10);
		const banned = [
			DEFAULT_SANDBOX_CLIENT_SECRET,
			demoToken(DEFAULT_SANDBOX_CLIENT_SECRET),
			CLIENT_SECRET,
			'client_secret',
			'TEEGON_CLIENT_SECRET',
			'SANDBOX_CLIENT_SECRET'
		];
		for (const path of client) {
			const body = text(path);
			for (const word of banned) expect(body.includes(word), `${word} in ${path}`).toBe(false);
		}
	});

	test('nothing in build/ holds a secret of the tests or the demo till token', () => {
		const all = files('build');
		expect(all.length).toBeGreaterThan(10);
		for (const path of all) {
			const body = text(path);
			expect(body.includes(CLIENT_SECRET), path).toBe(false);
			expect(body.includes(demoToken(DEFAULT_SANDBOX_CLIENT_SECRET)), path).toBe(false);
		}
	});

	test('no source file reads the environment at build time ($env/static)', () => {
		const sources = files('src').filter((p) => /\.(ts|js|svelte)$/.test(p));
		expect(sources.length).toBeGreaterThan(10);
		for (const path of sources)
			expect(/\$env\/static\/(private|public)/.test(text(path)), path).toBe(false);
	});
});
