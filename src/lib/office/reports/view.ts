/** Small pure helpers of the report pages. */

export interface Option {
	id: string;
	name: string;
}

/** "+12.5%", "−3.0%", "—" without a previous figure: in tenths of a percent, in integers. */
export function changeText(now: number, before: number): string {
	if (before === 0) return now === 0 ? '0%' : '—';
	const tenths = Math.round(((now - before) * 1000) / before);
	const sign = tenths > 0 ? '+' : tenths < 0 ? '−' : '';
	const abs = Math.abs(tenths);
	return `${sign}${Math.trunc(abs / 10)}.${abs % 10}%`;
}

/** The query text of a report with some of its parameters changed (null: left out). */
export function reportQuery(
	report: { storeId: string; tillId: string | null; from: string; to: string },
	over: Record<string, string | null>
): string {
	const q = new URLSearchParams();
	const base: Record<string, string | null> = {
		store: report.storeId,
		till: report.tillId,
		from: report.from,
		to: report.to,
		...over
	};
	for (const [k, v] of Object.entries(base)) if (v) q.set(k, v);
	return `?${q}`;
}

export const shiftDate = (date: string, days: number) => shift(date, days);

const shift = (date: string, days: number) => {
	const d = new Date(`${date}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
};

/** Today, yesterday, the last 7 days and this month, from the store's local today. */
export function quickRanges(today: string) {
	return [
		{ key: 'officeReports.today', from: today, to: today },
		{ key: 'officeReports.yesterday', from: shift(today, -1), to: shift(today, -1) },
		{ key: 'officeReports.last7', from: shift(today, -6), to: today },
		{ key: 'officeReports.thisMonth', from: `${today.slice(0, 8)}01`, to: today }
	] as const;
}
