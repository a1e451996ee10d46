/** Validation of POST /api/charges. Every rule names its field; nothing is stored on failure. */
import type { ApiError } from '../../domain/api-error';
import { parseYuan, formatYuan, type Fen } from '../../domain/money';
import { isOrderNo, ORDER_NO_RULE } from '../../domain/order-no';
import { charLength, textProblem } from '../../domain/text';

export interface ChargeInput {
	orderNo: string;
	amount: Fen;
	subject: string;
	authCode: string;
	/** JSON text of the metadata object, or null. */
	metadata: string | null;
}

export type { ApiError };

export type Validated<T> = { ok: true; value: T } | { ok: false; error: ApiError };

const invalid = (field: string, message: string): Validated<never> => ({
	ok: false,
	error: { code: 'invalid', field, message: `${field}: ${message}` }
});

const FIELDS = new Set(['order_no', 'amount', 'subject', 'auth_code', 'metadata']);

export function validateChargeInput(body: unknown, maxAmount: Fen): Validated<ChargeInput> {
	if (!body || typeof body !== 'object' || Array.isArray(body))
		return invalid('body', 'must be a JSON object');
	const b = body as Record<string, unknown>;
	for (const name of Object.keys(b))
		if (!FIELDS.has(name))
			return invalid(
				name,
				'is not a field of a charge (order_no, amount, subject, auth_code, metadata)'
			);

	const orderNo = b.order_no;
	if (typeof orderNo !== 'string') return invalid('order_no', 'is required and must be text');
	if (!isOrderNo(orderNo)) return invalid('order_no', ORDER_NO_RULE);

	const amountText = b.amount;
	if (typeof amountText !== 'string')
		return invalid('amount', 'is required as yuan text with at most two decimals, e.g. "23.45"');
	const amount = parseYuan(amountText);
	if (amount === null)
		return invalid(
			'amount',
			`must be yuan text with at most two decimals, e.g. "23.45"; got "${amountText.slice(0, 20)}"`
		);
	if (amount <= 0) return invalid('amount', 'must be more than 0');
	if (amount > maxAmount) return invalid('amount', `must be at most ${formatYuan(maxAmount)}`);

	const subject = b.subject;
	if (typeof subject !== 'string') return invalid('subject', 'is required and must be text');
	// Checked first: a lone surrogate has no length in characters a person could count.
	const subjectProblem = textProblem(subject);
	if (subjectProblem) return invalid('subject', subjectProblem);
	const subjectLength = charLength(subject);
	if (subjectLength < 1 || subjectLength > 128 || subject.trim() === '')
		return invalid('subject', 'must be 1 to 128 characters');

	const authCode = b.auth_code;
	if (typeof authCode !== 'string') return invalid('auth_code', 'is required and must be text');
	if (!/^\d{10,24}$/.test(authCode)) return invalid('auth_code', 'must be 10 to 24 digits');

	let metadata: string | null = null;
	if (b.metadata !== undefined && b.metadata !== null) {
		if (typeof b.metadata !== 'object' || Array.isArray(b.metadata))
			return invalid('metadata', 'must be a JSON object');
		metadata = JSON.stringify(b.metadata);
		// Sent to Teegon and back in its notification. JSON escapes control characters and lone
		// surrogates; a bidirectional override would pass through as it is.
		const metadataProblem = textProblem(metadata);
		if (metadataProblem) return invalid('metadata', metadataProblem);
		if (Buffer.byteLength(metadata, 'utf8') > 512)
			return invalid('metadata', 'must be at most 512 bytes as JSON text');
	}
	return { ok: true, value: { orderNo, amount, subject, authCode, metadata } };
}
