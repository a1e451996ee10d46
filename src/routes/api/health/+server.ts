import { json } from '@sveltejs/kit';
import { sql } from 'kysely';
import { app } from '$lib/server/app';
import { logError } from '$lib/server/log';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	const a = app();
	let database = 'ok';
	try {
		await sql`SELECT 1`.execute(a.db.db);
	} catch (e) {
		// The detail goes to the log, not to whoever asks: this endpoint needs no token.
		logError(`[till] health: database check failed: ${(e as Error).message}`);
		database = 'error';
	}
	return json(
		{
			ok: database === 'ok',
			mode: a.config.mode,
			database: a.db.kind,
			databaseStatus: database,
			time: new Date().toISOString()
		},
		{ status: database === 'ok' ? 200 : 503 }
	);
};
