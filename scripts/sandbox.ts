/**
 * `npm run sandbox`: the Teegon sandbox gateway on its own, for a till (or curl) to talk to.
 * Settings: SANDBOX_PORT (4010), HOST (127.0.0.1), SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
 * SANDBOX_CONFIRM_DELAY_MS, SANDBOX_SLOW_REPLY_MS, SANDBOX_NOTIFY_RETRY_MS,
 * SANDBOX_NOTIFY_MAX_ATTEMPTS. Relative imports: tsx does not resolve `$lib`.
 */
import { ConfigError, loadSandboxConfig } from '../src/lib/server/config';
import { SCENARIOS, startSandbox } from '../src/lib/server/sandbox/gateway';

async function main(): Promise<void> {
	const config = loadSandboxConfig(process.env);
	const host = process.env.HOST?.trim() || '127.0.0.1';
	const sandbox = await startSandbox({
		...config,
		host,
		log: (line) => console.log(`${new Date().toISOString()} ${line}`)
	});
	console.log(
		`Teegon sandbox listening on http://${host.includes(':') ? `[${host}]` : host}:${sandbox.port}`
	);
	console.log(
		`  client_id ${config.clientId}; the secret is SANDBOX_CLIENT_SECRET` +
			(process.env.SANDBOX_CLIENT_SECRET ? '' : ' (unset: the documented default)')
	);
	console.log(
		`  payment code endings: ${Object.entries(SCENARIOS)
			.map(([end, what]) => `${end} ${what}`)
			.join(', ')}, other: paid`
	);
	console.log(
		`  confirm ${config.confirmDelayMs} ms, slow reply ${config.slowReplyMs} ms, ` +
			`notification retry ${config.notifyRetryMs} ms x ${config.notifyMaxAttempts}`
	);
	console.log('  GET /__sandbox/charges, POST /__sandbox/reset, GET|POST /__sandbox/timing');

	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`${signal}: stopping the sandbox`);
		sandbox.close().then(
			() => process.exit(0),
			(err: unknown) => {
				console.error(err);
				process.exit(1);
			}
		);
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
	console.error(err instanceof ConfigError ? `sandbox: ${err.message}` : err);
	process.exit(1);
});
