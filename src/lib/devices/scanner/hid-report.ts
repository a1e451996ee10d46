/**
 * HID POS (usage page 0x8C) scanned-data reports → one code.
 *
 * The report is the one Honeywell, Zebra, Datalogic and the Chinese HID POS scanners send
 * (report id 2, 63 bytes after the id, as the USB "HID Point of Sale Usage Tables" scanned data
 * report lays it out and @point-of-sale/webhid-barcode-scanner reads it):
 *
 *   byte 0       number of code bytes in this report (0–56)
 *   bytes 1–3    AIM symbology identifier, e.g. `]E0` (some firmware puts one byte before it)
 *   bytes 4–59   code bytes
 *   byte 60      the vendor's own symbology id (Honeywell)
 *   byte 62      bit 0 set: the code continues in the next report
 *
 * A QR code longer than 56 bytes comes in several reports; they are joined here, and the bytes
 * decoded once at the end, so a UTF-8 character cut between two reports comes out whole (the
 * byte-by-byte decoding of @point-of-sale/webhid-barcode-scanner garbles all non-ASCII text).
 */
import { decodeScanBytes, stripSuffix } from './decode';
import { symbologyFromAim, type Symbology } from './symbology';

export const HID_POS_USAGE_PAGE = 0x8c;
/** Usage 0x02 of page 0x8C: "Barcode Scanner". */
export const HID_POS_SCANNER_USAGE = 0x02;
export const HID_POS_DATA_REPORT_ID = 0x02;

const AIM_START = 0x5d; // ']'
const MAX_DATA = 56;
const CONTINUED_AT = 62;

export interface HidReportPart {
	aim: string;
	bytes: Uint8Array;
	continued: boolean;
}

/** Reads one scanned-data report; null for another report or one that is not scan data. */
export function parseHidPosReport(reportId: number, data: DataView): HidReportPart | null {
	if (reportId !== HID_POS_DATA_REPORT_ID || data.byteLength < 5) return null;
	const length = data.getUint8(0);
	const shift = data.getUint8(1) === AIM_START ? 0 : data.getUint8(2) === AIM_START ? 1 : -1;
	if (shift < 0 || length > MAX_DATA) return null;
	const start = 4 + shift;
	const end = Math.min(start + length, data.byteLength);
	const bytes = new Uint8Array(data.buffer, data.byteOffset + start, end - start).slice();
	const aim = String.fromCharCode(
		data.getUint8(1 + shift),
		data.getUint8(2 + shift),
		data.getUint8(3 + shift)
	);
	const continued = data.byteLength > CONTINUED_AT && (data.getUint8(CONTINUED_AT) & 1) === 1;
	return { aim, bytes, continued };
}

export interface JoinedScan {
	code: string;
	aim: string;
	symbology: Symbology | null;
}

/**
 * Joins the parts of one code, per device. A code whose next part never comes (the scanner was
 * unplugged mid-code) is dropped when a part arrives more than `staleMs` later.
 */
export class HidReportJoiner {
	#parts: Uint8Array[] = [];
	#size = 0;
	#aim = '';
	#lastAt = 0;
	readonly #staleMs: number;

	constructor(staleMs = 500) {
		this.#staleMs = staleMs;
	}

	/** Feeds one report; returns the code when this report ends one. */
	push(reportId: number, data: DataView, at: number): JoinedScan | null {
		const part = parseHidPosReport(reportId, data);
		if (!part) return null;
		if (this.#parts.length > 0 && at - this.#lastAt > this.#staleMs) this.reset();
		this.#lastAt = at;
		if (this.#parts.length === 0) this.#aim = part.aim;
		this.#parts.push(part.bytes);
		this.#size += part.bytes.length;
		if (part.continued) return null;
		const all = new Uint8Array(this.#size);
		let offset = 0;
		for (const p of this.#parts) {
			all.set(p, offset);
			offset += p.length;
		}
		const aim = this.#aim;
		this.reset();
		const code = stripSuffix(decodeScanBytes(all));
		if (!code) return null;
		return { code, aim, symbology: symbologyFromAim(aim, code) };
	}

	reset(): void {
		this.#parts = [];
		this.#size = 0;
		this.#aim = '';
	}
}
