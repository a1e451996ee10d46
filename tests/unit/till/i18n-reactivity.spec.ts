/**
 * Does `i18n.t()` re-run in a `$derived` when the locale changes? The unit tests run in Vite's SSR
 * pipeline, where Svelte compiles `$state` to a plain field and effects never run, so this test
 * compiles i18n.svelte.ts for the CLIENT itself (TypeScript stripped, then svelte/compiler) and runs
 * it against Svelte's client runtime.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { compileModule } from 'svelte/compiler';
import { afterAll, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '../../..');
const svelteDir = dirname(require.resolve('svelte/package.json'));
const tmp = mkdtempSync(join(tmpdir(), 'till-i18n-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface ClientRuntime {
	effect_root(fn: () => void): () => void;
	user_effect(fn: () => void): void;
	flush(): void;
}
interface ClientI18n {
	locale: string;
	t(key: string): string;
	setLocale(locale: string): void;
}

async function loadClientI18n(): Promise<new (o: { storage: null }) => ClientI18n> {
	const source = readFileSync(join(root, 'src/lib/i18n/i18n.svelte.ts'), 'utf8');
	const js = ts.transpileModule(source, {
		compilerOptions: { target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext }
	}).outputText;
	const compiled = compileModule(js, { generate: 'client', filename: 'i18n.svelte.js' }).js.code;
	const code = compiled
		.replaceAll(`'svelte/internal/client'`, `'${join(svelteDir, 'src/internal/client/index.js')}'`)
		.replaceAll(`'svelte'`, `'${join(svelteDir, 'src/index-client.js')}'`)
		.replaceAll(`'./core'`, `'${join(root, 'src/lib/i18n/core.ts')}'`)
		.replaceAll(`'./refusals'`, `'${join(root, 'src/lib/i18n/refusals.ts')}'`);
	const file = join(tmp, 'i18n.client.js');
	writeFileSync(file, code);
	const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
		I18n: new (o: { storage: null }) => ClientI18n;
	};
	return mod.I18n;
}

test('t() re-runs in an effect when the locale changes', async () => {
	const I18n = await loadClientI18n();
	const $ = (await import(
		/* @vite-ignore */ pathToFileURL(join(svelteDir, 'src/internal/client/index.js')).href
	)) as ClientRuntime;
	const i18n = new I18n({ storage: null });
	const seen: string[] = [];
	const cleanup = $.effect_root(() => {
		$.user_effect(() => {
			seen.push(i18n.t('payment.paid'));
		});
	});
	$.flush();
	i18n.setLocale('en');
	$.flush();
	i18n.setLocale('en');
	$.flush();
	cleanup();
	expect(seen).toEqual(['收款成功', 'Paid']);
});
