/**
 * What a product may be, as the back office's form and each row of a catalog CSV give it:
 * one set of valibot schemas for both, so a file and a form refuse the same things. Every
 * issue's message is a code (`IssueCode`); the page words it in the user's language
 * (i18n `catalogIssue.*`), the command line in English (server/catalog-words.ts).
 */
import * as v from 'valibot';
import { parseYuan, type Fen } from './money';
import { MAX_FEN } from './sale';
import { charLength, textProblem } from './text';

export const PRODUCT_LIMITS = {
	name: 100,
	category: 30,
	pinyin: 32,
	barcode: 32,
	barcodes: 20,
	/** The largest price, yuan: what a sale line may carry (domain/sale.ts). */
	maxPrice: '100000000.00'
} as const;

/** The fields of a product the owner edits; also the CSV's columns. */
export const PRODUCT_FIELDS = [
	'name',
	'price',
	'barcode',
	'category',
	'pinyin',
	'favourite',
	'active'
] as const;
export type ProductField = (typeof PRODUCT_FIELDS)[number];

export type IssueCode =
	| 'required'
	| 'tooLong'
	| 'badText'
	| 'priceFormat'
	| 'priceTooHigh'
	| 'barcodeFormat'
	| 'barcodeScientific'
	| 'barcodeTooMany'
	| 'pinyinFormat'
	| 'flagFormat'
	/** Another product of the store has this barcode (the form). */
	| 'barcodeTaken'
	/** Another row of the same file names this barcode. */
	| 'barcodeInTwoRows'
	/** The row's barcodes belong to more than one product. */
	| 'barcodeTwoProducts'
	/** Two rows of the file reach one existing product. */
	| 'sameProductTwoRows'
	/** Someone else changed the product since the form was opened. */
	| 'stale'
	/** The file as a whole (field `file`): */
	| 'encoding'
	| 'empty'
	| 'missingColumn'
	| 'duplicateColumn'
	| 'tooManyRows'
	| 'tooLarge'
	| 'badQuotes';

export interface FieldIssue {
	field: ProductField | 'file' | 'version';
	code: IssueCode;
	/** What the words need: the other row, the barcode, the other product's name. */
	vars?: Record<string, string | number>;
}

/** Tabs and line breaks inside a cell (Excel's Alt+Enter) become one space: one product, one line. */
function oneLine(text: string): string {
	return text.replace(/[\t\r\n]+/g, ' ').trim();
}

const text = (max: number) =>
	v.pipe(
		v.string('required'),
		v.transform(oneLine),
		v.check((s) => charLength(s) <= max, 'tooLong'),
		v.check((s) => textProblem(s) === null, 'badText')
	);

const nameSchema = v.pipe(
	text(PRODUCT_LIMITS.name),
	v.check((s) => s.length > 0, 'required')
);

/** "3.50", "3.5", "¥3.50", "1,280.00" → fen. Excel writes prices in any of these. */
export function priceText(raw: string): Fen | null {
	let s = raw.trim().replace(/^[¥￥]\s*/, '');
	if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(s)) s = s.replace(/,/g, '');
	return parseYuan(s);
}

const priceSchema = v.pipe(
	v.string('required'),
	v.transform((s) => s.trim()),
	v.check((s) => s.length > 0, 'required'),
	v.transform(priceText),
	v.check((fen) => fen !== null, 'priceFormat'),
	v.transform((fen) => fen as Fen),
	v.check((fen) => fen <= MAX_FEN, 'priceTooHigh')
);

/** Excel shows a long number as 6.90123E+12 and saves it so: the digits are gone. */
const SCIENTIFIC = /^\d+(\.\d+)?e\+?\d+$/i;
const BARCODE = /^[0-9A-Za-z-]{1,32}$/;

/** Several barcodes: separated by |, commas, 、 or spaces. */
const barcodesSchema = v.pipe(
	v.optional(v.string(), ''),
	v.check((s) => !SCIENTIFIC.test(s.trim()), 'barcodeScientific'),
	v.transform((s) => [...new Set(s.split(/[|,，、;；\s]+/).filter(Boolean))]),
	v.check((codes) => codes.every((c) => BARCODE.test(c)), 'barcodeFormat'),
	v.check((codes) => codes.length <= PRODUCT_LIMITS.barcodes, 'barcodeTooMany')
);

/** Empty → null: no category. */
const categorySchema = v.pipe(
	text(PRODUCT_LIMITS.category),
	v.transform((s) => (s === '' ? null : s))
);

/** Empty → null: the server computes the initials from the name. */
const pinyinSchema = v.pipe(
	v.string('required'),
	v.transform((s) => s.trim().toLowerCase().replace(/\s+/g, ' ')),
	v.check((s) => s.length <= PRODUCT_LIMITS.pinyin, 'tooLong'),
	v.check((s) => /^[a-z0-9 ]*$/.test(s), 'pinyinFormat'),
	v.transform((s) => (s === '' ? null : s))
);

const YES = ['1', 'yes', 'y', 'true', '是', 'on', '√'];
const NO = ['', '0', 'no', 'n', 'false', '否', 'off', '×'];

/** A yes/no cell or checkbox: 1/0, yes/no, true/false, 是/否; empty is no. */
const flagSchema = v.pipe(
	v.string('flagFormat'),
	v.transform((s) => s.trim().toLowerCase()),
	v.check((s) => YES.includes(s) || NO.includes(s), 'flagFormat'),
	v.transform((s) => YES.includes(s))
);

/**
 * A product as the back-office form posts it. A checkbox left unticked is absent: no.
 * `pinyin` null: compute it from the name.
 */
export const ProductFormSchema = v.object({
	name: nameSchema,
	price: priceSchema,
	barcode: barcodesSchema,
	category: v.optional(categorySchema, ''),
	pinyin: v.optional(pinyinSchema, ''),
	favourite: v.optional(flagSchema, '')
});
export type ProductForm = v.InferOutput<typeof ProductFormSchema>;

/**
 * One CSV row. A column the file does not have is absent (undefined), and an update then keeps
 * what the product has; an empty `pinyin` cell (null) is computed from the name.
 */
export const ProductRowSchema = v.object({
	name: nameSchema,
	price: priceSchema,
	barcode: barcodesSchema,
	category: v.optional(categorySchema),
	pinyin: v.optional(pinyinSchema),
	favourite: v.optional(flagSchema),
	active: v.optional(flagSchema)
});
export type ProductRow = v.InferOutput<typeof ProductRowSchema>;

/** The issues of a failed parse, one per field (the first rule it breaks). */
export function fieldIssues(issues: readonly v.BaseIssue<unknown>[]): FieldIssue[] {
	const out: FieldIssue[] = [];
	for (const issue of issues) {
		const key = issue.path?.[0]?.key;
		const field = (PRODUCT_FIELDS as readonly unknown[]).includes(key)
			? (key as ProductField)
			: 'file';
		if (out.some((o) => o.field === field)) continue;
		const code = issue.message as IssueCode;
		out.push({ field, code: KNOWN_CODES.has(code) ? code : 'required' });
	}
	return out;
}

const KNOWN_CODES = new Set<IssueCode>([
	'required',
	'tooLong',
	'badText',
	'priceFormat',
	'priceTooHigh',
	'barcodeFormat',
	'barcodeScientific',
	'barcodeTooMany',
	'pinyinFormat',
	'flagFormat'
]);

/** Parses a product form (FormData as an object of strings). */
export function parseProductForm(
	input: Record<string, unknown>
): { ok: true; value: ProductForm } | { ok: false; issues: FieldIssue[] } {
	const r = v.safeParse(ProductFormSchema, input, { abortPipeEarly: true });
	return r.success ? { ok: true, value: r.output } : { ok: false, issues: fieldIssues(r.issues) };
}

/** Parses one CSV row (cells by column, absent columns left out). */
export function parseProductRow(
	input: Record<string, string>
): { ok: true; value: ProductRow } | { ok: false; issues: FieldIssue[] } {
	const r = v.safeParse(ProductRowSchema, input, { abortPipeEarly: true });
	return r.success ? { ok: true, value: r.output } : { ok: false, issues: fieldIssues(r.issues) };
}
