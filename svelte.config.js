import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import node from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * adapter-node, with the till's own server entry (src/node-entry.js) in place of the adapter's
 * `index.js`: the same start-up and shutdown, plus POST /api/charges served in front of kit
 * (src/lib/server/http/direct.ts). `node build` runs it as before.
 * @param {import('@sveltejs/adapter-node').AdapterOptions} [options]
 * @returns {import('@sveltejs/kit').Adapter}
 */
function tillAdapter(options = {}) {
	const base = node(options);
	const out = options.out ?? 'build';
	return {
		...base,
		name: 'till-node',
		async adapt(builder) {
			await base.adapt(builder);
			builder.log.minor('Replacing adapter-node’s index.js with src/node-entry.js');
			copyFileSync('src/node-entry.js', join(out, 'index.js'));
			rmSync(join(out, 'index.js.map'), { force: true });
		}
	};
}

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: tillAdapter(),
		// Kit's own CSRF check refuses form POSTs without an Origin header, which is exactly
		// what Teegon's server-to-server notification sends. The same check is done again in
		// hooks.server.ts for every route except the notification, which verifies Teegon's
		// signature instead. See ../shared/docs/stack-notes.md.
		csrf: { trustedOrigins: ['*'] },
		serviceWorker: { register: false }
	}
};

export default config;
