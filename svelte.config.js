import node from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: node(),
		// Kit's own CSRF check refuses form POSTs without an Origin header, which is exactly
		// what Teegon's server-to-server notification sends. The same check is done again in
		// hooks.server.ts for every route except the notification, which verifies Teegon's
		// signature instead.
		csrf: { trustedOrigins: ['*'] },
		// Hashes, not nonces: the service worker serves a cached copy of each page, and a nonce
		// would be the same on every copy. Svelte's style: directives need inline styles.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'media-src': ['self', 'blob:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'worker-src': ['self'],
				'manifest-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		},
		serviceWorker: { register: false }
	}
};

export default config;
