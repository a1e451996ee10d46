/**
 * GET /office/catalog/export?store=ID[&headers=en]: the store's products as CSV (the import's
 * format: importing it again changes nothing), with a BOM so Excel shows the Chinese. Only for
 * a manager of that store or the owner.
 */
import { app } from '$lib/server/app';
import { allProducts } from '$lib/server/catalog-admin';
import { catalogCsv } from '$lib/server/catalog-csv';
import { chooseStore, managedStores, requireManager } from '$lib/server/office/catalog-pages';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, url }) => {
	const user = requireManager(locals.user);
	const db = app().db.db;
	const store = chooseStore(user, await managedStores(db, user), url.searchParams.get('store'));
	const headers = url.searchParams.get('headers') === 'en' ? 'en' : 'zh';
	const csv = catalogCsv(await allProducts(db, store.id), headers);
	const day = new Date().toISOString().slice(0, 10);
	const name = `${store.name}-商品-${day}.csv`;
	return new Response(csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			// RFC 6266: an ASCII fallback, and the UTF-8 name for browsers that read it.
			'content-disposition': `attachment; filename="catalog-${day}.csv"; filename*=UTF-8''${encodeURIComponent(name)}`,
			'cache-control': 'no-store'
		}
	});
};
