// Starts the built till (node server.js) for the e2e suite: sandbox mode, a fresh SQLite file,
// short sandbox delays and a short charge deadline so every outcome can be driven quickly.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = process.env.E2E_PORT ?? '4173';
const dir = process.env.E2E_DB_DIR || mkdtempSync(join(tmpdir(), 'till-e2e-'));
const child = spawn(process.execPath, ['server.js'], {
	stdio: 'inherit',
	env: {
		...process.env,
		PORT: port,
		HOST: '127.0.0.1',
		ORIGIN: `http://127.0.0.1:${port}`,
		DATABASE_URL: join(dir, 'till.db'),
		TEEGON_CLIENT_ID: '',
		TEEGON_CLIENT_SECRET: '',
		TEEGON_BASE_URL: '',
		SANDBOX_CONFIRM_DELAY_MS: process.env.SANDBOX_CONFIRM_DELAY_MS ?? '1500',
		SANDBOX_SLOW_REPLY_MS: process.env.SANDBOX_SLOW_REPLY_MS ?? '3000',
		SANDBOX_NOTIFY_RETRY_MS: '300',
		TEEGON_TIMEOUT_MS: process.env.TEEGON_TIMEOUT_MS ?? '1500',
		CHARGE_DEADLINE_SECONDS: process.env.CHARGE_DEADLINE_SECONDS ?? '8',
		CHARGE_POLL_MS: '300'
	}
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
