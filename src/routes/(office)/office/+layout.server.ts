import { app } from '$lib/server/app';
import { attentionBadge } from '$lib/server/office/attention-page';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	const { db, config } = app();
	const user = locals.user;
	const business = user
		? await db.db
				.selectFrom('businesses')
				.select('name')
				.where('id', '=', user.businessId)
				.executeTakeFirst()
		: undefined;
	return {
		user: user ? { name: user.name, role: user.role } : null,
		businessName: business?.name ?? null,
		sandbox: config.mode === 'sandbox',
		// The open attention items, counted on every page so the badge is never stale.
		attention: user ? await attentionBadge(db.db, user) : 0
	};
};
