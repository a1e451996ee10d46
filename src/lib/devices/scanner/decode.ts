/**
 * Bytes of a scanned code → text. Codes are ASCII almost always; a QR code with Chinese text is
 * UTF-8 by the QR standard's ECI or by habit (WeChat, Alipay, most generators), and GBK from some
 * older Chinese generators. So: UTF-8 when the bytes are valid UTF-8, else GB18030, never byte by
 * byte (which turns every Chinese character into three Latin ones).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
let gb: TextDecoder | null = null;

export function decodeScanBytes(bytes: Uint8Array): string {
	let ascii = true;
	for (let i = 0; i < bytes.length; i++) {
		if (bytes[i]! >= 0x80) {
			ascii = false;
			break;
		}
	}
	if (ascii) {
		let s = '';
		for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
		return s;
	}
	try {
		return utf8.decode(bytes);
	} catch {
		gb ??= new TextDecoder('gb18030');
		return gb.decode(bytes);
	}
}

/** A scanner's own suffix (CR, LF, Tab) is not part of the code. */
export function stripSuffix(text: string): string {
	return text.replace(/[\r\n\t]+$/, '');
}
