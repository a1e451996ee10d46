/**
 * The one error body of the till API, for every 4xx and 5xx it answers: `{"error": ApiError}`.
 * `code` is for programs (the till picks its words by it), `message` for people and names the
 * field and the rule ("amount: must be more than 0"), `field` the input at fault, if one is.
 */
export interface ApiError {
	code: string;
	message: string;
	field?: string;
}

export interface ApiErrorBody {
	error: ApiError;
}

export function apiError(code: string, message: string, field?: string): ApiErrorBody {
	return { error: { code, message, ...(field ? { field } : {}) } };
}

/** A field that breaks its rule: `invalid`, with the message led by the field's name. */
export function invalidField(field: string, rule: string): ApiErrorBody {
	return apiError('invalid', `${field}: ${rule}`, field);
}
