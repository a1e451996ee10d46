import { scrape } from '$lib/server/metrics';
import type { RequestHandler } from './$types';

/** GET /api/metrics: Prometheus text. Who may scrape is access.ts's `metrics` credential. */
export const GET: RequestHandler = async () => {
	const { contentType, body } = await scrape();
	return new Response(body, { headers: { 'content-type': contentType } });
};
