/**
 * The floor for the load suite (`npm run load`, scripts/load/run.ts): a bare Node http handler that takes the same POST
 * /api/charges JSON, signs it and forwards it to the gateway with the same Teegon client,
 * and answers with the result. No framework, no database, no validation: what a charge
 * costs at the very least.
 */
import { createServer } from 'node:http';
import { parseYuan } from '../../src/lib/domain/money';
import { createTeegonClient } from '../../src/lib/server/teegon/client';

const teegon = createTeegonClient(
	{
		baseUrl: process.env.TEEGON_BASE_URL!,
		clientId: process.env.TEEGON_CLIENT_ID!,
		clientSecret: process.env.TEEGON_CLIENT_SECRET!
	},
	{ log: () => undefined }
);
const server = createServer((req, res) => {
	let body = '';
	req.setEncoding('utf8');
	req.on('data', (c: string) => (body += c));
	req.on('end', () => {
		const b = JSON.parse(body) as Record<string, string>;
		teegon
			.charge({
				orderNo: b.order_no!,
				amount: parseYuan(b.amount!)!,
				subject: b.subject!,
				authCode: b.auth_code!,
				notifyUrl: 'http://127.0.0.1:9/unused'
			})
			.then(
				(outcome) => {
					res.writeHead(200, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ order_no: b.order_no, state: outcome.kind }));
				},
				() => res.writeHead(500).end()
			);
	});
});
server.listen(0, '127.0.0.1', () => {
	console.log(`READY http://127.0.0.1:${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
