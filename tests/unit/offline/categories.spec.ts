/**
 * The till's category tabs read from the device's catalog: categories by name, the products
 * of one (or of none), and a deactivated product, sent as `deleted` (which tills of every age
 * understand), leaving its tab.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import { applyCatalogChanges, categories, productsInCategory } from '$lib/offline/catalog';
import { catalogProduct } from '../../helpers/factories';
import { freshDb } from './helpers';

const product = (over: Parameters<typeof catalogProduct>[0]) => ({
	...catalogProduct(over),
	pinyin: 'x'
});

const dbs: ReturnType<typeof freshDb>[] = [];
afterEach(async () => {
	for (const db of dbs.splice(0)) await db.drop();
});

describe('category tabs on the device', () => {
	test('categories by name, products of one or of none, and an off-sale product gone', async () => {
		const db = freshDb();
		dbs.push(db);
		await applyCatalogChanges(db, {
			version: 3,
			products: [
				product({ id: 'a', name: '可乐', category: '饮料' }),
				product({ id: 'b', name: '薯片', category: '零食', barcodes: ['2'] }),
				product({ id: 'c', name: '矿泉水', category: '饮料', barcodes: ['3'] }),
				product({ id: 'd', name: '散装花生', category: null, barcodes: [] })
			],
			deleted: []
		});
		expect(await categories(db)).toEqual({ names: ['零食', '饮料'], uncategorised: true });
		expect((await productsInCategory(db, '饮料')).map((p) => p.name)).toEqual(['可乐', '矿泉水']);
		expect((await productsInCategory(db, null)).map((p) => p.id)).toEqual(['d']);
		await applyCatalogChanges(db, { version: 4, products: [], deleted: ['b', 'd'] });
		expect(await categories(db)).toEqual({ names: ['饮料'], uncategorised: false });
	});
});
