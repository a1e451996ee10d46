/**
 * Service worker registration, update checks, and the offline copies of the pages.
 *
 * How the till starts offline (the service worker is generated from vite.config.ts):
 * - precached: every client JS/CSS file of the build, the icons and the manifest;
 * - pages (server-rendered, so not precachable) go network first: each successful navigation
 *   is stored in the `till-pages` cache and answered from it when the network fails or hangs
 *   for 4 s. An uncached page offline is redirected to `/`, the till, which is always cached;
 * - SvelteKit's `__data.json` (client navigation data) is network first too (`till-data`);
 * - `/api/*` has no route at all: never cached by the service worker.
 * The very first visit happens before the service worker exists, so at every online start
 * this module also stores fresh copies of OFFLINE_PAGES itself, and empties the page caches
 * when the app version changed (an old page would name scripts the new version no longer has).
 */
import { browser, dev, version } from '$app/environment';
import {
	CACHED_VERSION_KEY,
	DATA_CACHE,
	OFFLINE_PAGES,
	PAGES_CACHE,
	UPDATE_CHECK_MS
} from './config';
import { pwa, type PwaState } from './pwa.svelte';

let started = false;

/** Registers the service worker once (from the root layout's onMount). Production only. */
export async function startPwa(state: PwaState = pwa): Promise<void> {
	if (!browser || dev || started || !('serviceWorker' in navigator)) return;
	started = true;
	const { registerSW } = await import('virtual:pwa-register');
	const activate = registerSW({
		immediate: true,
		onNeedRefresh: () => state.needRefresh(() => activate(true)),
		onNeedReload: () => state.needReload(),
		onRegisteredSW: (_url, registration) => {
			if (registration) checkForUpdates(registration, state);
		},
		onRegisterError: (error: unknown) =>
			console.warn('[pwa] service worker registration failed', error)
	});
	await navigator.serviceWorker.ready;
	await keepOfflineCopies();
}

/** Hourly; not during a payment (installing a version downloads and stores every file). */
function checkForUpdates(registration: ServiceWorkerRegistration, state: PwaState): void {
	setInterval(() => {
		if (state.busy || !navigator.onLine || registration.installing) return;
		registration.update().catch(() => {
			// offline or the server is down: try again next time
		});
	}, UPDATE_CHECK_MS);
}

async function fetchPage(path: string): Promise<Response | null> {
	try {
		const res = await fetch(path, {
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { accept: 'text/html' }
		});
		// A redirected response must not answer a navigation later.
		return res.ok && !res.redirected ? res : null;
	} catch {
		return null;
	}
}

/** Stores this version's copy of each offline page; keeps the old ones if `/` can't be had. */
async function keepOfflineCopies(): Promise<void> {
	if (!navigator.onLine) return;
	try {
		const responses = await Promise.all(OFFLINE_PAGES.map(fetchPage));
		if (!responses[0]) return;
		if (localStorage.getItem(CACHED_VERSION_KEY) !== version) {
			await Promise.all([caches.delete(PAGES_CACHE), caches.delete(DATA_CACHE)]);
		}
		const cache = await caches.open(PAGES_CACHE);
		await Promise.all(
			OFFLINE_PAGES.map((path, i) => {
				const res = responses[i];
				return res ? cache.put(path, res) : undefined;
			})
		);
		localStorage.setItem(CACHED_VERSION_KEY, version);
	} catch (error) {
		console.warn('[pwa] could not store the pages for offline use', error);
	}
}
