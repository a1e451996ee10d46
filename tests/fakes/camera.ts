/**
 * A fake camera and `BarcodeDetector` for Playwright (`page.addInitScript(installFakeCamera,
 * { formats })`). `getUserMedia` answers a canvas's stream (a real MediaStream a <video> plays);
 * the detector answers, for every frame, the codes the test holds in front of the "camera"
 * (`__fakeCamera.show`), until it takes them away (`hide`). With `formats: []` it is Linux
 * Chromium's stub: a constructor whose getSupportedFormats() answers nothing.
 * Self-contained (serialised into the page): no imports, no outer variables.
 */
export interface FakeCameraControl {
	show(rawValue: string, format: string): void;
	hide(): void;
	/** Frames the detector has been asked to read. */
	detections(): number;
	/** Whether the stream's tracks are live (the camera light on). */
	live(): boolean;
}

declare global {
	interface Window {
		__fakeCamera: FakeCameraControl;
	}
}

export function installFakeCamera(options: { formats: string[] }): void {
	const state = { showing: [] as { rawValue: string; format: string }[], detections: 0 };
	let stream: MediaStream | null = null;

	class FakeBarcodeDetector {
		static async getSupportedFormats(): Promise<string[]> {
			return options.formats;
		}
		constructor(init?: { formats?: string[] }) {
			for (const f of init?.formats ?? [])
				if (!options.formats.includes(f)) throw new TypeError(`Unsupported format ${f}`);
		}
		async detect(): Promise<{ rawValue: string; format: string }[]> {
			state.detections++;
			return state.showing.map((b) => ({ ...b }));
		}
	}
	Object.defineProperty(window, 'BarcodeDetector', {
		value: FakeBarcodeDetector,
		configurable: true,
		writable: true
	});

	const media = navigator.mediaDevices;
	if (media) {
		media.getUserMedia = async () => {
			const canvas = document.createElement('canvas');
			canvas.width = 320;
			canvas.height = 240;
			const ctx = canvas.getContext('2d')!;
			let frame = 0;
			const draw = () => {
				ctx.fillStyle = frame++ % 2 ? '#222' : '#333';
				ctx.fillRect(0, 0, 320, 240);
				if (stream?.getTracks().some((t) => t.readyState === 'live')) requestAnimationFrame(draw);
			};
			stream = canvas.captureStream(15);
			draw();
			return stream;
		};
	}

	window.__fakeCamera = {
		show(rawValue, format) {
			state.showing = [{ rawValue, format }];
		},
		hide() {
			state.showing = [];
		},
		detections: () => state.detections,
		live: () => Boolean(stream?.getTracks().some((t) => t.readyState === 'live'))
	};
}
