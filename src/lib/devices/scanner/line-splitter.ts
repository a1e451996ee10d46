/**
 * A serial scanner's byte stream → codes, one per line. Reads end anywhere: a code, or its CR LF,
 * may be cut between two reads, so the bytes of an unfinished line wait for the next read.
 * Lines are split on bytes, then decoded (decode.ts), so a UTF-8 character cut between two reads
 * is not garbled.
 *
 * - 'cr': a line ends at CR; an LF right after it (a scanner set to CR LF) is dropped.
 * - 'lf': a line ends at LF; a CR before it is dropped.
 * - 'crlf': a line ends at CR LF; a stray CR or LF inside a line is dropped from the code.
 */
import { decodeScanBytes } from './decode';

export type LineEnding = 'cr' | 'lf' | 'crlf';
export const LINE_ENDINGS: readonly LineEnding[] = ['cr', 'lf', 'crlf'];

const CR = 0x0d;
const LF = 0x0a;
/** A line longer than this is not a scan (a port at the wrong baud rate reads garbage). */
const MAX_LINE = 4096;

export class LineSplitter {
	readonly ending: LineEnding;
	#buf = new Uint8Array(256);
	#len = 0;
	/** 'cr': the previous byte ended a line at CR, so an LF now is its pair. */
	#afterCr = false;

	constructor(ending: LineEnding = 'cr') {
		this.ending = ending;
	}

	/** Feeds one read; returns the codes it completed (empty lines skipped). */
	push(chunk: Uint8Array): string[] {
		const out: string[] = [];
		for (let i = 0; i < chunk.length; i++) {
			const b = chunk[i]!;
			if (this.ending === 'cr') {
				if (b === LF && this.#afterCr) {
					this.#afterCr = false;
					continue;
				}
				this.#afterCr = b === CR;
				if (b === CR) {
					this.#flush(out);
					continue;
				}
			} else if (this.ending === 'lf') {
				if (b === LF) {
					this.#flush(out);
					continue;
				}
			} else if (b === LF && this.#len > 0 && this.#buf[this.#len - 1] === CR) {
				this.#len--;
				this.#flush(out);
				continue;
			}
			this.#append(b);
		}
		return out;
	}

	/** Bytes waiting for their line ending. */
	get pending(): number {
		return this.#len;
	}

	reset(): void {
		this.#len = 0;
		this.#afterCr = false;
	}

	#append(b: number): void {
		if (this.#len === MAX_LINE) return; // drops the excess; the line is rejected at its end
		if (this.#len === this.#buf.length) {
			const bigger = new Uint8Array(this.#buf.length * 2);
			bigger.set(this.#buf);
			this.#buf = bigger;
		}
		this.#buf[this.#len++] = b;
	}

	#flush(out: string[]): void {
		const len = this.#len;
		this.#len = 0;
		if (len === 0 || len === MAX_LINE) return;
		const text = decodeScanBytes(this.#buf.subarray(0, len))
			.replace(/[\r\n]/g, '')
			.trim();
		if (text) out.push(text);
	}
}
