import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter(),
		// Kit's own CSRF check refuses form POSTs without an Origin header, which is exactly
		// what Teegon's server-to-server notification sends. The same check is done again in
		// hooks.server.ts for every route except the notification, which verifies Teegon's
		// signature instead. See ../shared/docs/stack-notes.md.
		csrf: { trustedOrigins: ['*'] },
		serviceWorker: { register: false }
	}
};

export default config;
