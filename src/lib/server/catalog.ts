/**
 * The store's product catalog on the server. Each change bumps the store's catalog version,
 * so devices pull only what changed since the version they hold (GET /api/catalog?since=N).
 */
import type { Kysely } from 'kysely';
import type { Fen } from '../domain/money';
import type { CatalogChanges, CatalogEntry } from '../domain/catalog';
import type { Database, Product } from './db/schema';
import { applyImport, catalogVersion } from './catalog-import';
import { issueWords } from './catalog-words';

export type { CatalogChanges, CatalogEntry };
export { catalogVersion };

function toCatalogProduct(p: Product): CatalogEntry {
	return {
		id: p.id,
		name: p.name,
		price: p.price,
		barcodes: JSON.parse(p.barcodes) as string[],
		category: p.category,
		pinyin: p.pinyin,
		favourite: p.favourite === 1,
		version: p.version
	};
}

export async function catalogChanges(
	db: Kysely<Database>,
	storeId: string,
	since: number
): Promise<CatalogChanges> {
	const rows = await db
		.selectFrom('products')
		.selectAll()
		.where('store_id', '=', storeId)
		.where('version', '>', since)
		.orderBy('version')
		.execute();
	// After the changes: a writer committing in between makes these larger, never smaller.
	const state = await db
		.selectFrom('products')
		.select((eb) => [
			eb.fn.max('version').as('latest'),
			eb.fn
				.sum<number | string | null>(
					eb
						.case()
						.when(eb.and([eb('deleted', '=', 0), eb('active', '=', 1)]))
						.then(1)
						.else(0)
						.end()
				)
				.as('count')
		])
		.where('store_id', '=', storeId)
		.executeTakeFirst();
	// A deactivated product leaves the tills as a deleted one does: tills of every age know
	// `deleted`, so no till in the field needs to learn a new field to stop selling it.
	const live = (r: Product) => r.deleted === 0 && r.active === 1;
	return {
		version: rows.reduce((v, r) => Math.max(v, r.version), since),
		products: rows.filter(live).map(toCatalogProduct),
		deleted: rows.filter((r) => !live(r)).map((r) => r.id),
		latest: Number(state?.latest ?? 0),
		count: Number(state?.count ?? 0)
	};
}

/** A product to import; an absent field keeps what an existing product has. */
export interface ProductInput {
	name: string;
	price: Fen;
	barcodes: string[];
	category?: string | null;
	pinyin?: string | null;
	favourite?: boolean;
	active?: boolean;
}

/**
 * Inserts products, or updates the one that already has one of the same barcodes; a product
 * with no barcode updates the product of the same name that has none (catalog-import.ts). One
 * that changes nothing is left alone (no new catalog version). A conflict (a barcode named
 * twice, or belonging to two products) is refused whole (RangeError naming the product).
 */
export async function upsertProducts(
	db: Kysely<Database>,
	storeId: string,
	products: ProductInput[]
): Promise<{ inserted: number; updated: number; unchanged: number; version: number }> {
	const r = await applyImport(
		db,
		storeId,
		products.map((input, i) => ({ row: i + 1, input }))
	);
	const bad = r.rows.find((row) => row.action === 'error');
	if (bad)
		throw new RangeError(
			`product ${bad.row} ("${bad.name}"): ${bad.issues.map((x) => issueWords(x, 'en')).join('; ')}`
		);
	return { inserted: r.inserts, updated: r.updates, unchanged: r.unchanged, version: r.latest };
}

/** A dozen typical shop items with valid EAN-13 barcodes, so the sandbox quick start sells at once. */
export const DEMO_PRODUCTS: ProductInput[] = [
	{
		name: '农夫山泉 550ml',
		price: 200,
		barcodes: ['6901234560015'],
		category: '饮料',
		pinyin: 'nfsq',
		favourite: true
	},
	{
		name: '可口可乐 330ml',
		price: 350,
		barcodes: ['6901234560022'],
		category: '饮料',
		pinyin: 'kkkl',
		favourite: true
	},
	{
		name: '康师傅红烧牛肉面',
		price: 450,
		barcodes: ['6901234560039'],
		category: '方便食品',
		pinyin: 'ksfhsnrm',
		favourite: true
	},
	{
		name: '伊利纯牛奶 250ml',
		price: 300,
		barcodes: ['6901234560046'],
		category: '乳品',
		pinyin: 'ylcnn',
		favourite: true
	},
	{
		name: '奥利奥饼干',
		price: 890,
		barcodes: ['6901234560053'],
		category: '零食',
		pinyin: 'alabg',
		favourite: false
	},
	{
		name: '旺旺雪饼',
		price: 1250,
		barcodes: ['6901234560060'],
		category: '零食',
		pinyin: 'wwxb',
		favourite: false
	},
	{
		name: '双汇王中王火腿肠',
		price: 150,
		barcodes: ['6901234560077'],
		category: '肉制品',
		pinyin: 'shwzwhtc',
		favourite: true
	},
	{
		name: '青岛啤酒 500ml',
		price: 600,
		barcodes: ['6901234560084'],
		category: '酒水',
		pinyin: 'qdpj',
		favourite: true
	},
	{
		name: '心相印纸巾',
		price: 990,
		barcodes: ['6901234560091'],
		category: '日用',
		pinyin: 'xxyzj',
		favourite: false
	},
	{
		name: '蓝月亮洗衣液 1kg',
		price: 2990,
		barcodes: ['6901234560107'],
		category: '日用',
		pinyin: 'lylxyy',
		favourite: false
	},
	{
		name: '金龙鱼大米 5kg',
		price: 4590,
		barcodes: ['6901234560114'],
		category: '粮油',
		pinyin: 'jlydm',
		favourite: false
	},
	{
		name: '鸡蛋 (10只)',
		price: 1380,
		barcodes: ['6901234560121'],
		category: '生鲜',
		pinyin: 'jd',
		favourite: true
	}
];

export async function seedDemoCatalog(db: Kysely<Database>, storeId: string): Promise<void> {
	if ((await catalogVersion(db, storeId)) > 0) return;
	await upsertProducts(db, storeId, DEMO_PRODUCTS);
}
