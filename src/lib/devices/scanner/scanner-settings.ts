/**
 * Per-device scanner settings, JSON in localStorage['till.scanner'] (README, "At the counter"):
 * `suffixlessTimeoutMs` (20–500), `allowSuffixless`, `endOnCompleteCode`, and `preset` (one of
 * WEDGE_PRESETS, the explicit keys winning over it). What is not understood is ignored with a
 * warning, so a typo never stops the scanner.
 */ import { WEDGE_PRESETS, type WedgeOptions } from './wedge';

export const SCANNER_SETTINGS_KEY = 'till.scanner';

export type ScannerSettings = Pick<
	WedgeOptions<unknown>,
	'suffixlessTimeoutMs' | 'allowSuffixless' | 'endOnCompleteCode' | 'maxGapMs' | 'avgGapMs'
>;

export function readScannerSettings(
	storage: Pick<Storage, 'getItem'> | null | undefined
): ScannerSettings {
	const text = storage?.getItem(SCANNER_SETTINGS_KEY);
	if (!text) return {};
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		console.warn(`${SCANNER_SETTINGS_KEY}: not JSON; using the default scanner settings`);
		return {};
	}
	if (!value || typeof value !== 'object') return {};
	const v = value as Record<string, unknown>;
	const settings: ScannerSettings = {};
	if (v.preset !== undefined) {
		if (typeof v.preset === 'string' && Object.hasOwn(WEDGE_PRESETS, v.preset))
			Object.assign(settings, WEDGE_PRESETS[v.preset as keyof typeof WEDGE_PRESETS]);
		else
			console.warn(
				`${SCANNER_SETTINGS_KEY}.preset: must be one of ${Object.keys(WEDGE_PRESETS).join(', ')}; ignored`
			);
	}
	const ms = v.suffixlessTimeoutMs;
	if (ms !== undefined) {
		if (Number.isInteger(ms) && (ms as number) >= 20 && (ms as number) <= 500)
			settings.suffixlessTimeoutMs = ms as number;
		else
			console.warn(
				`${SCANNER_SETTINGS_KEY}.suffixlessTimeoutMs: must be a whole number from 20 to 500; ignored`
			);
	}
	for (const flag of ['allowSuffixless', 'endOnCompleteCode'] as const) {
		if (v[flag] === undefined) continue;
		if (typeof v[flag] === 'boolean') settings[flag] = v[flag];
		else console.warn(`${SCANNER_SETTINGS_KEY}.${flag}: must be true or false; ignored`);
	}
	return settings;
}
