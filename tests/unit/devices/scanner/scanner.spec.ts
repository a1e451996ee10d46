import { describe, expect, test, vi } from 'vitest';
import {
	Scanner,
	type ScanEmit,
	type ScanEvent,
	type ScanSource
} from '$lib/devices/scanner/scanner';

class ManualSource implements ScanSource {
	emit: ScanEmit | null = null;
	started = 0;
	stopped = 0;
	constructor(readonly name: string) {}
	start(emit: ScanEmit): void {
		this.started++;
		this.emit = emit;
	}
	stop(): void {
		this.stopped++;
	}
	read(code: string, at = 1000): void {
		this.emit?.({ code, source: this.name, at });
	}
}

describe('Scanner hub', () => {
	test('delivers scans from every source while running', async () => {
		const hub = new Scanner();
		const a = new ManualSource('keyboard');
		const b = new ManualSource('serial');
		await hub.add(a);
		await hub.add(b);
		const seen: ScanEvent[] = [];
		const off = hub.onScan((s) => seen.push(s));
		a.read('1'); // not started yet
		await hub.start();
		a.read('6901234567892', 1000);
		b.read('96385074', 2000);
		off();
		a.read('ignored', 3000);
		expect(seen.map((s) => [s.source, s.code])).toEqual([
			['keyboard', '6901234567892'],
			['serial', '96385074']
		]);
		await hub.stop();
		expect([a.stopped, b.stopped]).toEqual([1, 1]);
	});

	test('the same item scanned twice counts twice; one read seen by two sources counts once', async () => {
		const hub = new Scanner({ crossSourceDedupeMs: 300 });
		const a = new ManualSource('keyboard');
		const b = new ManualSource('webhid');
		await hub.add(a);
		await hub.add(b);
		await hub.start();
		const codes: string[] = [];
		hub.onScan((s) => codes.push(`${s.source}:${s.code}`));
		a.read('6901234567892', 1000);
		a.read('6901234567892', 1100);
		b.read('6901234567892', 1150); // the same physical read through the other source
		b.read('6901234567892', 2000);
		expect(codes).toEqual([
			'keyboard:6901234567892',
			'keyboard:6901234567892',
			'webhid:6901234567892'
		]);
	});

	test('a source added while running starts at once; a removed one is stopped and silenced', async () => {
		const hub = new Scanner();
		await hub.start();
		const a = new ManualSource('keyboard');
		await hub.add(a);
		expect(a.started).toBe(1);
		const codes: string[] = [];
		hub.onScan((s) => codes.push(s.code));
		const emit = a.emit;
		await hub.remove('keyboard');
		emit?.({ code: 'late', source: 'keyboard', at: 1 });
		expect(a.stopped).toBe(1);
		expect(codes).toEqual([]);
		expect(hub.sources).toEqual([]);
	});

	test('a source failing to start is reported and does not stop the others', async () => {
		const hub = new Scanner();
		const failing: ScanSource = {
			name: 'webhid',
			start: () => Promise.reject(new Error('no permission')),
			stop: () => {}
		};
		const a = new ManualSource('keyboard');
		await hub.add(failing);
		await hub.add(a);
		const errors: string[] = [];
		hub.onError((e, source) => errors.push(`${source}: ${(e as Error).message}`));
		await hub.start();
		expect(errors).toEqual(['webhid: no permission']);
		const seen = vi.fn();
		hub.onScan(seen);
		a.read('123456');
		expect(seen).toHaveBeenCalledOnce();
	});

	test('duplicate source names are refused; a throwing listener does not stop the others', async () => {
		const hub = new Scanner();
		await hub.add(new ManualSource('keyboard'));
		await expect(hub.add(new ManualSource('keyboard'))).rejects.toThrow(/already/);
		await hub.start();
		const errors = vi.fn();
		hub.onError(errors);
		hub.onScan(() => {
			throw new Error('boom');
		});
		const ok = vi.fn();
		hub.onScan(ok);
		hub.emit({ code: 'x', source: 'manual', at: 0 });
		expect(ok).toHaveBeenCalledOnce();
		expect(errors).toHaveBeenCalledOnce();
	});
});
