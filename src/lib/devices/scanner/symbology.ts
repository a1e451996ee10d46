/**
 * The symbology of a scan from its AIM identifier (`]E0`, `]Q1`: ISO/IEC 15424), which HID POS
 * scanners put in every report. Only what the till can tell apart is named; the rest is the
 * AIM letter's family or null.
 */
export type Symbology =
	| 'ean13'
	| 'ean8'
	| 'upca'
	| 'upce'
	| 'code128'
	| 'gs1-128'
	| 'code39'
	| 'code93'
	| 'itf'
	| 'codabar'
	| 'qr'
	| 'datamatrix'
	| 'pdf417'
	| 'aztec';

const BY_LETTER: Record<string, Symbology> = {
	A: 'code39',
	F: 'codabar',
	G: 'code93',
	I: 'itf',
	L: 'pdf417',
	Q: 'qr',
	d: 'datamatrix',
	z: 'aztec'
};

export function symbologyFromAim(aim: string, code: string): Symbology | null {
	if (aim.length < 2 || aim[0] !== ']') return null;
	const letter = aim[1]!;
	const modifier = aim[2] ?? '0';
	if (letter === 'E') {
		// ]E0 is EAN-13 and UPC-A (sent as 13 digits or 12), ]E4 EAN-8; UPC-E comes as ]E0 too.
		if (modifier === '4') return 'ean8';
		if (code.length === 13) return 'ean13';
		if (code.length === 12) return 'upca';
		if (code.length === 8) return 'upce';
		return 'ean13';
	}
	if (letter === 'C') return modifier === '1' ? 'gs1-128' : 'code128';
	return BY_LETTER[letter] ?? null;
}
