/** Runs `scripts/admin.ts` as a real process against one database, as `npm run admin` does. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export function admin(
	args: string[],
	databaseUrl: string
): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		execFile(
			join('node_modules', '.bin', 'tsx'),
			['scripts/admin.ts', ...args],
			{ env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 30_000 },
			(error, stdout, stderr) =>
				resolve({
					code: error ? ((error as { code?: number }).code ?? 1) : 0,
					stdout,
					stderr
				})
		);
	});
}
