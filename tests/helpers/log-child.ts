/** Logs a few lines through the server's log and exits: tests/unit/log.spec.ts reads its stdout. */
import { logInfo, logWarn, withRequestId } from '../../src/lib/server/log';

logInfo('[till] started', { instance: 'i-1' });
await withRequestId('req-42', async () => {
	await new Promise((r) => setTimeout(r, 5));
	logInfo('teegon call=charge order_no=A outcome=paid', { order_no: 'A', charge_id: 'ch_1' });
});
logWarn('[till] SANDBOX MODE: no "credentials"');
