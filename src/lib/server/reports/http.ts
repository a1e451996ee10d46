/**
 * The office's report requests, once the caller may see the store (office/guard.ts): the
 * range and till from the query text, checked, and the CSV export as a streamed response.
 * Query text: `from`, `to` (YYYY-MM-DD, the store's local days; default today), `till` (an id
 * of the store's, or absent for all), `kind` (sales | lines | charges) for the export.
 */
import type { Kysely } from 'kysely';
import { invalidField, type ApiErrorBody } from '../../domain/api-error';
import type { Locale } from '../../i18n/core';
import type { Database } from '../db/schema';
import { csvStream, EXPORT_KINDS, exportCsv, type ExportKind } from './csv';
import { localDayOf } from './local-time';
import { parseRange, timeZoneOf, type ReportRange } from './query';

export type ReportRequest = ReportRange & { timeZone: string };

export async function storeTills(db: Kysely<Database>, storeId: string) {
	return db
		.selectFrom('tills')
		.select(['id', 'name'])
		.where('store_id', '=', storeId)
		.orderBy('name')
		.orderBy('id')
		.execute();
}

/** The report the query text asks for, or the error naming the field at fault. */
export async function reportRequest(
	db: Kysely<Database>,
	storeId: string,
	params: URLSearchParams,
	now = Date.now()
): Promise<{ ok: true; request: ReportRequest } | { ok: false; error: ApiErrorBody }> {
	const timeZone = await timeZoneOf(db, storeId);
	const range = parseRange(params, localDayOf(now, timeZone));
	if ('field' in range)
		return { ok: false, error: invalidField(range.field, range.message.replace(/^\w+: /, '')) };
	const till = params.get('till') || null;
	if (till !== null && !(await storeTills(db, storeId)).some((t) => t.id === till))
		return { ok: false, error: invalidField('till', 'must be a till of this store') };
	return { ok: true, request: { storeId, tillId: till, timeZone, ...range } };
}

export function exportKind(params: URLSearchParams): ExportKind | null {
	const kind = params.get('kind') ?? 'sales';
	return (EXPORT_KINDS as readonly string[]).includes(kind) ? (kind as ExportKind) : null;
}

/** GET …/export: the CSV file, or a 400 naming the field. */
export async function exportResponse(
	db: Kysely<Database>,
	storeId: string,
	params: URLSearchParams,
	locale: Locale
): Promise<Response> {
	const kind = exportKind(params);
	if (!kind)
		return Response.json(invalidField('kind', `must be one of ${EXPORT_KINDS.join(', ')}`), {
			status: 400
		});
	const asked = await reportRequest(db, storeId, params);
	if (!asked.ok) return Response.json(asked.error, { status: 400 });
	const r = asked.request;
	const name = `${kind}-${params.get('from') ?? 'today'}-${params.get('to') ?? 'today'}.csv`;
	return new Response(csvStream(exportCsv(db, kind, r, locale)), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`,
			'cache-control': 'no-store'
		}
	});
}
