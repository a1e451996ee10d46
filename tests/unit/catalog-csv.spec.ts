/**
 * The catalog CSV as shops' files are: Excel on a Chinese Windows (GBK, CRLF, a name with a
 * line break in it), UTF-8 with a BOM, Excel's number mangling; and the export read back.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
	catalogCsv,
	CsvFileError,
	decodeCsv,
	parseCatalogCsv,
	type ExportProduct
} from '../../src/lib/server/catalog-csv';
import { issueWords } from '../../src/lib/server/catalog-words';
import { pinyinInitials } from '../../src/lib/server/pinyin';

const utf8 = (s: string) => new TextEncoder().encode(s);
const values = (text: string) =>
	parseCatalogCsv(text).rows.map((r) => (r.result.ok ? r.result.value : r.result.issues));

describe('reading the file', () => {
	test('GBK from Excel on a Chinese Windows, with CRLF and a quoted line break', () => {
		const { text, encoding } = decodeCsv(readFileSync('tests/fixtures/catalog-gbk.csv'));
		expect(encoding).toBe('gb18030');
		const parsed = parseCatalogCsv(text);
		expect(parsed.columns).toEqual(['name', 'price', 'barcode', 'category', 'pinyin', 'favourite']);
		expect(parsed.rows.map((r) => r.row)).toEqual([2, 3, 4]);
		expect(values(text)).toEqual([
			{
				name: '可口可乐 330ml',
				price: 350,
				barcode: ['6901234560022'],
				category: '饮料',
				pinyin: null,
				favourite: true
			},
			// One product, one line: the line break in the cell becomes a space.
			{
				name: '康师傅 红烧牛肉面',
				price: 450,
				barcode: ['6901234560039'],
				category: '方便食品',
				pinyin: null,
				favourite: false
			},
			{
				name: '旺旺雪饼, 大包',
				price: 1250,
				barcode: ['6901234560060', '6901234560077'],
				category: '零食',
				pinyin: 'wwxb',
				favourite: false
			}
		]);
	});

	test('UTF-8 with and without a BOM, and GB18030 with its own BOM, read alike', () => {
		const csv = 'name,price,barcode\n伊利纯牛奶,3.00,6901234560046\n';
		const gb = new Uint8Array([
			0x84,
			0x31,
			0x95,
			0x33,
			...readFileSync('tests/fixtures/catalog-gbk.csv')
		]);
		expect(decodeCsv(utf8(csv))).toEqual({ text: csv, encoding: 'utf-8' });
		expect(decodeCsv(utf8('\uFEFF' + csv))).toEqual({ text: csv, encoding: 'utf-8' });
		expect(decodeCsv(gb).text.startsWith('名称,价格')).toBe(true);
		// A BOM that reached the text anyway is not part of the first header.
		expect(parseCatalogCsv('\uFEFF' + csv).columns).toEqual(['name', 'price', 'barcode']);
	});

	test('UTF-16 "Unicode text" from Excel: tab separated', () => {
		const text = '名称\t价格\t条码\r\n可乐\t3.5\t6901234560022\r\n';
		const bytes = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(text, 'utf16le'))]);
		const decoded = decodeCsv(bytes);
		expect(decoded.encoding).toBe('utf-16le');
		expect(values(decoded.text)).toEqual([
			{ name: '可乐', price: 350, barcode: ['6901234560022'] }
		]);
	});

	test('a file without the required columns, or no text at all, is refused as a whole', () => {
		const fileIssue = (text: string) => {
			try {
				parseCatalogCsv(text);
			} catch (e) {
				if (e instanceof CsvFileError) return e.issue;
			}
			return null;
		};
		expect(fileIssue('name,price\n可乐,3.50\n')).toEqual({
			field: 'file',
			code: 'missingColumn',
			vars: { column: '条码' }
		});
		expect(fileIssue('\n\n')).toMatchObject({ code: 'empty' });
		expect(fileIssue('名称,name,价格,条码\n')).toMatchObject({ code: 'duplicateColumn' });
		expect(() => decodeCsv(new Uint8Array([0x81, 0x20, 0xff]))).toThrow(CsvFileError);
	});
});

describe('each row', () => {
	test('every bad field is named, in Chinese and in English', () => {
		const text =
			'名称,价格,条码,常用\n,3.50,123,1\n可乐,3.555,6.90123E+12,1\n雪碧,abc,6901#,maybe\n';
		const rows = parseCatalogCsv(text).rows;
		expect(rows.map((r) => (r.result.ok ? [] : r.result.issues.map((i) => i.code)))).toEqual([
			['required'],
			['priceFormat', 'barcodeScientific'],
			['priceFormat', 'barcodeFormat', 'flagFormat']
		]);
		const issue = rows[1]!.result.ok ? null : rows[1]!.result.issues[1]!;
		expect(issueWords(issue!, 'zh-CN')).toMatch(/^条码：Excel 把条码变成了科学计数法/);
		expect(issueWords(issue!, 'en')).toMatch(/^Barcode: Excel turned the barcode/);
	});

	test('prices as Excel writes them: 3.5, ¥3.50, 1,280.00', () => {
		const text = 'name,price,barcode\nA,3.5,1\nB,¥3.50,2\nC,"1,280.00",3\n';
		expect(values(text).map((v) => (Array.isArray(v) ? v : v.price))).toEqual([350, 350, 128000]);
	});

	test('a column the file lacks stays absent (an update keeps it); an empty pinyin is computed', () => {
		const [row] = values('name,price,barcode,pinyin\n农夫山泉,2,1,\n');
		expect(row).toEqual({ name: '农夫山泉', price: 200, barcode: ['1'], pinyin: null });
		expect(pinyinInitials('农夫山泉 550ml')).toBe('nfsq');
	});

	test('a row with an unbalanced quote is an error of its own', () => {
		const rows = parseCatalogCsv('name,price,barcode\nA,1,1\n"B,2,2\n').rows;
		expect(rows.at(-1)!.result).toMatchObject({ ok: false, issues: [{ code: 'badQuotes' }] });
	});
});

describe('the export', () => {
	const products: ExportProduct[] = [
		{
			name: '=HYPERLINK("http://x")',
			price: 350,
			barcodes: ['6901234560022', '-123'],
			category: '饮料',
			pinyin: 'kl',
			favourite: true,
			active: true
		},
		{
			name: '康师傅 "经典" 面, 大碗',
			price: 450,
			barcodes: [],
			category: null,
			pinyin: null,
			favourite: false,
			active: false
		}
	];

	test('starts with a BOM (Excel then reads UTF-8), CRLF, and no cell runs as a formula', () => {
		const csv = catalogCsv(products);
		expect(csv.startsWith('\uFEFF名称,价格,条码,分类,拼音码,常用,在售\r\n')).toBe(true);
		expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
		expect(csv).not.toMatch(/(^|,)=/m);
	});

	test('reads back as what it was written from, with either header', () => {
		for (const headers of ['zh', 'en'] as const) {
			const { text } = decodeCsv(utf8(catalogCsv(products, headers)));
			expect(values(text)).toEqual(
				products.map((p) => ({
					name: p.name,
					price: p.price,
					barcode: p.barcodes,
					category: p.category,
					pinyin: p.pinyin,
					favourite: p.favourite,
					active: p.active
				}))
			);
		}
	});
});
