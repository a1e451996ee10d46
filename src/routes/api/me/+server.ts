import { json } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { requireTill } from '$lib/server/http/till-auth';
import type { RequestHandler } from './$types';

/** Who this device is: its till and store (checks a token when pairing a device). */
export const GET: RequestHandler = async ({ locals }) => {
	const till = requireTill(locals);
	const store = await app()
		.db.db.selectFrom('stores')
		.select(['id', 'name'])
		.where('id', '=', till.storeId)
		.executeTakeFirst();
	return json({ till: { id: till.id, name: till.name }, store, mode: app().config.mode });
};
