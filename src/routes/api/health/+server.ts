import { json } from '@sveltejs/kit';
import { sql } from 'kysely';
import { app } from '$lib/server/app';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	const a = app();
	let database = 'ok';
	try {
		await sql`SELECT 1`.execute(a.db.db);
	} catch (e) {
		database = `error: ${(e as Error).message}`;
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
