import { json } from '@sveltejs/kit';
import { sql } from 'kysely';
import { app } from '$lib/server/app';
import { logError } from '$lib/server/log';
import type { RequestHandler } from './$types';

/**
 * GET /api/ready: whether this instance should be sent tills' requests — its database
 * answers and its worker settles charges. /api/health says only that the process is alive.
 */
export const GET: RequestHandler = async () => {
	const a = app();
	const problems: string[] = [];
	try {
		await sql`SELECT 1`.execute(a.db.db);
	} catch (e) {
		logError(`[till] ready: database check failed: ${(e as Error).message}`);
		problems.push('database');
	}
	if (!a.charges.running) problems.push('worker');
	return json({ ready: problems.length === 0, problems }, { status: problems.length ? 503 : 200 });
};
