/**
 * Who may call each API route, keyed by SvelteKit's matched route id: the same id whatever
 * spelling of the path matched it (`/%61pi/me` is `/api/me`), so no spelling skips a check.
 * A route under /api that is not listed is refused: a new endpoint needs an entry here first.
 */
export type Credential =
	/** No credential: the health and readiness checks. */
	| 'public'
	/** The metrics scraper: `Bearer <METRICS_TOKEN>`, or from this machine when none is set. */
	| 'metrics'
	/** Teegon's server: no token, proves itself by the notification's signature. */
	| 'teegon'
	/** A till: `Authorization: Bearer <till token>`. */
	| 'till';

export const API_ROUTES: Readonly<Record<string, Credential>> = {
	'/api/health': 'public',
	'/api/ready': 'public',
	'/api/metrics': 'metrics',
	'/api/teegon/notify': 'teegon',
	'/api/me': 'till',
	'/api/catalog': 'till',
	'/api/charges': 'till',
	'/api/charges/[order_no]': 'till',
	'/api/sales': 'till',
	'/api/sales/summary': 'till'
};

/**
 * The credential a matched route needs; `undefined` for a route outside /api (pages: their
 * own loads decide) or no route at all (kit answers 404). An /api route missing from the table
 * needs `unlisted`, which nothing satisfies.
 */
export function credentialFor(routeId: string | null): Credential | 'unlisted' | undefined {
	if (routeId === null || !isApiRoute(routeId)) return undefined;
	return Object.hasOwn(API_ROUTES, routeId) ? API_ROUTES[routeId] : 'unlisted';
}

export function isApiRoute(routeId: string | null): boolean {
	return routeId !== null && (routeId === '/api' || routeId.startsWith('/api/'));
}
