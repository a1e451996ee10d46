/**
 * The back office's product pages on the server: the list with search and category filter, one
 * product, create, edit, deactivate and favourite. Every function takes the store the caller was
 * allowed (the page checked it); a product id of another store is not found. Each change is a new
 * catalog version, which the tills pull within seconds (till/session.svelte.ts).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FieldIssue, ProductForm } from '../domain/product-input';
import type { Database, Product } from './db/schema';
import { resolvePinyin, writeCatalog } from './catalog-import';
import type { ExportProduct } from './catalog-csv';

export interface AdminProduct extends ExportProduct {
	id: string;
	version: number;
	updatedAt: number | null;
}

function view(p: Product): AdminProduct {
	return {
		id: p.id,
		name: p.name,
		price: Number(p.price),
		barcodes: JSON.parse(p.barcodes) as string[],
		category: p.category,
		pinyin: p.pinyin,
		favourite: p.favourite === 1,
		active: p.active === 1,
		version: Number(p.version),
		updatedAt: p.updated_at === null ? null : Number(p.updated_at)
	};
}

export type ProductStatus = 'active' | 'inactive' | 'all';

export interface ProductQuery {
	/** Name contains, pinyin initials start with, or a barcode contains. */
	q?: string;
	/** A category; '' for products without one; undefined for all. */
	category?: string;
	status?: ProductStatus;
	page?: number;
	pageSize?: number;
}

/** `%`, `_` and `\` in a search are themselves, not patterns. */
const likeText = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listProducts(
	db: Kysely<Database>,
	storeId: string,
	query: ProductQuery = {}
): Promise<{ products: AdminProduct[]; total: number; page: number; pages: number }> {
	const pageSize = query.pageSize ?? 50;
	let base = db.selectFrom('products').where('store_id', '=', storeId).where('deleted', '=', 0);
	const status = query.status ?? 'active';
	if (status !== 'all') base = base.where('active', '=', status === 'active' ? 1 : 0);
	if (query.category === '') base = base.where('category', 'is', null);
	else if (query.category !== undefined) base = base.where('category', '=', query.category);
	const q = query.q?.trim().toLowerCase();
	if (q) {
		const contains = `%${likeText(q)}%`;
		base = base.where((eb) =>
			eb.or([
				eb(sql`lower(name)`, 'like', sql<string>`${contains} escape '\\'`),
				eb('pinyin', 'like', sql<string>`${`${likeText(q)}%`} escape '\\'`),
				eb('barcodes', 'like', sql<string>`${contains} escape '\\'`)
			])
		);
	}
	const counted = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
	const total = Number(counted?.n ?? 0);
	const pages = Math.max(1, Math.ceil(total / pageSize));
	const page = Math.min(Math.max(1, Math.trunc(query.page ?? 1)), pages);
	const rows = await base
		.selectAll()
		.orderBy('category')
		.orderBy('name')
		.orderBy('id')
		.limit(pageSize)
		.offset((page - 1) * pageSize)
		.execute();
	return { products: rows.map(view), total, page, pages };
}

/** Every product of the store (the export), by category and name. */
export async function allProducts(db: Kysely<Database>, storeId: string): Promise<AdminProduct[]> {
	const rows = await db
		.selectFrom('products')
		.selectAll()
		.where('store_id', '=', storeId)
		.where('deleted', '=', 0)
		.orderBy('category')
		.orderBy('name')
		.orderBy('id')
		.execute();
	return rows.map(view);
}

/** The store's categories with how many products on sale each has, by name. */
export async function listCategories(
	db: Kysely<Database>,
	storeId: string
): Promise<{ name: string; count: number }[]> {
	const rows = await db
		.selectFrom('products')
		.select((eb) => ['category', eb.fn.countAll<number>().as('n')])
		.where('store_id', '=', storeId)
		.where('deleted', '=', 0)
		.where('category', 'is not', null)
		.groupBy('category')
		.execute();
	return rows
		.map((r) => ({ name: r.category!, count: Number(r.n) }))
		.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
}

export async function getProduct(
	db: Kysely<Database>,
	storeId: string,
	id: string
): Promise<AdminProduct | null> {
	const row = await db
		.selectFrom('products')
		.selectAll()
		.where('id', '=', id)
		.where('store_id', '=', storeId)
		.where('deleted', '=', 0)
		.executeTakeFirst();
	return row ? view(row) : null;
}

export type SaveResult =
	| { ok: true; product: AdminProduct; changed: boolean }
	| { ok: false; issues: FieldIssue[] }
	| { ok: false; notFound: true };

/**
 * Creates a product (no `id`) or saves one (`id`, and the `version` the form was made from: a
 * product someone changed since is refused as `stale`, not overwritten). A barcode may belong
 * to one product of the store only, on sale or not.
 */
export async function saveProduct(
	db: Kysely<Database>,
	storeId: string,
	form: ProductForm,
	opts: { id?: string; version?: number; by: string | null; now?: number }
): Promise<SaveResult> {
	const now = opts.now ?? Date.now();
	return writeCatalog(db, storeId, async (trx, next): Promise<SaveResult> => {
		const before = opts.id
			? await trx
					.selectFrom('products')
					.selectAll()
					.where('id', '=', opts.id)
					.where('store_id', '=', storeId)
					.where('deleted', '=', 0)
					.executeTakeFirst()
			: undefined;
		if (opts.id && !before) return { ok: false, notFound: true };
		if (before && opts.version !== undefined && Number(before.version) !== opts.version)
			return { ok: false, issues: [{ field: 'version', code: 'stale' }] };
		if (form.barcode.length) {
			const others = await trx
				.selectFrom('products')
				.select(['id', 'name', 'barcodes'])
				.where('store_id', '=', storeId)
				.where('deleted', '=', 0)
				.where('id', '!=', before?.id ?? '')
				.execute();
			for (const o of others) {
				const taken = (JSON.parse(o.barcodes) as string[]).find((b) => form.barcode.includes(b));
				if (taken)
					return {
						ok: false,
						issues: [
							{ field: 'barcode', code: 'barcodeTaken', vars: { barcode: taken, name: o.name } }
						]
					};
			}
		}
		// The form shows the pinyin the product has: left as it was, it follows a new name if it
		// was computed; emptied, it is computed; typed, it is kept.
		const given = before && form.pinyin === before.pinyin ? undefined : form.pinyin;
		const values = {
			name: form.name,
			price: form.price,
			barcodes: JSON.stringify(form.barcode),
			category: form.category,
			pinyin: resolvePinyin(given, form.name, before),
			favourite: form.favourite ? 1 : 0
		};
		if (before) {
			const same = (Object.keys(values) as (keyof typeof values)[]).every(
				(k) => values[k] === before[k]
			);
			if (same) return { ok: true, product: view(before), changed: false };
			const version = next();
			await trx
				.updateTable('products')
				.set({ ...values, version, updated_at: now, updated_by: opts.by })
				.where('id', '=', before.id)
				.execute();
			return {
				ok: true,
				product: view({ ...before, ...values, version, updated_at: now, updated_by: opts.by }),
				changed: true
			};
		}
		const row = {
			id: randomUUID(),
			store_id: storeId,
			...values,
			version: next(),
			deleted: 0,
			active: 1,
			updated_at: now,
			updated_by: opts.by
		};
		await trx.insertInto('products').values(row).execute();
		return { ok: true, product: view(row), changed: true };
	});
}

/**
 * Takes a product off sale (the tills stop selling it at their next pull) or puts it back; or
 * makes it a favourite or not. Null when the store has no such product.
 */
export async function setProductFlag(
	db: Kysely<Database>,
	storeId: string,
	id: string,
	flag: 'active' | 'favourite',
	on: boolean,
	opts: { by: string | null; now?: number }
): Promise<AdminProduct | null> {
	const now = opts.now ?? Date.now();
	return writeCatalog(db, storeId, async (trx, next) => {
		const before = await trx
			.selectFrom('products')
			.selectAll()
			.where('id', '=', id)
			.where('store_id', '=', storeId)
			.where('deleted', '=', 0)
			.executeTakeFirst();
		if (!before) return null;
		const value = on ? 1 : 0;
		if (before[flag] === value) return view(before);
		const change = { [flag]: value, version: next(), updated_at: now, updated_by: opts.by };
		await trx.updateTable('products').set(change).where('id', '=', id).execute();
		return view({ ...before, ...change });
	});
}
