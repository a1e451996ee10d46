/** The sandbox gateway without per-request logging, for benchmarks. Prints its URL. */
import { loadSandboxConfig } from '../../src/lib/server/config';
import { startSandbox } from '../../src/lib/server/sandbox/gateway';

const sandbox = await startSandbox({
	...loadSandboxConfig(process.env),
	port: 0,
	host: '127.0.0.1'
});
console.log(`READY ${sandbox.url}`);
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
