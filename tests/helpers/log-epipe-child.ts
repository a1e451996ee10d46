/** Logs through the server's queued log for half a second; tests/unit/log.spec.ts closes its stdout. */
import { logInfo } from '../../src/lib/server/log';

let n = 0;
const timer = setInterval(() => {
	for (let i = 0; i < 200; i++) logInfo(`teegon call=charge order_no=X${n++} outcome=paid`);
}, 5);
setTimeout(() => {
	clearInterval(timer);
	process.stderr.write(`logged ${n}\n`);
}, 500);
