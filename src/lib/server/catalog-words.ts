/** Product issues in words on the server side (the command line, thrown errors). */
import { createI18next, type Locale } from '../i18n/core';
import type { FieldIssue } from '../domain/product-input';
import { issueText } from '../domain/product-words';

const instances = new Map<Locale, ReturnType<typeof createI18next>>();

export function issueWords(issue: FieldIssue, locale: Locale = 'en'): string {
	let i18n = instances.get(locale);
	if (!i18n) instances.set(locale, (i18n = createI18next(locale)));
	const t = (key: string, vars?: Record<string, string | number>) => i18n!.t(key, vars ?? {});
	return issueText(t, issue);
}
