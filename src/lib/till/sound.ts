/**
 * The short "paid" chime (WebAudio, no sound file to cache). A scan or a tap has already
 * activated the page, so the audio context may start; where it may not, the till stays silent.
 */
type AudioContextCtor = new () => AudioContext;

let context: AudioContext | null = null;

function audio(): AudioContext | null {
	if (context) return context;
	const g = globalThis as {
		AudioContext?: AudioContextCtor;
		webkitAudioContext?: AudioContextCtor;
	};
	const Ctor = g.AudioContext ?? g.webkitAudioContext;
	if (!Ctor) return null;
	try {
		context = new Ctor();
	} catch {
		context = null;
	}
	return context;
}

/** Two rising notes, about 0.35 s. */
export function playPaidSound(): void {
	const ctx = audio();
	if (!ctx) return;
	try {
		if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
		const start = ctx.currentTime + 0.01;
		[880, 1320].forEach((frequency, i) => {
			const osc = ctx.createOscillator();
			const gain = ctx.createGain();
			osc.type = 'sine';
			osc.frequency.value = frequency;
			const t = start + i * 0.14;
			gain.gain.setValueAtTime(0.0001, t);
			gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
			gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
			osc.connect(gain).connect(ctx.destination);
			osc.start(t);
			osc.stop(t + 0.2);
		});
	} catch {
		// no sound is better than a broken till
	}
}
