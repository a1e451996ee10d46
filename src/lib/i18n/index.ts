export * from './core';
export { I18n, findI18n, getI18n, setI18nContext, type I18nOptions } from './i18n.svelte';
export { refusalKey, REFUSAL_PATTERNS, type RefusalKey } from './refusals';
export type { Messages } from './zh-CN';
