import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';
import { dropOfficeFiles } from './scripts/lib/office-precache';

// Service worker (workbox generateSW) and web app manifest; see src/lib/pwa/register.ts.
// The functions below are copied into the generated sw.js as source text: they must not use
// anything from this file's scope. Cache names match src/lib/pwa/config.ts.
const pwa = SvelteKitPWA({
	registerType: 'prompt',
	injectRegister: false, // registered from the root layout (src/lib/pwa/register.ts)
	strategies: 'generateSW',
	filename: 'sw.js',
	manifestFilename: 'manifest.webmanifest',
	manifest: {
		id: '/',
		name: '收银台 Teegon Till',
		short_name: '收银台',
		lang: 'zh-CN',
		dir: 'ltr',
		description:
			'商店和餐馆的收银台：扫码、微信/支付宝付款码收款，断网也能开单。 A till for shops and restaurants: scan, take WeChat/Alipay payment codes, keep selling offline.',
		display: 'standalone',
		orientation: 'any',
		start_url: '/',
		scope: '/',
		theme_color: '#b91c1c',
		background_color: '#ffffff',
		categories: ['business', 'finance', 'shopping'],
		icons: [
			{ src: '/pwa-192x192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
			{ src: '/pwa-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
			{
				src: '/maskable-icon-512x512.png',
				sizes: '512x512',
				type: 'image/png',
				purpose: 'maskable'
			},
			{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }
		]
	},
	workbox: {
		// Precache only the app shell's static files. Pages are server-rendered (the layout's
		// server load), so they are cached at run time by the navigation route below.
		globPatterns: ['client/**/*.{js,css,ico,png,svg,webp,woff2,webmanifest}'],
		// Not the back office's pages and what only they load (uPlot): the till never uses them.
		manifestTransforms: [async (entries) => dropOfficeFiles(entries)],
		// navigateFallback '/' would answer every navigation with the home page, even online.
		navigateFallback: null,
		cleanupOutdatedCaches: true,
		clientsClaim: true, // the first install controls the open till at once, no reload
		skipWaiting: false, // updates wait for the cashier (registerType 'prompt')
		runtimeCaching: [
			{
				// Page navigations: network first, so an online till always gets the current page;
				// the last good copy of each page when the network is down or hangs.
				urlPattern: ({ request, url }) =>
					request.mode === 'navigate' &&
					url.origin === self.location.origin &&
					!url.pathname.startsWith('/api/') &&
					!url.pathname.startsWith('/office'),
				handler: 'NetworkFirst',
				options: {
					cacheName: 'till-pages',
					networkTimeoutSeconds: 4,
					cacheableResponse: { statuses: [200] },
					expiration: { maxEntries: 20 },
					plugins: [
						{
							// A proxy's 502 while the till server is down: use the cached page.
							fetchDidSucceed: async ({ response }) => {
								if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
								return response;
							},
							// Offline, and this page was never cached: go to the till (/), which is.
							// A redirect, not the cached HTML itself: SvelteKit would hydrate the till
							// page's components under another route's URL.
							handlerDidError: async ({ request }) => {
								const url = new URL(request.url);
								if (url.pathname === '/') return undefined;
								const home = await caches.match('/', { cacheName: 'till-pages' });
								return home ? Response.redirect(new URL('/', url).href, 302) : undefined;
							}
						}
					]
				}
			},
			{
				// SvelteKit's client-side navigation data. Keyed by the full URL (the
				// x-sveltekit-invalidated parameter changes what the response holds).
				urlPattern: ({ url }) =>
					url.origin === self.location.origin &&
					url.pathname.endsWith('/__data.json') &&
					!url.pathname.startsWith('/api/') &&
					!url.pathname.startsWith('/office'),
				handler: 'NetworkFirst',
				options: {
					cacheName: 'till-data',
					networkTimeoutSeconds: 4,
					cacheableResponse: { statuses: [200] },
					expiration: { maxEntries: 20 }
				}
			},
			{
				// The back office (an owner's figures): never kept on the device; offline, a
				// page that says the network is needed (no script: the till's CSP allows none).
				urlPattern: ({ request, url }) =>
					request.mode === 'navigate' &&
					url.origin === self.location.origin &&
					url.pathname.startsWith('/office'),
				handler: 'NetworkOnly',
				options: {
					plugins: [
						{
							handlerDidError: async () =>
								new Response(
									'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>需要网络</title><body style="font-family:sans-serif;padding:24px"><h1>需要网络连接</h1><p data-testid="office-offline">后台和报表需要网络连接。 The back office needs the network.</p><p><a href="/">返回收银台 · Back to the till</a></p></body></html>',
									{ status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } }
								)
						}
					]
				}
			}
			// /api/* has no route: it always goes to the network and is never cached here
			// (the till keeps its own data in IndexedDB).
		]
	}
});

export default defineConfig({
	plugins: [sveltekit(), pwa],
	test: {
		include: ['src/**/*.spec.ts', 'tests/unit/**/*.spec.ts', 'tests/integration/**/*.spec.ts'],
		environment: 'node',
		expect: { requireAssertions: true },
		testTimeout: 20_000,
		hookTimeout: 30_000
	}
});
