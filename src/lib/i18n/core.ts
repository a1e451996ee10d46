/**
 * The till's i18next setup, without Svelte: locales, typed keys, the instance factory and the
 * stored choice. i18n.svelte.ts wraps it for components.
 */
import i18next, { type i18n as I18next } from 'i18next';
import { en } from './en';
import { zhCN, type Messages } from './zh-CN';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';
/** localStorage key of the cashier's choice. */
export const LOCALE_STORAGE_KEY = 'till.locale';

/** Names shown in the language switch, each in its own language. */
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '中文', en: 'English' };

export const MESSAGES: Record<Locale, Messages> = { 'zh-CN': zhCN, en };

type PluralSuffix = '_one' | '_other';
type Paths<T, P extends string = ''> = {
	[K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];
type StripPlural<K extends string> = K extends `${infer B}${PluralSuffix}` ? B : K;

/** Every message key, plural keys by their base name ('cart.items' for cart.items_one/_other). */
export type MessageKey = StripPlural<Paths<Messages>>;

export type MessageVars = Record<string, string | number>;

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** 'en-US' → 'en', 'zh-Hans-CN' / 'zh' → 'zh-CN'; null for a language the till does not have. */
export function matchLocale(tag: string | null | undefined): Locale | null {
	if (!tag) return null;
	if (isLocale(tag)) return tag;
	const lang = tag.toLowerCase().split(/[-_]/)[0];
	if (lang === 'zh') return 'zh-CN';
	if (lang === 'en') return 'en';
	return null;
}

export type LocaleStorage = Pick<Storage, 'getItem' | 'setItem'>;

function defaultStorage(): LocaleStorage | null {
	try {
		return globalThis.localStorage ?? null;
	} catch {
		return null; // denied (sandboxed iframe, some private modes)
	}
}

export function loadLocale(storage: LocaleStorage | null = defaultStorage()): Locale {
	try {
		const stored = storage?.getItem(LOCALE_STORAGE_KEY);
		if (isLocale(stored)) return stored;
	} catch {
		// unreadable storage: fall back to the default
	}
	return DEFAULT_LOCALE;
}

export function storeLocale(
	locale: Locale,
	storage: LocaleStorage | null = defaultStorage()
): void {
	try {
		storage?.setItem(LOCALE_STORAGE_KEY, locale);
	} catch {
		// full or denied storage: the choice lasts for this page only
	}
}

/** A separate, synchronously initialised i18next instance (no global state, safe under SSR). */
export function createI18next(locale: Locale = DEFAULT_LOCALE): I18next {
	const instance = i18next.createInstance();
	void instance.init({
		lng: locale,
		fallbackLng: DEFAULT_LOCALE,
		supportedLngs: [...LOCALES],
		resources: {
			'zh-CN': { translation: zhCN },
			en: { translation: en }
		},
		// Resources are bundled, so init completes before it returns and t() works at once.
		initAsync: false,
		// Svelte escapes text itself; i18next escaping would show "&lt;" on screen.
		interpolation: { escapeValue: false },
		returnNull: false,
		// Its banner goes to stdout: it would land in `npm run -s admin` output read by scripts.
		showSupportNotice: false
	});
	return instance;
}
