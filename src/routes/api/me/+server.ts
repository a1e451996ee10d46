import { json } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import type { RequestHandler } from './$types';

/** Who this device is: its till and store (checks a token when pairing a device). */
export const GET: RequestHandler = async ({ locals }) => {
	const till = locals.till!;
	const store = await app()
		.db.db.selectFrom('stores')
		.select(['id', 'name'])
		.where('id', '=', till.storeId)
		.executeTakeFirst();
	return json({ till: { id: till.id, name: till.name }, store, mode: app().config.mode });
};
