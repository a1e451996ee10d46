/**
 * Teegon's times (`time_paid` in the charge reply, `pay_time` in the notification) are Unix
 * seconds, as a number or as text; 0 or empty means "not paid". The till keeps ISO 8601.
 */
export function isoFromUnixSeconds(v: unknown): string | null {
	const seconds = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
	if (typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds > 0 && seconds < 1e11)
		return new Date(seconds * 1000).toISOString();
	return null;
}
