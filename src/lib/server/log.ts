/**
 * The server's log: one JSON object per line on stdout (pino), with the request id of the
 * request a line was written for and the ids it names (order_no, charge_id …) as fields.
 * Lines are written in order, asynchronously: a synchronous write to a pipe whose reader lags
 * (journald, a busy terminal) would hold up every request. A clean shutdown waits for what is
 * still to be written (flushLog); a process that exits at once writes it synchronously then.
 * Lines never carry a secret: payment codes are masked where they are logged, tokens and the
 * client secret are never logged.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type LogFields = Record<string, unknown>;
/** What modules are given to log with: a message a person reads, and fields a program reads. */
export type LogFn = (msg: string, fields?: LogFields) => void;

const context = new AsyncLocalStorage<{ requestId: string }>();

const destination = pino.destination({ sync: false, minLength: 0 });
// A closed stdout (the reader of the pipe went away: EPIPE) must never end the process.
destination.on('error', () => undefined);
process.once('exit', () => {
	try {
		destination.flushSync();
	} catch {
		// not open yet, or the reader is gone: the lines are lost, the process is not
	}
});

export const logger = pino(
	{
		level: process.env.LOG_LEVEL ?? 'info',
		base: undefined,
		timestamp: pino.stdTimeFunctions.isoTime,
		formatters: { level: (label) => ({ level: label }) },
		mixin: () => {
			const c = context.getStore();
			return c ? { req: c.requestId } : {};
		}
	},
	destination
);

export const logInfo: LogFn = (msg, fields) => logger.info(fields ?? {}, msg);
export const logWarn: LogFn = (msg, fields) => logger.warn(fields ?? {}, msg);
export const logError: LogFn = (msg, fields) => logger.error(fields ?? {}, msg);

/** Runs `fn` with `requestId` on every line it logs, whatever awaits in between. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
	return context.run({ requestId }, fn);
}

/** Resolves once every line logged so far is written (a clean shutdown waits for it). */
export function flushLog(): Promise<void> {
	return new Promise((resolve) => {
		try {
			destination.flush(() => resolve());
		} catch {
			resolve(); // not open yet, or the reader is gone
		}
	});
}
