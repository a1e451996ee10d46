/**
 * The camera ScanSource, for a counter with no scanner: the customer's payment code (QR or
 * CODE128) or a product barcode read from the device's camera with the browser's own
 * `BarcodeDetector`.
 *
 * Native detector only, no polyfill. Android and ChromeOS Chromium (the tablets and Chromebooks
 * the till runs on) and macOS have a working one. Linux Chromium exposes a constructor that
 * detects nothing, and Windows/Firefox have none: there `getSupportedFormats()` answers no
 * formats (or the API is missing), and the source says the camera cannot scan. The
 * `barcode-detector` polyfill would cover those, but it fetches ≈410 KB of zxing wasm from a CDN
 * unless told otherwise; serving it from the app means precaching it in the service worker and
 * `'wasm-unsafe-eval'` in the CSP, for devices that have a scanner anyway. Left out on purpose.
 *
 * A camera sees the same code in many frames: one code is one scan until it has left the
 * picture for `repeatMs` (scanning the same product twice means showing it twice).
 */
import type { ScanEmit, ScanSource } from '$lib/devices/scanner/scanner';
import { isSecure, StatusEmitter, errorVars } from '../status';
import type { DeviceScanEvent } from './events';

interface DetectedBarcode {
	rawValue: string;
	format: string;
}
interface BarcodeDetectorLike {
	detect(image: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
	new (options?: { formats: string[] }): BarcodeDetectorLike;
	getSupportedFormats(): Promise<string[]>;
}

/** Payment codes are QR (WeChat, Alipay) or CODE128 (the barcode under it); products EAN/UPC. */
export const CAMERA_FORMATS = ['qr_code', 'code_128', 'ean_13', 'ean_8', 'upc_a'] as const;

export type CameraSupport = 'ok' | 'insecure' | 'no-camera' | 'no-detector';

function detectorClass(): BarcodeDetectorClass | null {
	const c = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
	return typeof c === 'function' ? c : null;
}

/** Whether this browser can scan with the camera: a detector that knows our formats. */
export async function cameraSupport(): Promise<{ support: CameraSupport; formats: string[] }> {
	if (!isSecure()) return { support: 'insecure', formats: [] };
	if (!globalThis.navigator?.mediaDevices?.getUserMedia)
		return { support: 'no-camera', formats: [] };
	const Detector = detectorClass();
	if (!Detector) return { support: 'no-detector', formats: [] };
	let supported: string[] = [];
	try {
		supported = await Detector.getSupportedFormats();
	} catch {
		supported = [];
	}
	const formats = CAMERA_FORMATS.filter((f) => supported.includes(f));
	return { support: formats.length > 0 ? 'ok' : 'no-detector', formats };
}

export interface CameraScanOptions {
	name?: string;
	/** Where the picture is shown (the settings page's or the till's preview); else off-screen. */
	video?: HTMLVideoElement;
	/** Between two detections; detection takes 5–30 ms of a tablet's CPU. */
	intervalMs?: number;
	repeatMs?: number;
}

export class CameraScanSource extends StatusEmitter implements ScanSource {
	readonly name: string;
	#video: HTMLVideoElement | null;
	readonly #intervalMs: number;
	readonly #repeatMs: number;
	#stream: MediaStream | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#running = false;
	/** code → when it was last seen in the picture. */
	readonly #seen = new Map<string, number>();

	constructor(options: CameraScanOptions = {}) {
		super({ state: 'idle', devices: [] });
		this.name = options.name ?? 'camera';
		this.#video = options.video ?? null;
		this.#intervalMs = options.intervalMs ?? 120;
		this.#repeatMs = options.repeatMs ?? 1500;
	}

	/** Shows the picture in `video` (call before start, or while running). */
	attach(video: HTMLVideoElement | null): void {
		this.#video = video;
		if (video && this.#stream) {
			video.srcObject = this.#stream;
			void video.play().catch(() => undefined);
		}
	}

	/** Opens the camera (the browser asks the user the first time) and scans until `stop`. */
	async start(emit: ScanEmit): Promise<void> {
		if (this.#running) return;
		const { support, formats } = await cameraSupport();
		if (support !== 'ok') {
			this.setStatus({
				state: 'unsupported',
				devices: [],
				message:
					support === 'insecure'
						? 'status.insecure'
						: support === 'no-camera'
							? 'camera.noCamera'
							: 'camera.noDetector'
			});
			return;
		}
		const Detector = detectorClass()!;
		this.#running = true;
		this.setStatus({ state: 'connecting', devices: [] });
		let stream: MediaStream;
		try {
			stream = await navigator.mediaDevices.getUserMedia({
				video: { facingMode: { ideal: 'environment' } },
				audio: false
			});
		} catch (error) {
			this.#running = false;
			const denied = error instanceof DOMException && error.name === 'NotAllowedError';
			this.setStatus({
				state: 'error',
				devices: [],
				message: denied ? 'camera.denied' : 'status.failed',
				vars: errorVars(error)
			});
			return;
		}
		if (!this.#running) {
			for (const t of stream.getTracks()) t.stop();
			return;
		}
		this.#stream = stream;
		const video = this.#video ?? document.createElement('video');
		this.#video = video;
		video.muted = true;
		video.playsInline = true;
		video.srcObject = stream;
		await video.play().catch(() => undefined);
		const label = stream.getVideoTracks()[0]?.label || 'camera';
		this.setStatus({ state: 'connected', devices: [label] });
		const detector = new Detector({ formats });
		const tick = async () => {
			if (!this.#running) return;
			const v = this.#video;
			if (v && v.readyState >= 2) {
				try {
					const found = await detector.detect(v);
					this.#seenNow(found, emit);
				} catch {
					// A frame the detector could not read: try the next one.
				}
			}
			if (this.#running) this.#timer = setTimeout(() => void tick(), this.#intervalMs);
		};
		void tick();
	}

	stop(): void {
		this.#running = false;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		for (const t of this.#stream?.getTracks() ?? []) t.stop();
		this.#stream = null;
		if (this.#video) this.#video.srcObject = null;
		this.#seen.clear();
		if (this.status.state !== 'unsupported') this.setStatus({ state: 'idle', devices: [] });
	}

	#seenNow(found: DetectedBarcode[], emit: ScanEmit): void {
		const now = Date.now();
		for (const [code, at] of this.#seen) if (now - at > this.#repeatMs) this.#seen.delete(code);
		for (const b of found) {
			const code = b.rawValue.trim();
			if (!code) continue;
			const known = this.#seen.has(code);
			this.#seen.set(code, now);
			if (known) continue;
			const scan: DeviceScanEvent = {
				code,
				source: this.name,
				at: now,
				symbology: b.format,
				device: this.status.devices[0]
			};
			emit(scan);
		}
	}
}
