/** Paths spelled every way a client can send them, and a request that sends them as given. */
import { request } from 'node:http';

/** Spellings of `path` that a server could route to the same handler. */
export function spellings(path: string): string[] {
	const [, first, ...rest] = path.split('/'); // '', 'api', ...
	const tail = rest.length ? `/${rest.join('/')}` : '';
	const hex = (c: string) => `%${c.charCodeAt(0).toString(16)}`;
	const encodeAt = (word: string, i: number) =>
		word.slice(0, i) + hex(word[i]!) + word.slice(i + 1);
	const out = new Set<string>([
		path,
		...[0, 1, 2].map((i) => `/${encodeAt(first!, i)}${tail}`),
		`/${first!.split('').map(hex).join('')}${tail}`,
		`/${hex(first![0]!).toUpperCase()}${first!.slice(1)}${tail}`,
		`//${first}${tail}`,
		`/${first}/${tail}`,
		`/x/../${first}${tail}`,
		`/./${first}${tail}`,
		`/${first}/./${rest.join('/')}`,
		`/${first!.toUpperCase()}${tail}`,
		`/${first}${tail.toUpperCase()}`,
		`${path}/`,
		`${path}%2f`,
		`${path};x=1`
	]);
	if (rest.length)
		out.add(
			`/${first}/${encodeAt(rest[0]!, 0)}${rest.length > 1 ? `/${rest.slice(1).join('/')}` : ''}`
		);
	return [...out];
}

export interface Raw {
	status: number;
	location: string | null;
	cookies: string[];
	body: string;
}

/** One request with the path exactly as given (fetch would normalise it first). */
export function raw(
	base: string,
	method: string,
	path: string,
	body?: string,
	type?: string,
	extra: Record<string, string> = {}
): Promise<Raw> {
	const url = new URL(base);
	return new Promise((resolve, reject) => {
		const req = request(
			{
				host: url.hostname,
				port: url.port,
				method,
				path,
				headers: {
					accept: 'application/json',
					...extra,
					...(body !== undefined
						? {
								'content-type': type ?? 'application/json',
								'content-length': Buffer.byteLength(body)
							}
						: {})
				}
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (c: string) => (text += c));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						location: (res.headers.location as string | undefined) ?? null,
						cookies: res.headers['set-cookie'] ?? [],
						body: text
					})
				);
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}
