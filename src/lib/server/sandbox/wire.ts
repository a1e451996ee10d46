/** The sandbox's HTTP plumbing and Teegon-shaped values: replies, bodies, forms, ids. */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { SandboxRecord, Params } from './records';
import { MAX_BODY_BYTES, Refusal } from './records';

export function chargeReply(record: SandboxRecord): unknown {
	const paid = record.state === 'paid';
	const created = Math.floor(record.createdAt / 1000);
	return {
		result: {
			id: record.charge_id,
			domain_id: 'sandbox',
			order_no: record.order_no,
			channel: record.channel,
			amount: Number(record.amount),
			real_amount: Number(record.amount),
			client_ip: record.client_ip,
			currency: 'RMB',
			subject: record.subject,
			body: '',
			time_expire: created + 600,
			return_url: '',
			notify_url: record.notify_url,
			device_id: '',
			charge_type: '',
			account_id: '',
			auth_code: record.auth_code,
			description: record.channel,
			paid,
			livemode: false,
			refunded: false,
			time_paid: record.paidAt === null ? 0 : Math.floor(record.paidAt / 1000),
			created,
			updated: 0,
			transaction_no: record.transaction_no,
			amount_refunded: 0,
			failure_code: '',
			failure_msg: '',
			metadata: record.metadata,
			buyer_openid: '',
			action: { type: '', url: '', params: null }
		}
	};
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
	const body = JSON.stringify(value);
	res.writeHead(status, {
		'content-type': 'application/json; charset=utf-8',
		'content-length': Buffer.byteLength(body)
	});
	res.end(body);
}

/** The body as UTF-8 text, or null if it is larger than MAX_BODY_BYTES. */
export function readBody(req: http.IncomingMessage): Promise<string | null> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = false;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) tooLarge = true;
			else chunks.push(chunk);
		});
		req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

/** Form fields; a name given twice is refused, since which one was signed is ambiguous. */
export function parseForm(body: string): Params {
	const params = Object.create(null) as Params;
	for (const [name, value] of new URLSearchParams(body)) {
		if (Object.hasOwn(params, name)) throw new Refusal(`${name}: given more than once`);
		params[name] = value;
	}
	return params;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Like Teegon's charge ids: lower-case letters and digits. */
export function newId(length: number): string {
	const bytes = randomBytes(length);
	let id = '';
	for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
	return id;
}

export function transactionNo(at: number): string {
	const day = new Date(at).toISOString().slice(0, 10).replaceAll('-', '');
	let digits = '';
	for (const byte of randomBytes(20)) digits += String(byte % 10);
	return day + digits;
}
