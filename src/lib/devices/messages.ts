/**
 * The counter hardware's strings are the `devices` section of the till's messages
 * (src/lib/i18n/zh-CN.ts, en.ts). Statuses and print results name them without the prefix
 * (`print.fallbackFailed`), so the device modules stay free of the till's i18n instance;
 * `devicesKey` gives the till's full key, `devicesT` a translator over the section.
 */
import type { MessageKey, MessageVars } from '$lib/i18n/core';
import type { Messages } from '$lib/i18n/zh-CN';

type Paths<T, P extends string = ''> = {
	[K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];

export type DevicesMessageKey = Paths<Messages['devices']>;

export type DevicesT = (key: DevicesMessageKey, vars?: MessageVars) => string;

/** 'print.printed' → 'devices.print.printed', for the till's notices. */
export function devicesKey(key: DevicesMessageKey): MessageKey {
	return `devices.${key}` as MessageKey;
}

/** A translator over the section; reactive where `i18n.t` is (it reads the locale). */
export function devicesT(i18n: { t: (key: MessageKey, vars?: MessageVars) => string }): DevicesT {
	return (key, vars) => i18n.t(devicesKey(key), vars);
}
