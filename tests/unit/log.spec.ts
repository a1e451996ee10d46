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
