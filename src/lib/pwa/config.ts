/** Runtime cache of page HTML (the service worker's navigation route in vite.config.ts). */
export const PAGES_CACHE = 'till-pages';
/** Runtime cache of SvelteKit's `__data.json` (client-side navigation data). */
export const DATA_CACHE = 'till-data';
/**
 * Pages kept for offline starts, refreshed at every online start. The till (`/`) first: it is
 * what an offline navigation to any other uncached page is sent to. The back office's pages
 * (/office, the reports among them) are never kept on the device (vite.config.ts).
 */
export const OFFLINE_PAGES = ['/'] as const;
/** localStorage key: the app version whose pages are in the caches. */
export const CACHED_VERSION_KEY = 'till.pwa.cachedVersion';
/** How often a running till asks the server for a new version. */
export const UPDATE_CHECK_MS = 60 * 60 * 1000;
/** An update that has not taken over after this long gives the button back. */
export const APPLY_TIMEOUT_MS = 15_000;
