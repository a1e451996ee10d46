import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunchOptions } from './scripts/lib/chromium';

const PORT = Number(process.env.E2E_PORT ?? 4173);
// Where the e2e server keeps its SQLite file: the workers (which inherit this process's
// environment) reach the same database with `npm run admin`, as the shop's owner would.
process.env.E2E_DB_DIR ??= mkdtempSync(join(tmpdir(), 'till-e2e-'));

export default defineConfig({
	testDir: 'tests/e2e',
	forbidOnly: !!process.env.CI,
	retries: process.env.CI ? 1 : 0,
	workers: 1,
	timeout: 60_000,
	reporter: process.env.CI ? [['list']] : [['list']],
	use: {
		baseURL: `http://127.0.0.1:${PORT}`,
		trace: 'retain-on-failure',
		locale: 'zh-CN',
		viewport: { width: 1024, height: 600 }
	},
	projects: [
		{
			name: 'chromium',
			use: {
				...devices['Desktop Chrome'],
				viewport: { width: 1024, height: 600 },
				launchOptions: chromiumLaunchOptions
			}
		}
	],
	webServer: {
		command: 'node tests/e2e/serve.mjs',
		url: `http://127.0.0.1:${PORT}/api/health`,
		reuseExistingServer: false,
		timeout: 60_000,
		stdout: 'ignore',
		stderr: 'pipe',
		env: { E2E_PORT: String(PORT), E2E_DB_DIR: process.env.E2E_DB_DIR }
	}
});
