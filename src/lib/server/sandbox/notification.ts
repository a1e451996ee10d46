/**
 * Teegon's asynchronous notification (服务器异步通知): a signed, form-encoded POST to the
 * merchant's notify_url, sent server to server (so without an Origin header). Used by the
 * sandbox gateway, and by tests that forge or replay notifications.
 * See docs/teegon.md "Notification".
 */
import http from 'node:http';
import https from 'node:https';
import { signed } from '../teegon/sign';

export { NOTIFICATION_FIELDS } from '../teegon/notification';

/** Adds a valid `sign` over every given field (replacing any `sign` already there). */
export function makeNotification(
	fields: Record<string, string>,
	secret: string
): Record<string, string> {
	return signed(fields, secret);
}

/** application/x-www-form-urlencoded UTF-8, as Teegon sends it. */
export function encodeForm(fields: Readonly<Record<string, string>>): string {
	return new URLSearchParams(fields).toString();
}

export interface NotificationReply {
	status: number;
	body: string;
}

export interface PostOptions {
	/** Whole attempt, reply included. Default 10 000 ms. */
	timeoutMs?: number;
	agent?: http.Agent;
	/** Extra headers (tests use this to add an Origin and see it refused elsewhere). */
	headers?: Record<string, string>;
}

/**
 * POSTs a notification once, as Teegon does: form-encoded, no Origin header. Resolves with
 * the receiver's status and body; rejects on a network error or timeout.
 */
export function postNotification(
	url: string,
	fields: Readonly<Record<string, string>>,
	opts: PostOptions = {}
): Promise<NotificationReply> {
	const target = new URL(url);
	const transport = target.protocol === 'https:' ? https : http;
	const body = encodeForm(fields);
	const timeoutMs = opts.timeoutMs ?? 10_000;
	return new Promise<NotificationReply>((resolve, reject) => {
		const req = transport.request(
			target,
			{
				method: 'POST',
				agent: opts.agent,
				headers: {
					'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
					'content-length': Buffer.byteLength(body),
					'user-agent': 'teegon-sandbox-notify/1.0',
					...opts.headers
				}
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => {
					if (chunks.length < 64) chunks.push(chunk);
				});
				res.on('end', () => {
					clearTimeout(timer);
					resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
				});
				res.on('error', (err) => {
					clearTimeout(timer);
					reject(err);
				});
				res.on('close', () => {
					clearTimeout(timer);
					if (!res.complete) reject(new Error('notification reply interrupted'));
				});
			}
		);
		const timer = setTimeout(
			() => req.destroy(new Error(`notification timed out after ${timeoutMs} ms`)),
			timeoutMs
		);
		req.on('error', (err) => {
			clearTimeout(timer);
			reject(err);
		});
		req.end(body);
	});
}
