/**
 * The server's routine log lines (one per Teegon call, one per charge state change) without
 * a write on the request path.
 *
 * stdout to a pipe or a file is written synchronously by Node on Linux: every console.log
 * is a system call made before the handler can answer. These lines are queued instead and
 * written together, once the current work has yielded (setImmediate: after the reply went
 * out). The queue is flushed on exit, so a line is lost only if the process is killed with
 * lines still queued (SIGKILL) — the charge states themselves are in the database.
 * Warnings and errors keep using console.warn/console.error, at once.
 */

const queue: string[] = [];
let scheduled = false;

function flush(): void {
	scheduled = false;
	if (queue.length === 0) return;
	const text = queue.join('\n') + '\n';
	queue.length = 0;
	try {
		process.stdout.write(text);
	} catch {
		// written synchronously to a file or pipe that is gone: the line is lost, the server is not
	}
}

// A closed stdout (the reader of the pipe went away: EPIPE) arrives as an 'error' event, which
// would end the process: logging must never take a till server down with it.
process.stdout.on('error', () => {});
process.once('exit', flush);

/** Queues one line for stdout. */
export function logInfo(line: string): void {
	queue.push(line);
	if (!scheduled) {
		scheduled = true;
		setImmediate(flush);
	}
}

/** Writes what is queued now (tests; shutdown). */
export function flushLog(): void {
	flush();
}
