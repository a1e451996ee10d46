/**
 * The service worker precaches the till's files so it starts offline. The back office's pages
 * (src/routes/(office)/**) and what only they load (uPlot and the report views) are not the
 * till's: a till would download them at every update for nothing. This workbox manifest
 * transform drops every built file reachable only from an office page, reading SvelteKit's
 * client build (its Vite manifest and its generated route nodes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Chunk {
	file: string;
	src?: string;
	isEntry?: boolean;
	imports?: string[];
	dynamicImports?: string[];
	css?: string[];
	assets?: string[];
}

/** The built files (relative to the client output) only office pages need. */
export function officeOnlyFiles(root = '.svelte-kit'): Set<string> {
	const manifestFile = join(root, 'output/client/.vite/manifest.json');
	if (!existsSync(manifestFile)) return new Set();
	const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, Chunk>;
	const isOffice = (key: string) => {
		if (!/generated\/client-optimized\/nodes\/\d+\.js$/.test(key)) return false;
		const path = join(root, key.slice(key.indexOf('generated/')));
		return existsSync(path) && readFileSync(path, 'utf8').includes('src/routes/(office)/');
	};
	// From the till's side, an office page is a wall: the app entry names every page as a
	// dynamic import, and what lies behind an office page is not the till's.
	const reach = (starts: string[], wall: Set<string> = new Set()) => {
		const seen = new Set<string>();
		const stack = [...starts];
		while (stack.length) {
			const k = stack.pop()!;
			if (seen.has(k) || !manifest[k] || wall.has(k)) continue;
			seen.add(k);
			stack.push(...(manifest[k].imports ?? []), ...(manifest[k].dynamicImports ?? []));
		}
		return seen;
	};
	const entries = Object.keys(manifest).filter((k) => manifest[k]!.isEntry);
	const office = entries.filter(isOffice);
	const till = reach(
		entries.filter((k) => !isOffice(k)),
		new Set(office)
	);
	const files = (keys: Iterable<string>) => {
		const out = new Set<string>();
		for (const k of keys) {
			const c = manifest[k]!;
			for (const f of [c.file, ...(c.css ?? []), ...(c.assets ?? [])]) out.add(f);
		}
		return out;
	};
	const tillFiles = files(till);
	return new Set(
		[...files([...reach(office)].filter((k) => !till.has(k)))].filter((f) => !tillFiles.has(f))
	);
}

/**
 * workbox `manifestTransforms`: the precache list without the office-only files. Setting it
 * replaces @vite-pwa/sveltekit's own transform, whose one step this app needs is done here
 * too: the `client/` prefix off every URL (the app has no prerendered pages).
 */
export function dropOfficeFiles<E extends { url: string }>(entries: E[]) {
	const drop = officeOnlyFiles();
	const manifest = entries
		.map((e) => (e.url.startsWith('client/') ? { ...e, url: e.url.slice(7) } : e))
		.filter((e) => ![...drop].some((f) => e.url.endsWith(f)));
	return { manifest, warnings: [] as string[] };
}
