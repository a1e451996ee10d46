/**
 * ESC/POS commands for 58/80 mm Chinese thermal printers, as bytes.
 *
 * Our own builder rather than `@point-of-sale/receipt-printer-encoder`: its text path cannot
 * encode Chinese, and its `initialize()` sends the command that turns the printer's Chinese
 * mode off (its maintainer: single-byte code pages only). What it does well — drawer pulse,
 * cut, QR code — is a handful of fixed sequences, written out below with the command names of
 * the ESC/POS reference so they can be checked against a printer's manual.
 */
import { encodeGb18030 } from './gb18030';

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const LF = 0x0a;

export type Align = 'left' | 'center' | 'right';

/** Which drawer connector pin the kick pulses: pin 2 is what most drawers use, pin 5 the rest. */
export type DrawerPin = 2 | 5;

export class EscPos {
	#chunks: Uint8Array[] = [];
	#size = 0;
	/** Characters written as `?` (no GB18030 two-byte form). */
	unencodable = 0;

	#push(bytes: Uint8Array | number[]): this {
		const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
		this.#chunks.push(b);
		this.#size += b.length;
		return this;
	}

	/** ESC @ (reset), then FS & (Chinese character mode on): reset leaves the mode as the printer's setting. */
	initialize(): this {
		return this.#push([ESC, 0x40, FS, 0x26]);
	}

	/** ESC a n */
	align(align: Align): this {
		return this.#push([ESC, 0x61, align === 'left' ? 0 : align === 'center' ? 1 : 2]);
	}

	/** ESC E n */
	bold(on: boolean): this {
		return this.#push([ESC, 0x45, on ? 1 : 0]);
	}

	/**
	 * GS ! n for half-width characters and FS ! n for Chinese ones (some printers size the two
	 * separately). Width 2 halves the columns of a line; height 2 keeps them.
	 */
	size(width: 1 | 2, height: 1 | 2): this {
		const gs = ((width - 1) << 4) | (height - 1);
		const fs = (width === 2 ? 0x04 : 0) | (height === 2 ? 0x08 : 0);
		return this.#push([GS, 0x21, gs, FS, 0x21, fs]);
	}

	/** Text in GB18030 (no line feed). */
	text(text: string): this {
		const { bytes, unencodable } = encodeGb18030(text);
		this.unencodable += unencodable;
		return this.#push(bytes);
	}

	line(text = ''): this {
		return this.text(text).#push([LF]);
	}

	/** ESC d n: feed n lines. */
	feed(lines: number): this {
		return this.#push([ESC, 0x64, Math.max(0, Math.min(255, lines))]);
	}

	/**
	 * GS ( k: QR code, model 2, error correction M, module `size` dots. The data is ASCII (a
	 * receipt number); Chinese would need the printer's GB18030/UTF-8 QR mode, which varies.
	 */
	qr(data: string, size = 6): this {
		const bytes = new TextEncoder().encode(data);
		const len = bytes.length + 3;
		return this.#push([GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0]) // fn 165: model 2
			.#push([GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, Math.max(1, Math.min(16, size))]) // fn 167
			.#push([GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31]) // fn 169: level M
			.#push([GS, 0x28, 0x6b, len & 0xff, len >> 8, 0x31, 0x50, 0x30]) // fn 180: store
			.#push(bytes)
			.#push([GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30]); // fn 181: print
	}

	/**
	 * GS k m=73: CODE128 in code set B, with the human-readable text below (GS H 2).
	 * `moduleDots` is GS w; the caller picks one that fits the paper (see receipt.ts).
	 */
	code128(data: string, moduleDots: number, heightDots = 80): this {
		const bytes = Array.from(new TextEncoder().encode(`{B${data}`));
		return this.#push([GS, 0x48, 2]) // HRI below
			.#push([GS, 0x68, Math.max(1, Math.min(255, heightDots))])
			.#push([GS, 0x77, Math.max(1, Math.min(6, moduleDots))])
			.#push([GS, 0x6b, 73, bytes.length, ...bytes]);
	}

	/** GS V 66 n: feed to the cutter (plus n dots), then a partial cut. */
	cut(): this {
		return this.#push([GS, 0x56, 66, 0]);
	}

	/** ESC p m t1 t2: a 50 ms pulse, then 500 ms off, on the drawer connector's pin. */
	drawerKick(pin: DrawerPin = 2): this {
		return this.#push([ESC, 0x70, pin === 2 ? 0 : 1, 25, 250]);
	}

	raw(bytes: Uint8Array | number[]): this {
		return this.#push(bytes);
	}

	encode(): Uint8Array {
		const out = new Uint8Array(this.#size);
		let at = 0;
		for (const c of this.#chunks) {
			out.set(c, at);
			at += c.length;
		}
		return out;
	}
}
