/**
 * Reading ESC/POS bytes back in tests: hex for the committed fixtures, and a small interpreter
 * of the commands src/lib/devices/printer/escpos.ts writes, which yields the printed lines (text
 * decoded with TextDecoder('gb18030'), and the character width they were printed at) and a view
 * of the stream with every command named, for reading a fixture's diff.
 */

export function toHex(bytes: Uint8Array): string {
	let out = '';
	for (let i = 0; i < bytes.length; i += 32) {
		out += [...bytes.subarray(i, i + 32)].map((b) => b.toString(16).padStart(2, '0')).join('');
		out += '\n';
	}
	return out;
}

export function fromHex(hex: string): Uint8Array {
	const clean = hex.replace(/\s+/g, '');
	const out = new Uint8Array(clean.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
	return out;
}

export interface Command {
	name: string;
	bytes: number[];
}

/** Length of the command at `i`, or 0 when the byte there is text. */
function commandAt(b: Uint8Array, i: number): Command | null {
	const x = b[i]!;
	const y = b[i + 1];
	const take = (name: string, n: number): Command => ({ name, bytes: [...b.subarray(i, i + n)] });
	if (x === 0x1b) {
		if (y === 0x40) return take('ESC @', 2);
		if (y === 0x61) return take('ESC a', 3);
		if (y === 0x45) return take('ESC E', 3);
		if (y === 0x64) return take('ESC d', 3);
		if (y === 0x70) return take('ESC p', 5);
	}
	if (x === 0x1c) {
		if (y === 0x26) return take('FS &', 2);
		if (y === 0x21) return take('FS !', 3);
	}
	if (x === 0x1d) {
		if (y === 0x21) return take('GS !', 3);
		if (y === 0x56) return take('GS V', 4);
		if (y === 0x48) return take('GS H', 3);
		if (y === 0x68) return take('GS h', 3);
		if (y === 0x77) return take('GS w', 3);
		if (y === 0x6b) return take('GS k', 4 + b[i + 3]!);
		if (y === 0x28 && b[i + 2] === 0x6b) return take('GS ( k', 5 + b[i + 3]! + 256 * b[i + 4]!);
	}
	return null;
}

export function commands(bytes: Uint8Array): Command[] {
	const out: Command[] = [];
	for (let i = 0; i < bytes.length;) {
		const c = commandAt(bytes, i);
		if (c) {
			out.push(c);
			i += c.bytes.length;
		} else i++;
	}
	return out;
}

/** The printed lines, each with the character width (GS ! high nibble + 1) it printed at. */
export function printedLines(bytes: Uint8Array): { text: string; width: number }[] {
	const lines: { text: string; width: number }[] = [];
	let text: number[] = [];
	let width = 1;
	const dec = new TextDecoder('gb18030');
	for (let i = 0; i < bytes.length;) {
		const c = commandAt(bytes, i);
		if (c) {
			if (c.name === 'GS !') width = (c.bytes[2]! >> 4) + 1;
			i += c.bytes.length;
			continue;
		}
		if (bytes[i] === 0x0a) {
			lines.push({ text: dec.decode(Uint8Array.from(text)), width });
			text = [];
		} else text.push(bytes[i]!);
		i++;
	}
	return lines;
}

/** The stream as text: printed text decoded, each command as ‹NAME args›. */
export function gbView(bytes: Uint8Array): string {
	const dec = new TextDecoder('gb18030');
	let out = '';
	let text: number[] = [];
	const flush = () => {
		out += dec.decode(Uint8Array.from(text));
		text = [];
	};
	for (let i = 0; i < bytes.length;) {
		const c = commandAt(bytes, i);
		if (c) {
			flush();
			const args = c.bytes.slice(c.name.split(' ').length);
			out += `‹${c.name}${args.length ? ' ' + args.map((a) => a.toString(16).padStart(2, '0')).join(' ') : ''}›`;
			i += c.bytes.length;
			continue;
		}
		text.push(bytes[i]!);
		i++;
	}
	flush();
	return out;
}
