/**
 * JSON.parse, refusing an object that names a key twice. JSON.parse keeps the last value of a
 * repeated key, so `{"amount":"1.00","amount":"999.00"}` is 999.00 to the server while a
 * proxy, a log or a person reading the body may well see 1.00: for money, refuse it.
 */
export type StrictJson = { ok: true; value: unknown } | { ok: false; reason: string };

export function parseStrictJson(text: string): StrictJson {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return { ok: false, reason: 'is not valid JSON' };
	}
	const duplicate = firstDuplicateKey(text);
	return duplicate === null
		? { ok: true, value }
		: { ok: false, reason: `names the key "${duplicate}" more than once` };
}

/**
 * Scans text already known to be valid JSON for an object with a repeated key; returns the
 * key (decoded) or null. One pass, no recursion, so a deeply nested body cannot overflow.
 */
function firstDuplicateKey(text: string): string | null {
	// One entry per open container: the keys seen so far for an object, null for an array.
	const stack: (Set<string> | null)[] = [];
	// In an object, whether the next string is a key (after `{` or `,`) rather than a value.
	let expectKey = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '"') {
			const end = stringEnd(text, i);
			const top = stack[stack.length - 1];
			if (expectKey && top) {
				const key = JSON.parse(text.slice(i, end + 1)) as string;
				if (top.has(key)) return key;
				top.add(key);
				expectKey = false;
			}
			i = end;
		} else if (c === '{') {
			stack.push(new Set());
			expectKey = true;
		} else if (c === '[') {
			stack.push(null);
			expectKey = false;
		} else if (c === '}' || c === ']') {
			stack.pop();
			expectKey = false;
		} else if (c === ',') {
			expectKey = stack[stack.length - 1] != null;
		}
	}
	return null;
}

/** Index of the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
	for (let i = start + 1; i < text.length; i++) {
		if (text[i] === '\\') i++;
		else if (text[i] === '"') return i;
	}
	return text.length - 1;
}
