/**
 * The catalog as a CSV file, both ways: the bytes a shop's Excel saves (UTF-8 with or without
 * a BOM, GBK/GB18030 from a Chinese Windows, UTF-16 "Unicode text"), parsed with papaparse
 * (quoted cells may hold commas, quotes and line breaks), each row checked by the same valibot
 * schema as the back-office form; and the export, in the same format, which Excel opens with
 * the Chinese intact (a BOM) and without running any cell as a formula.
 */
import Papa from 'papaparse';
import { formatYuan } from '../domain/money';
import {
	parseProductRow,
	type FieldIssue,
	type ProductField,
	type ProductRow
} from '../domain/product-input';
import type { ImportRow } from './catalog-import';

/** Each column's English key (the command line's header), its Chinese header, and other names Excel files use. */
export const CSV_COLUMNS: Record<ProductField, { en: string; zh: string; aliases: string[] }> = {
	name: { en: 'name', zh: '名称', aliases: ['商品名称', '品名', '商品名', '商品'] },
	price: { en: 'price', zh: '价格', aliases: ['售价', '单价', '零售价', '价格(元)', '价格（元）'] },
	barcode: { en: 'barcode', zh: '条码', aliases: ['barcodes', '条形码', '商品条码'] },
	category: { en: 'category', zh: '分类', aliases: ['类别', '品类'] },
	pinyin: { en: 'pinyin', zh: '拼音码', aliases: ['拼音', '助记码', '简拼'] },
	favourite: { en: 'favourite', zh: '常用', aliases: ['favorite'] },
	active: { en: 'active', zh: '在售', aliases: ['启用'] }
};
const REQUIRED: ProductField[] = ['name', 'price', 'barcode'];

/** More rows than a shop's catalog has; bounds the work one upload can ask for. */
export const MAX_IMPORT_ROWS = 10_000;
/** The largest file read (the request body limit is 512 KiB by default, README). */
export const MAX_IMPORT_BYTES = 4 * 1024 * 1024;

export type CsvEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

/** A file that cannot be read at all; its issue's field is `file`. */
export class CsvFileError extends Error {
	constructor(readonly issue: FieldIssue) {
		super(`file: ${issue.code}${issue.vars ? ` ${JSON.stringify(issue.vars)}` : ''}`);
		this.name = 'CsvFileError';
	}
}

function fileError(code: FieldIssue['code'], vars?: FieldIssue['vars']): CsvFileError {
	return new CsvFileError({ field: 'file', code, ...(vars ? { vars } : {}) });
}

const startsWith = (b: Uint8Array, sig: number[]) => sig.every((x, i) => b[i] === x);

/**
 * The file's text. A BOM says the encoding; without one, UTF-8 if the bytes are valid UTF-8
 * (GBK text almost never is), else GB18030 (a superset of GBK, what Excel on a Chinese Windows
 * writes as "CSV").
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
	if (bytes.length > MAX_IMPORT_BYTES) throw fileError('tooLarge', { max: MAX_IMPORT_BYTES });
	const attempts: [CsvEncoding, number][] = startsWith(bytes, [0xef, 0xbb, 0xbf])
		? [['utf-8', 3]]
		: startsWith(bytes, [0xff, 0xfe])
			? [['utf-16le', 2]]
			: startsWith(bytes, [0xfe, 0xff])
				? [['utf-16be', 2]]
				: startsWith(bytes, [0x84, 0x31, 0x95, 0x33])
					? [['gb18030', 4]]
					: [
							['utf-8', 0],
							['gb18030', 0]
						];
	for (const [encoding, skip] of attempts) {
		try {
			const text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(
				bytes.subarray(skip)
			);
			return { text, encoding };
		} catch {
			// not this encoding: the next, or the error below
		}
	}
	throw fileError('encoding');
}

export interface CsvRow {
	/** The row as Excel numbers it: the header is row 1. */
	row: number;
	/** The cells of the known columns, as written. */
	cells: Partial<Record<ProductField, string>>;
	result: { ok: true; value: ProductRow } | { ok: false; issues: FieldIssue[] };
}

export interface ParsedCsv {
	columns: ProductField[];
	/** Header cells that name no column (left alone). */
	ignored: string[];
	rows: CsvRow[];
}

function columnOf(header: string): ProductField | null {
	const h = header.trim().toLowerCase();
	for (const [field, c] of Object.entries(CSV_COLUMNS) as [
		ProductField,
		(typeof CSV_COLUMNS)[ProductField]
	][])
		if (h === c.en || h === c.zh || c.aliases.includes(h)) return field;
	return null;
}

/** The delimiter the header line uses most: Excel writes `,`, or `;` in some locales, tab as "Unicode text". */
function delimiterOf(text: string): string {
	const first = text.slice(0, text.search(/\r?\n|$/));
	const counts = [',', '\t', ';'].map((d) => [d, first.split(d).length - 1] as const);
	const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
	return best[1] > 0 ? best[0] : ',';
}

/** The export's guard against formulae ('=…' written as "'=…"), taken off again on import. */
const ESCAPED_FORMULA = /^'(?=[=+\-@\t\r])/;

/**
 * Parses the file's text (from decodeCsv). A file that cannot be a catalog (no header with
 * name, price and barcode; too many rows) throws CsvFileError; each row otherwise gets its own
 * result, bad rows with every field at fault.
 */
export function parseCatalogCsv(text: string): ParsedCsv {
	const body = text.replace(/^\uFEFF/, '');
	const parsed = Papa.parse<string[]>(body, { delimiter: delimiterOf(body), header: false });
	const records = parsed.data;
	const badQuotes = new Set(
		parsed.errors.filter((e) => e.type === 'Quotes').map((e) => e.row ?? -1)
	);
	const blank = (r: string[]) => r.every((c) => c.trim() === '');
	const headerAt = records.findIndex((r) => !blank(r));
	if (headerAt < 0) throw fileError('empty');
	const columns: (ProductField | null)[] = records[headerAt]!.map(columnOf);
	const ignored = records[headerAt]!.filter((_, i) => columns[i] === null).filter(Boolean);
	for (const field of Object.keys(CSV_COLUMNS) as ProductField[])
		if (columns.filter((c) => c === field).length > 1)
			throw fileError('duplicateColumn', { column: CSV_COLUMNS[field].zh });
	for (const field of REQUIRED)
		if (!columns.includes(field))
			throw fileError('missingColumn', { column: CSV_COLUMNS[field].zh });
	const rows: CsvRow[] = [];
	for (let i = headerAt + 1; i < records.length; i++) {
		const record = records[i]!;
		if (blank(record)) continue;
		if (rows.length >= MAX_IMPORT_ROWS) throw fileError('tooManyRows', { max: MAX_IMPORT_ROWS });
		const cells: Partial<Record<ProductField, string>> = {};
		columns.forEach((field, c) => {
			if (field) cells[field] = (record[c] ?? '').replace(ESCAPED_FORMULA, '');
		});
		const result = badQuotes.has(i)
			? { ok: false as const, issues: [{ field: 'file' as const, code: 'badQuotes' as const }] }
			: parseProductRow(cells as Record<string, string>);
		rows.push({ row: i + 1, cells, result });
	}
	return { columns: columns.filter((c): c is ProductField => c !== null), ignored, rows };
}

/** A product as the export writes it. */
export interface ExportProduct {
	name: string;
	price: number;
	barcodes: string[];
	category: string | null;
	pinyin: string | null;
	favourite: boolean;
	active: boolean;
}

/**
 * The catalog as CSV, with a BOM so Excel reads it as UTF-8, CRLF line ends, and cells that
 * would start a formula prefixed with ' (papaparse's escapeFormulae). Importing it again
 * changes nothing.
 */
export function catalogCsv(products: ExportProduct[], headers: 'en' | 'zh' = 'zh'): string {
	const fields = (Object.keys(CSV_COLUMNS) as ProductField[]).map((f) => CSV_COLUMNS[f][headers]);
	const data = products.map((p) => [
		p.name,
		formatYuan(p.price),
		p.barcodes.join('|'),
		p.category ?? '',
		p.pinyin ?? '',
		p.favourite ? '1' : '0',
		p.active ? '1' : '0'
	]);
	return (
		'\uFEFF' + Papa.unparse({ fields, data }, { escapeFormulae: true, newline: '\r\n' }) + '\r\n'
	);
}

/** A parsed row as the import takes it: the product it gives, or why it gives none. */
export function toImportRow(r: CsvRow): ImportRow {
	if (!r.result.ok)
		return {
			row: r.row,
			input: null,
			issues: r.result.issues,
			...(r.cells.name ? { name: r.cells.name } : {})
		};
	const { barcode, ...rest } = r.result.value;
	return { row: r.row, input: { ...rest, barcodes: barcode } };
}
