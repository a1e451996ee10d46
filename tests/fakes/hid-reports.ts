/**
 * HID POS scanned-data reports as a scanner sends them (the layout in
 * src/lib/devices/scanner/hid-report.ts): 63 bytes after report id 2, at most 56 code bytes each,
 * the last byte's bit 0 set on every report but the last. Built in Node for the unit tests and
 * handed to the fake navigator.hid (hid.ts) in the browser tests.
 */
export const HID_POS_REPORT_ID = 2;

export function hidPosReports(
	code: string,
	aim = ']E0',
	options: { shifted?: boolean; chunk?: number } = {}
): Uint8Array[] {
	const bytes = new TextEncoder().encode(code);
	const chunk = options.chunk ?? 56;
	const shift = options.shifted ? 1 : 0;
	const reports: Uint8Array[] = [];
	for (let at = 0; at < bytes.length || reports.length === 0; at += chunk) {
		const part = bytes.subarray(at, at + chunk);
		const r = new Uint8Array(63);
		r[0] = part.length;
		for (let i = 0; i < 3; i++) r[1 + shift + i] = aim.charCodeAt(i);
		r.set(part, 4 + shift);
		r[62] = at + chunk < bytes.length ? 1 : 0;
		reports.push(r);
	}
	return reports;
}
