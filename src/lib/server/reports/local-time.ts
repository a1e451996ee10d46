/**
 * The shop's local clock. Reports bucket sales by the store's local hour: a sale's `local
 * hour` is the number of whole hours from 1970-01-01 00:00 *local wall time* to the sale's
 * wall time, so hour % 24 is the hour of day and floor(hour / 24) the local day, in integers
 * on both engines. China has one fixed offset (UTC+8); zones with summer time work too, by
 * their wall clock (the repeated autumn hour falls in one bucket).
 */

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SLOT = 15 * 60_000; // offsets change on quarter hours at most

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();

/** True for an IANA time zone this server knows ("Asia/Shanghai", "UTC"). */
export function isTimeZone(tz: unknown): tz is string {
	if (typeof tz !== 'string' || tz.length < 1 || tz.length > 64) return false;
	try {
		formatter(tz);
		return true;
	} catch {
		return false;
	}
}

function formatter(tz: string): Intl.DateTimeFormat {
	let f = formatters.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: tz,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric'
		});
		formatters.set(tz, f);
	}
	return f;
}

/** Milliseconds to add to a UTC instant to get the zone's wall time then (+8 h for Shanghai). */
export function offsetAt(utcMs: number, tz: string): number {
	let byZone = offsets.get(tz);
	if (!byZone) offsets.set(tz, (byZone = new Map()));
	const slot = Math.floor(utcMs / SLOT);
	let off = byZone.get(slot);
	if (off === undefined) {
		const at = slot * SLOT;
		const p: Record<string, number> = {};
		for (const x of formatter(tz).formatToParts(new Date(at))) p[x.type] = Number(x.value);
		const part = (k: string) => p[k] ?? 0;
		const wall = Date.UTC(
			part('year'),
			part('month') - 1,
			part('day'),
			part('hour'),
			part('minute'),
			part('second')
		);
		off = wall - at;
		if (byZone.size > 200_000) byZone.clear();
		byZone.set(slot, off);
	}
	return off;
}

/** The local hour (see above) of an instant. */
export function localHourOf(utcMs: number, tz: string): number {
	return Math.floor((utcMs + offsetAt(utcMs, tz)) / HOUR);
}

/** The local day number (days from 1970-01-01 local) of a local hour. */
export const dayOfHour = (hour: number): number => Math.floor(hour / 24);

/** "2026-12-03" for a local day number, and back. */
export function dateOfDay(day: number): string {
	return new Date(day * DAY).toISOString().slice(0, 10);
}

const DATE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** The local day number of "YYYY-MM-DD", or null if it is not a real date. */
export function dayOfDate(text: string): number | null {
	const m = DATE.exec(text);
	if (!m) return null;
	const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
	const day = ms / DAY;
	return dateOfDay(day) === text ? day : null;
}

/** The local day number of an instant in a zone (today: localDay(Date.now(), tz)). */
export const localDayOf = (utcMs: number, tz: string): number => dayOfHour(localHourOf(utcMs, tz));

/** The UTC instant at which local wall time `wallMs` happens (the first one, around a change). */
export function instantOfWall(wallMs: number, tz: string): number {
	let guess = wallMs - offsetAt(wallMs, tz);
	guess = wallMs - offsetAt(guess, tz);
	return guess;
}

/** "2026-12-03 14:05:09", the wall time of an instant in the zone. */
export function localTimeText(utcMs: number, tz: string): string {
	const wall = new Date(utcMs + offsetAt(utcMs, tz)).toISOString();
	return `${wall.slice(0, 10)} ${wall.slice(11, 19)}`;
}
