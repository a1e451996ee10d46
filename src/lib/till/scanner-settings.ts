/**
 * Per-device scanner settings, kept in localStorage under `till.scanner` as JSON, for hardware
 * or devices that need other than the detector's defaults (src/lib/till/wedge.ts):
 * - `suffixlessTimeoutMs` (20–500): how long after its last key a burst without Enter/Tab is
 *   decided. Default 40 ms. A device so busy that a scanner's keys reach the page late (the
 *   CI machine that runs the browser tests is one) can wait longer before it decides. It does
 *   not join keys more than `maxGapMs` (40 ms) apart into one fast scan: a scan with such a
 *   hiccup is read by the slow tier only if it ends with Enter/Tab or is a proven code.
 * - `allowSuffixless` (true/false): false reads only scans that end with Enter/Tab.
 * - `endOnCompleteCode` (true/false): true for a scanner set to send no suffix: a product or
 *   payment code is read on its last digit instead of after the silence (see wedge.ts).
 * - `preset` ('standard' | 'slowScanner' | 'suffixlessScanner'): one of `WEDGE_PRESETS` (wedge.ts),
 *   e.g. 'slowScanner' for a Zebra-like scanner typing 80–100 ms apart, whose codes the defaults
 *   take for typing. The keys above, when also given, win over the preset's.
 * Anything else in the stored value is ignored, with a console warning.
 */
import { WEDGE_PRESETS, type WedgeOptions } from './wedge';

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
