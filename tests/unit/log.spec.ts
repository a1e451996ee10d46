import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushLog, logInfo } from '../../src/lib/server/log';

afterEach(() => vi.restoreAllMocks());

describe('queued server log', () => {
	it('writes nothing on the caller’s turn, then every queued line in order in one write', async () => {
		const writes: string[] = [];
		vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
			writes.push(chunk);
			return true;
		}) as typeof process.stdout.write);
		logInfo('teegon call=charge order_no=A outcome=paid');
		logInfo('[charge] order_no=A pending -> paid');
		expect(writes).toEqual([]);
		await new Promise((r) => setImmediate(r));
		expect(writes).toEqual([
			'teegon call=charge order_no=A outcome=paid\n[charge] order_no=A pending -> paid\n'
		]);
	});

	it('a stdout whose reader went away (EPIPE) does not end the process', async () => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/log-epipe-child.ts'], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stderr = '';
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		// Read a little, then go away, as `| head` does.
		await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
		child.stdout.destroy();
		const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
		expect(stderr).not.toMatch(/EPIPE|Error/);
		expect(stderr).toMatch(/logged \d+/);
		expect(code).toBe(0);
	});

	it('flushes on demand, and a failing stdout does not throw into the caller', () => {
		const writes: string[] = [];
		vi.spyOn(process.stdout, 'write').mockImplementationOnce(((chunk: string) => {
			writes.push(chunk);
			throw new Error('EPIPE');
		}) as typeof process.stdout.write);
		logInfo('line');
		expect(() => flushLog()).not.toThrow();
		expect(writes).toEqual(['line\n']);
		// Nothing is left queued to be written twice.
		flushLog();
		expect(writes).toHaveLength(1);
	});
});
