/** esbuild bundle of scripts/bench/offline-entry.ts for injection into a real Chromium page. */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export async function offlineBundle(): Promise<string> {
	const root = fileURLToPath(new URL('../../', import.meta.url));
	const out = await build({
		entryPoints: [`${root}scripts/bench/offline-entry.ts`],
		bundle: true,
		format: 'iife',
		platform: 'browser',
		target: 'chrome120',
		write: false,
		alias: { $lib: `${root}src/lib` },
		logLevel: 'silent'
	});
	return out.outputFiles[0]!.text;
}
