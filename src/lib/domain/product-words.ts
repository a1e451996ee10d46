/**
 * An issue of a product form or CSV row in words, "第 3 行 价格：应为……" — through the i18n
 * messages (catalogField.*, catalogIssue.*), so the page and the command line say the same.
 */
import { formatYuan } from './money';
import { PRODUCT_LIMITS, type FieldIssue } from './product-input';
import { MAX_FEN } from './sale';

type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** The limits the words name, filled in for every issue. */
function limitsOf(issue: FieldIssue): Record<string, string | number> {
	const max =
		issue.code === 'priceTooHigh'
			? formatYuan(MAX_FEN)
			: issue.code === 'barcodeTooMany'
				? PRODUCT_LIMITS.barcodes
				: issue.field === 'name' || issue.field === 'category' || issue.field === 'pinyin'
					? PRODUCT_LIMITS[issue.field]
					: '';
	return { max, ...issue.vars };
}

/** "价格：应为以元为单位的金额……" (the field, then the rule it breaks). */
export function issueText(t: Translate, issue: FieldIssue): string {
	return t('catalogIssue.format', {
		field: t(`catalogField.${issue.field}`),
		rule: t(`catalogIssue.${issue.code}`, limitsOf(issue))
	});
}

/** The rule only, for a message shown beside its field. */
export function issueRule(t: Translate, issue: FieldIssue): string {
	return t(`catalogIssue.${issue.code}`, limitsOf(issue));
}
