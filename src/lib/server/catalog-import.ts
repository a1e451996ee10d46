/**
 * Importing products into a store's catalog: which row inserts, updates or leaves which
 * product, and why a row cannot be imported — the same plan for the dry run (nothing written)
 * and the import (written in one transaction, and only if no row is bad). A row with barcodes
 * updates the product that has one of them (active or not); a row without one updates the
 * barcode-less product of the same name. A row that changes nothing writes nothing, so the
 * same file imported twice changes nothing the second time.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Fen } from '../domain/money';
import type { FieldIssue, ProductField } from '../domain/product-input';
import type { Database, Product } from './db/schema';
import { pinyinInitials } from './pinyin';

/**
 * A product as a row gives it. An absent (undefined) field keeps what an existing product has
 * (a new one: no category, not favourite, active); `pinyin` null is computed from the name.
 */
export interface ImportInput {
	name: string;
	price: Fen;
	barcodes: string[];
	category?: string | null;
	pinyin?: string | null;
	favourite?: boolean;
	active?: boolean;
}

export interface ImportRow {
	/** The row's number in the file (or the product's place in a list), for the messages. */
	row: number;
	input: ImportInput | null;
	/** Why the row could not be read (then `input` is null). */
	issues?: FieldIssue[];
	/** A bad row's name as written, to say which product it was. */
	name?: string;
}

export type RowAction = 'insert' | 'update' | 'unchanged' | 'error';

export interface RowPlan {
	row: number;
	action: RowAction;
	name: string | null;
	/** The product it updates or leaves, if one. */
	productId: string | null;
	/** The fields an update changes. */
	changed: ProductField[];
	issues: FieldIssue[];
}

export interface ImportPlan {
	rows: RowPlan[];
	inserts: number;
	updates: number;
	unchanged: number;
	errors: number;
	/** The store's catalog version the plan was made against. */
	version: number;
}

/** The store's catalog version: the highest version of its products (0: none yet). */
export async function catalogVersion(db: Kysely<Database>, storeId: string): Promise<number> {
	const row = await db
		.selectFrom('products')
		.select((eb) => eb.fn.max('version').as('v'))
		.where('store_id', '=', storeId)
		.executeTakeFirst();
	return Number(row?.v ?? 0);
}

/** The stored fields of a product, as compared and written. */
interface Stored {
	name: string;
	price: number;
	barcodes: string;
	category: string | null;
	pinyin: string | null;
	favourite: number;
	active: number;
}

const FIELD_OF: Record<keyof Stored, ProductField> = {
	name: 'name',
	price: 'price',
	barcodes: 'barcode',
	category: 'category',
	pinyin: 'pinyin',
	favourite: 'favourite',
	active: 'active'
};

/**
 * The pinyin a product gets: the one given, or the name's initials. When only the name changes,
 * initials that were computed follow the new name; initials the owner typed stay.
 */
export function resolvePinyin(
	given: string | null | undefined,
	name: string,
	before?: Pick<Product, 'name' | 'pinyin'>
): string | null {
	if (given) return given;
	if (given === undefined && before) {
		const wasComputed = !before.pinyin || before.pinyin === pinyinInitials(before.name);
		if (!wasComputed) return before.pinyin;
	}
	return pinyinInitials(name) || null;
}

function storedOf(input: ImportInput, before: Product | undefined): Stored {
	return {
		name: input.name,
		price: input.price,
		barcodes: JSON.stringify(input.barcodes),
		category: input.category !== undefined ? input.category : (before?.category ?? null),
		pinyin: resolvePinyin(input.pinyin, input.name, before),
		favourite: input.favourite !== undefined ? (input.favourite ? 1 : 0) : (before?.favourite ?? 0),
		active: input.active !== undefined ? (input.active ? 1 : 0) : (before?.active ?? 1)
	};
}

interface Planned extends RowPlan {
	values?: Stored;
}

/** The plan for `rows` against the store's products as they are (`existing`, not deleted). */
export function planRows(existing: Product[], rows: ImportRow[], version: number): ImportPlan {
	const byId = new Map(existing.map((e) => [e.id, e]));
	const byBarcode = new Map<string, string>();
	const unbarcodedByName = new Map<string, string>();
	for (const e of existing) {
		const codes = JSON.parse(e.barcodes) as string[];
		for (const b of codes) byBarcode.set(b, e.id);
		if (codes.length === 0 && !unbarcodedByName.has(e.name)) unbarcodedByName.set(e.name, e.id);
	}
	// Which row names each barcode first, and which row reaches each existing product first.
	const barcodeRow = new Map<string, number>();
	const productRow = new Map<string, number>();
	const newByName = new Map<string, number>();
	const planned: Planned[] = rows.map(({ row, input, issues, name }) => {
		const base = { row, name: input?.name ?? (name?.trim() || null), productId: null, changed: [] };
		if (!input) return { ...base, action: 'error', issues: issues ?? [] };
		const found: FieldIssue[] = [];
		for (const b of input.barcodes) {
			const other = barcodeRow.get(b);
			if (other !== undefined && other !== row)
				found.push({
					field: 'barcode',
					code: 'barcodeInTwoRows',
					vars: { barcode: b, row: other }
				});
			else barcodeRow.set(b, row);
		}
		const ids =
			input.barcodes.length === 0
				? [unbarcodedByName.get(input.name)].filter((x): x is string => !!x)
				: [...new Set(input.barcodes.map((b) => byBarcode.get(b)).filter((x): x is string => !!x))];
		if (ids.length > 1)
			found.push({
				field: 'barcode',
				code: 'barcodeTwoProducts',
				vars: { names: ids.map((id) => byId.get(id)!.name).join('、') }
			});
		const id = ids.length === 1 ? ids[0]! : undefined;
		if (id !== undefined) {
			const other = productRow.get(id);
			if (other !== undefined)
				found.push({
					field: 'barcode',
					code: 'sameProductTwoRows',
					vars: { row: other, name: byId.get(id)!.name }
				});
			else productRow.set(id, row);
		} else if (input.barcodes.length === 0) {
			// Two barcode-less rows of one name would make two products no scan can tell apart.
			const other = newByName.get(input.name);
			if (other !== undefined)
				found.push({
					field: 'name',
					code: 'sameProductTwoRows',
					vars: { row: other, name: input.name }
				});
			else newByName.set(input.name, row);
		}
		if (found.length) return { ...base, action: 'error', issues: found };
		const before = id === undefined ? undefined : byId.get(id);
		const values = storedOf(input, before);
		if (!before) return { ...base, action: 'insert', issues: [], values };
		const changed = (Object.keys(values) as (keyof Stored)[])
			.filter((k) => values[k] !== before[k])
			.map((k) => FIELD_OF[k]);
		return {
			...base,
			productId: before.id,
			action: changed.length ? 'update' : 'unchanged',
			changed,
			issues: [],
			values
		};
	});
	const count = (a: RowAction) => planned.filter((p) => p.action === a).length;
	return {
		rows: planned,
		inserts: count('insert'),
		updates: count('update'),
		unchanged: count('unchanged'),
		errors: count('error'),
		version
	};
}

async function liveProducts(db: Kysely<Database>, storeId: string): Promise<Product[]> {
	return db
		.selectFrom('products')
		.selectAll()
		.where('store_id', '=', storeId)
		.where('deleted', '=', 0)
		.execute();
}

/** The dry run: what importing `rows` would do, nothing written. */
export async function previewImport(
	db: Kysely<Database>,
	storeId: string,
	rows: ImportRow[]
): Promise<ImportPlan> {
	const version = await catalogVersion(db, storeId);
	return publicPlan(planRows(await liveProducts(db, storeId), rows, version));
}

/**
 * Runs `write` as the store's one catalog writer, numbering its changes after the last
 * committed one: a device that pulled version N must never be handed a change numbered N or
 * below later. The store row's lock (PostgreSQL) or the write lock (SQLite) is held until
 * commit; max(version) is read only after it.
 */
export async function writeCatalog<T>(
	db: Kysely<Database>,
	storeId: string,
	write: (trx: Transaction<Database>, next: () => number, version: number) => Promise<T>
): Promise<T> {
	return db.transaction().execute(async (trx) => {
		await trx.updateTable('stores').set({ id: storeId }).where('id', '=', storeId).execute();
		let version = await catalogVersion(trx, storeId);
		return write(trx, () => ++version, version);
	});
}

export interface ImportOptions {
	/** The back-office user importing; null from the command line. */
	by?: string | null;
	/** Import only if the catalog is still at this version (what the preview was made against). */
	expectVersion?: number;
	now?: number;
}

export type ImportResult = ImportPlan & {
	/** False: nothing was written (a bad row, or the catalog changed since the preview). */
	applied: boolean;
	/** Not applied because the catalog moved on since `expectVersion`. */
	stale: boolean;
	/** The catalog's version after the import. */
	latest: number;
};

/** Imports `rows` in one transaction, or nothing when any row is bad. */
export async function applyImport(
	db: Kysely<Database>,
	storeId: string,
	rows: ImportRow[],
	opts: ImportOptions = {}
): Promise<ImportResult> {
	const now = opts.now ?? Date.now();
	return writeCatalog(db, storeId, async (trx, next, version) => {
		const plan = planRows(await liveProducts(trx, storeId), rows, version);
		const stale = opts.expectVersion !== undefined && opts.expectVersion !== version;
		if (plan.errors > 0 || stale)
			return { ...publicPlan(plan), applied: false, stale, latest: version };
		let latest = version;
		for (const p of plan.rows as Planned[]) {
			if (!p.values || p.action === 'unchanged') continue;
			latest = next();
			const values = { ...p.values, version: latest, updated_at: now, updated_by: opts.by ?? null };
			if (p.action === 'update')
				await trx.updateTable('products').set(values).where('id', '=', p.productId!).execute();
			else {
				const id = randomUUID();
				await trx
					.insertInto('products')
					.values({ id, store_id: storeId, deleted: 0, ...values })
					.execute();
				p.productId = id;
			}
		}
		return { ...publicPlan(plan), applied: true, stale: false, latest };
	});
}

/** The plan without what it would write. */
function publicPlan(plan: ImportPlan): ImportPlan {
	return {
		...plan,
		rows: plan.rows.map(({ values: _values, ...row }: Planned) => row)
	};
}
