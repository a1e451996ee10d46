import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** The reports moved into the back office, behind its sign-in: an old bookmark lands there. */
export const GET: RequestHandler = () => redirect(308, '/office/reports');
