// Draws the till's PWA icons (a white 收 made of strokes on the till red) and writes them as
// PNG files in static/. No image tools or fonts needed: `node scripts/make-pwa-icons.mjs`.
// The output is committed; run this again only to change the artwork.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const RED = [0xb9, 0x1c, 0x1c];
const WHITE = [0xff, 0xff, 0xff];

/** The strokes of 收 in a unit square: [x1, y1, x2, y2]. */
const STROKES = [
	[0.24, 0.3, 0.24, 0.6], // 丩: short left stroke
	[0.39, 0.2, 0.39, 0.82], // 丩: long stroke
	[0.24, 0.64, 0.42, 0.54], // 丩: rising tick
	[0.6, 0.18, 0.54, 0.38], // 攵: top slant
	[0.55, 0.36, 0.84, 0.36], // 攵: cross stroke
	[0.78, 0.4, 0.5, 0.82], // 攵: left sweep
	[0.6, 0.52, 0.86, 0.82] // 攵: right sweep
];

function segmentDistance(px, py, [x1, y1, x2, y2]) {
	const dx = x2 - x1;
	const dy = y2 - y1;
	const t = Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy)));
	return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

function insideRoundedSquare(x, y, radius) {
	const cx = Math.min(Math.max(x, radius), 1 - radius);
	const cy = Math.min(Math.max(y, radius), 1 - radius);
	return Math.hypot(x - cx, y - cy) <= radius;
}

/**
 * @param {number} size pixels
 * @param {{ maskable: boolean }} options maskable: full-bleed background and the glyph inside
 *   the central safe circle (radius 40 %), as maskable icons require.
 */
function draw(size, { maskable }) {
	const SS = 4; // supersampling per axis
	const glyphScale = maskable ? 0.62 : 0.86;
	const stroke = 0.052;
	const pixels = Buffer.alloc(size * size * 4);
	for (let py = 0; py < size; py++) {
		for (let px = 0; px < size; px++) {
			let bg = 0;
			let fg = 0;
			for (let sy = 0; sy < SS; sy++) {
				for (let sx = 0; sx < SS; sx++) {
					const x = (px + (sx + 0.5) / SS) / size;
					const y = (py + (sy + 0.5) / SS) / size;
					if (!maskable && !insideRoundedSquare(x, y, 0.19)) continue;
					bg++;
					const gx = (x - 0.5) / glyphScale + 0.5;
					const gy = (y - 0.5) / glyphScale + 0.5;
					if (STROKES.some((s) => segmentDistance(gx, gy, s) <= stroke)) fg++;
				}
			}
			const i = (py * size + px) * 4;
			const f = bg ? fg / bg : 0;
			for (let c = 0; c < 3; c++) pixels[i + c] = Math.round(RED[c] * (1 - f) + WHITE[c] * f);
			pixels[i + 3] = Math.round((255 * bg) / (SS * SS));
		}
	}
	return png(size, pixels);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(buf) {
	let c = 0xffffffff;
	for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([len, body, crc]);
}

function png(size, rgba) {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(size, 0);
	header.writeUInt32BE(size, 4);
	header[8] = 8; // bit depth
	header[9] = 6; // RGBA
	const raw = Buffer.alloc(size * (size * 4 + 1));
	for (let y = 0; y < size; y++) {
		raw[y * (size * 4 + 1)] = 0; // filter: none
		rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(raw, { level: 9 })),
		chunk('IEND', Buffer.alloc(0))
	]);
}

const out = new URL('../static/', import.meta.url);
const icons = [
	['pwa-192x192.png', 192, false],
	['pwa-512x512.png', 512, false],
	['maskable-icon-512x512.png', 512, true],
	['apple-touch-icon-180x180.png', 180, true]
];
for (const [name, size, maskable] of icons) {
	writeFileSync(new URL(name, out), draw(size, { maskable }));
	console.log(`static/${name}`);
}
