/** The till a request is from, for the API handlers: set by hooks.server.ts, required here. */
import { error } from '@sveltejs/kit';

export interface RequestTill {
	id: string;
	storeId: string;
	name: string;
}

/**
 * The authenticated till. The hook refuses an unauthenticated call before any handler runs;
 * this throws as well, so a handler can never act for nobody, whatever the hook does.
 */
export function requireTill(locals: App.Locals): RequestTill {
	if (!locals.till) error(401, { message: 'a till token is required', code: 'unauthorized' });
	return locals.till;
}
