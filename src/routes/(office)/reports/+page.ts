import { browser } from '$app/environment';
import type { PageLoad } from './$types';

export interface ServerHealth {
	mode: string;
	database: string;
}

/**
 * Owner reports (placeholder): they are read from the server, so they need the network.
 * The service worker serves this page's last copy offline; the page then says so.
 */
export const load: PageLoad = async ({ fetch }) => {
	if (browser && !navigator.onLine) return { health: null };
	try {
		const res = await fetch('/api/health');
		return { health: res.ok ? ((await res.json()) as ServerHealth) : null };
	} catch {
		return { health: null };
	}
};
