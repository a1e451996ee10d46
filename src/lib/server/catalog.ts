/**
 * The store's product catalog on the server. Each change bumps the store's catalog version,
 * so devices pull only what changed since the version they hold (GET /api/catalog?since=N).
 */
import { textProblem } from '../domain/text';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { formatYuan, parseYuan, type Fen } from '../domain/money';
import { MAX_FEN } from '../domain/sale';
import type { CatalogChanges, CatalogEntry } from '../domain/catalog';
import type { Database, Product } from './db/schema';

export type { CatalogChanges, CatalogEntry };

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

export async function catalogVersion(db: Kysely<Database>, storeId: string): Promise<number> {
	const row = await db
		.selectFrom('products')
		.select((eb) => eb.fn.max('version').as('v'))
		.where('store_id', '=', storeId)
		.executeTakeFirst();
	return Number(row?.v ?? 0);
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
				.sum<number | string | null>(eb.case().when('deleted', '=', 0).then(1).else(0).end())
				.as('count')
		])
		.where('store_id', '=', storeId)
		.executeTakeFirst();
	return {
		version: rows.reduce((v, r) => Math.max(v, r.version), since),
		products: rows.filter((r) => r.deleted === 0).map(toCatalogProduct),
		deleted: rows.filter((r) => r.deleted === 1).map((r) => r.id),
		latest: Number(state?.latest ?? 0),
		count: Number(state?.count ?? 0)
	};
}

export interface ProductInput {
	name: string;
	price: Fen;
	barcodes: string[];
	category?: string | null;
	pinyin?: string | null;
	favourite?: boolean;
}

/**
 * Inserts products, or updates the one that already has one of the same barcodes; a row with
 * no barcode updates the product of the same name that has none. A row that changes nothing
 * is left alone (no new catalog version), so importing the same file twice changes nothing.
 * A row whose barcodes belong to two products, or a barcode named by two rows, is refused
 * (RangeError): a barcode would otherwise scan to either product.
 */
export async function upsertProducts(
	db: Kysely<Database>,
	storeId: string,
	products: ProductInput[]
): Promise<{ inserted: number; updated: number; unchanged: number; version: number }> {
	const named = new Map<string, number>();
	products.forEach((p, i) => {
		for (const b of p.barcodes) {
			const first = named.get(b);
			if (first !== undefined && first !== i)
				throw new RangeError(
					`barcode ${b}: named by product ${first + 1} ("${products[first]!.name}") and product ${i + 1} ("${p.name}")`
				);
			named.set(b, i);
		}
	});
	return db.transaction().execute(async (trx) => {
		// Writers of one store's catalog take turns, each numbering its changes after the last
		// committed one: a device that pulled version N between two writers must never be
		// handed a change numbered N or below later. The store row's lock (PostgreSQL) or the
		// write lock (SQLite) is held until commit; max(version) is read only after it.
		await trx.updateTable('stores').set({ id: storeId }).where('id', '=', storeId).execute();
		let version = await catalogVersion(trx, storeId);
		let inserted = 0;
		let updated = 0;
		let unchanged = 0;
		const existing = await trx
			.selectFrom('products')
			.selectAll()
			.where('store_id', '=', storeId)
			.where('deleted', '=', 0)
			.execute();
		const byId = new Map(existing.map((e) => [e.id, e]));
		const byBarcode = new Map<string, string>();
		/** Products without a barcode, by name: what a row without one updates. */
		const unbarcodedByName = new Map<string, string>();
		for (const e of existing) {
			const codes = JSON.parse(e.barcodes) as string[];
			for (const b of codes) byBarcode.set(b, e.id);
			if (codes.length === 0 && !unbarcodedByName.has(e.name)) unbarcodedByName.set(e.name, e.id);
		}
		/** Existing product id → the row (1-based) of this import that updates it. */
		const updatedBy = new Map<string, number>();
		for (const [i, p] of products.entries()) {
			const ids =
				p.barcodes.length === 0
					? [unbarcodedByName.get(p.name)].filter(Boolean)
					: [...new Set(p.barcodes.map((b) => byBarcode.get(b)).filter(Boolean))];
			if (ids.length > 1)
				throw new RangeError(
					`"${p.name}": its barcodes ${p.barcodes.join('|')} belong to ${ids.length} different products`
				);
			const id = ids[0];
			// Two rows that reach one product through different barcodes: the second would
			// overwrite the first, and the first row's barcodes would leave the catalog.
			const earlier = id === undefined ? undefined : updatedBy.get(id);
			if (earlier !== undefined)
				throw new RangeError(
					`product ${i + 1} ("${p.name}") and product ${earlier} ("${products[earlier - 1]!.name}") both match one existing product by barcode: put them in one row`
				);
			if (id !== undefined) updatedBy.set(id, i + 1);
			const fields = {
				name: p.name,
				price: p.price,
				barcodes: JSON.stringify(p.barcodes),
				category: p.category ?? null,
				pinyin: p.pinyin ?? null,
				favourite: p.favourite ? 1 : 0
			};
			const before = id === undefined ? undefined : byId.get(id);
			if (
				before &&
				(Object.keys(fields) as (keyof typeof fields)[]).every((k) => before[k] === fields[k])
			) {
				unchanged++;
				continue;
			}
			version += 1;
			const values = { ...fields, version, deleted: 0 };
			if (id) {
				await trx.updateTable('products').set(values).where('id', '=', id).execute();
				updated++;
			} else {
				const newId = randomUUID();
				await trx
					.insertInto('products')
					.values({ id: newId, store_id: storeId, ...values })
					.execute();
				for (const b of p.barcodes) byBarcode.set(b, newId);
				if (p.barcodes.length === 0) unbarcodedByName.set(p.name, newId);
				inserted++;
			}
		}
		return { inserted, updated, unchanged, version };
	});
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

export class CsvError extends Error {
	constructor(
		readonly line: number,
		readonly field: string,
		message: string
	) {
		super(`line ${line}, ${field}: ${message}`);
	}
}

/**
 * The text of a product CSV file. Only UTF-8 (with or without a BOM) is read: a file in another
 * encoding (Excel's "CSV" on a Chinese Windows is GBK) would import every name as U+FFFD.
 */
export function decodeProductsCsv(bytes: Uint8Array): string {
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw new CsvError(
			1,
			'file',
			'is not UTF-8 text: save it as "CSV UTF-8 (逗号分隔)" (Excel) or convert it, e.g. iconv -f GBK -t UTF-8'
		);
	}
}

/** Splits one CSV record (RFC 4180 quotes). */
function csvFields(line: string): string[] {
	const out: string[] = [];
	let cur = '';
	let quoted = false;
	for (let i = 0; i < line.length; i++) {
		const ch = line[i]!;
		if (quoted) {
			if (ch === '"' && line[i + 1] === '"') {
				cur += '"';
				i++;
			} else if (ch === '"') quoted = false;
			else cur += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ',') {
			out.push(cur);
			cur = '';
		} else cur += ch;
	}
	out.push(cur);
	return out.map((f) => f.trim());
}

/**
 * Parses a product CSV with a header row: name, price (yuan, e.g. 3.50), barcode (several
 * separated by |), and optionally category, pinyin, favourite (1/0/yes/no). Every bad row is
 * reported with its line and field; nothing is imported if any row is bad.
 */
export function parseProductsCsv(text: string): ProductInput[] {
	const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
	const header = csvFields(lines[0] ?? '').map((h) => h.toLowerCase());
	for (const required of ['name', 'price', 'barcode'])
		if (!header.includes(required))
			throw new CsvError(1, required, `the header row must name the column "${required}"`);
	const col = (row: string[], name: string) => {
		const i = header.indexOf(name);
		return i >= 0 ? (row[i] ?? '') : '';
	};
	const products: ProductInput[] = [];
	const errors: CsvError[] = [];
	lines.slice(1).forEach((line, i) => {
		const lineNo = i + 2;
		if (line.trim() === '') return;
		const row = csvFields(line);
		const name = col(row, 'name');
		const priceText = col(row, 'price');
		const price = parseYuan(priceText);
		const barcodes = col(row, 'barcode')
			.split('|')
			.map((b) => b.trim())
			.filter(Boolean);
		if (!name || name.length > 100)
			errors.push(new CsvError(lineNo, 'name', 'must be 1 to 100 characters'));
		// A sale naming it would be refused by the server (sales.ts) after it was paid.
		else if (textProblem(name)) errors.push(new CsvError(lineNo, 'name', textProblem(name)!));
		else if (price === null)
			errors.push(
				new CsvError(lineNo, 'price', `must be yuan with at most two decimals, got "${priceText}"`)
			);
		else if (price > MAX_FEN)
			errors.push(
				new CsvError(lineNo, 'price', `must be at most ${formatYuan(MAX_FEN)}, got "${priceText}"`)
			);
		else if (barcodes.some((b) => !/^[0-9A-Za-z-]{1,32}$/.test(b)))
			errors.push(
				new CsvError(lineNo, 'barcode', 'each barcode must be 1 to 32 letters or digits')
			);
		else {
			const fav = col(row, 'favourite').toLowerCase();
			products.push({
				name,
				price,
				barcodes,
				category: col(row, 'category') || null,
				pinyin: col(row, 'pinyin') || null,
				favourite: ['1', 'yes', 'true', 'y'].includes(fav)
			});
		}
	});
	if (errors.length) {
		const e = new CsvError(
			errors[0]!.line,
			errors[0]!.field,
			`${errors.length} bad row(s): ${errors.map((x) => x.message).join('; ')}`
		);
		throw e;
	}
	return products;
}
