/**
 * /office/catalog: a store's products, searched and filtered, with the forms that create, edit,
 * deactivate and favourite them. Every load and action checks the user may manage the store it
 * names; a product id of another store is not found. Errors go back as codes per field, which
 * the page words in the user's language.
 */
import { fail } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import {
	getProduct,
	listCategories,
	listProducts,
	saveProduct,
	setProductFlag,
	type ProductStatus
} from '$lib/server/catalog-admin';
import { chooseStore, managedStores, requireManager } from '$lib/server/office/catalog-pages';
import { parseProductForm, type FieldIssue } from '$lib/domain/product-input';
import type { Actions, PageServerLoad } from './$types';

const STATUSES: ProductStatus[] = ['active', 'inactive', 'all'];

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireManager(locals.user);
	const db = app().db.db;
	const stores = await managedStores(db, user);
	const store = chooseStore(user, stores, url.searchParams.get('store'));
	const q = (url.searchParams.get('q') ?? '').slice(0, 100);
	// '*' (the filter's "all categories") or no parameter: every category; '': none.
	const categoryParam = url.searchParams.get('category');
	const category = categoryParam === '*' ? null : categoryParam;
	const statusParam = url.searchParams.get('status') as ProductStatus;
	const status = STATUSES.includes(statusParam) ? statusParam : 'active';
	const page = Number(url.searchParams.get('page')) || 1;
	const editId = url.searchParams.get('edit');
	const editing = editId ? await getProduct(db, store.id, editId) : null;
	return {
		stores,
		store,
		filter: { q, category, status },
		list: await listProducts(db, store.id, {
			q,
			status,
			page,
			...(category === null ? {} : { category })
		}),
		categories: await listCategories(db, store.id),
		editing,
		/** An id that names no product of this store (another store's, or none). */
		editMissing: editId !== null && !editing,
		creating: url.searchParams.has('new')
	};
};

/** The form's text fields as strings; a checkbox left unticked is absent. */
function fields(data: FormData): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of data) if (typeof v === 'string') out[k] = v;
	return out;
}

async function storeOf(locals: App.Locals, data: FormData) {
	const user = requireManager(locals.user);
	const stores = await managedStores(app().db.db, user);
	const store = chooseStore(user, stores, String(data.get('store') ?? ''));
	return { user, store };
}

export const actions: Actions = {
	save: async ({ locals, request }) => {
		const data = await request.formData();
		const { user, store } = await storeOf(locals, data);
		const values = fields(data);
		const id = values.id || undefined;
		const parsed = parseProductForm(values);
		if (!parsed.ok) return fail(400, { save: { values, issues: parsed.issues } });
		const version = /^\d{1,15}$/.test(values.version ?? '') ? Number(values.version) : undefined;
		const r = await saveProduct(app().db.db, store.id, parsed.value, {
			...(id ? { id } : {}),
			...(version !== undefined ? { version } : {}),
			by: user.id
		});
		if ('notFound' in r)
			return fail(404, { save: { values, issues: [] as FieldIssue[], notFound: true } });
		if (!r.ok) return fail(409, { save: { values, issues: r.issues } });
		return { done: { what: id ? 'saved' : 'created', name: r.product.name } };
	},
	flag: async ({ locals, request }) => {
		const data = await request.formData();
		const { user, store } = await storeOf(locals, data);
		const flag = data.get('flag');
		if (flag !== 'active' && flag !== 'favourite') return fail(400, { flagError: 'flag' });
		const on = data.get('on') === '1';
		const r = await setProductFlag(app().db.db, store.id, String(data.get('id') ?? ''), flag, on, {
			by: user.id
		});
		if (!r) return fail(404, { flagError: 'notFound' });
		const what =
			flag === 'active' ? (on ? 'reactivated' : 'deactivated') : on ? 'favourited' : 'unfavourited';
		return { done: { what, name: r.name } };
	}
};
