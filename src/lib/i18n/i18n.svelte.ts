/**
 * Reactive i18n for Svelte 5 components: `i18n.t('cart.total')` in markup re-renders when
 * `i18n.locale` changes, because `t` reads the `$state` locale.
 *
 * One instance per app, handed down with setI18nContext() in the root layout (not a module
 * singleton: this module also runs on the server). Components that find no context get a fresh
 * zh-CN instance, so a receipt still renders in isolation.
 */
import { getContext, hasContext, setContext } from 'svelte';
import type { i18n as I18next } from 'i18next';
import {
	createI18next,
	DEFAULT_LOCALE,
	isLocale,
	loadLocale,
	storeLocale,
	type Locale,
	type LocaleStorage,
	type MessageKey,
	type MessageVars
} from './core';

export interface I18nOptions {
	/** Starting locale; default: the stored choice, else zh-CN. */
	locale?: Locale;
	/** Where the choice persists; default localStorage, null for nowhere. */
	storage?: LocaleStorage | null;
}

export class I18n {
	locale: Locale = $state(DEFAULT_LOCALE);
	readonly #i18next: I18next;
	readonly #storage: LocaleStorage | null | undefined;

	constructor(options: I18nOptions = {}) {
		this.#storage = options.storage;
		const stored = this.#storage === undefined ? loadLocale() : loadLocale(this.#storage);
		this.locale = options.locale ?? stored;
		this.#i18next = createI18next(this.locale);
	}

	/** Translates `key`; `count` in `vars` picks the plural form. */
	t = (key: MessageKey, vars?: MessageVars): string => {
		const lng = this.locale;
		return this.#i18next.t(key, { ...vars, lng });
	};

	/** Switches the language and remembers the choice on this device. */
	setLocale(locale: Locale): void {
		if (!isLocale(locale)) return;
		this.locale = locale;
		void this.#i18next.changeLanguage(locale);
		if (this.#storage === undefined) storeLocale(locale);
		else storeLocale(locale, this.#storage);
	}

	/** Date and time in the device's time zone, 24-hour: "2026/11/26 14:03:05". */
	dateTime = (value: string | Date): string => {
		const time = typeof value === 'string' ? Date.parse(value) : value.getTime();
		if (Number.isNaN(time)) return String(value);
		return new Intl.DateTimeFormat(this.locale, {
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			hourCycle: 'h23'
		}).format(time);
	};
}

const KEY = Symbol('till.i18n');

export function setI18nContext(i18n: I18n): I18n {
	return setContext(KEY, i18n);
}

/** The app's I18n from context (call during component init), or undefined outside an app. */
export function findI18n(): I18n | undefined {
	return hasContext(KEY) ? getContext<I18n>(KEY) : undefined;
}

/** The app's I18n from context, or a fresh zh-CN one outside an app (tests, isolated renders). */
export function getI18n(): I18n {
	return findI18n() ?? new I18n({ storage: null });
}
