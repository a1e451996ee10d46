/**
 * /office/attention: what needs a person about money (owner/attention.ts), for the stores the
 * user manages; each item with what to do and a form to mark it dealt with, saying what was
 * done. Who marked it and when stay with it.
 */
import { fail } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { managedStores, requireManager } from '$lib/server/office/catalog-pages';
import { attentionScope } from '$lib/server/office/attention-page';
import {
	chargesNeedingOwner,
	reviewAttentionItem,
	ReviewError,
	REVIEW_NOTE_MAX
} from '$lib/server/owner/attention';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireManager(locals.user);
	const db = app().db.db;
	const includeReviewed = url.searchParams.get('done') === '1';
	const items = await chargesNeedingOwner(db, Date.now(), {
		includeReviewed,
		scope: await attentionScope(db, user)
	});
	const stores = Object.fromEntries((await managedStores(db, user)).map((s) => [s.id, s.name]));
	// Newest first: what just happened is what the owner is most likely looking for.
	items.sort((a, b) => b.at.localeCompare(a.at));
	return { items, stores, includeReviewed, noteMax: REVIEW_NOTE_MAX };
};

export const actions: Actions = {
	review: async ({ locals, request }) => {
		const user = requireManager(locals.user);
		const db = app().db.db;
		const data = await request.formData();
		const ref = String(data.get('ref') ?? '');
		const note = String(data.get('note') ?? '');
		try {
			await reviewAttentionItem(db, ref, note, Date.now(), {
				by: { id: user.id, name: user.name },
				scope: await attentionScope(db, user)
			});
		} catch (e) {
			if (!(e instanceof ReviewError)) throw e;
			const code = e.field === 'ref' ? 'gone' : note.trim() === '' ? 'noteRequired' : 'noteTooLong';
			return fail(e.field === 'ref' ? 404 : 400, { ref, note, code });
		}
		return { reviewed: ref };
	}
};
