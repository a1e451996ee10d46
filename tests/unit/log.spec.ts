import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(script: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['--import', 'tsx', script], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.once('exit', (code) => resolve({ stdout, stderr, code }));
	});
}

describe('the server log', () => {
	it('one JSON object a line: level, ISO time, the message, its ids as fields, and the request id', async () => {
		const { stdout, code } = await run('tests/helpers/log-child.ts');
		expect(code).toBe(0);
		const lines = stdout
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l) as Record<string, unknown>);
		expect(lines).toHaveLength(3); // all of them, in order
		expect(lines[0]).toMatchObject({ level: 'info', msg: '[till] started', instance: 'i-1' });
		expect(lines[0]).not.toHaveProperty('req');
		expect(lines[1]).toMatchObject({ req: 'req-42', order_no: 'A', charge_id: 'ch_1' });
		expect(lines[2]).toMatchObject({ level: 'warn', msg: '[till] SANDBOX MODE: no "credentials"' });
		expect(Number.isNaN(Date.parse(String(lines[0]!.time)))).toBe(false);
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
});
