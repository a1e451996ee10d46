/**
 * /office/catalog/import: a CSV file checked (the dry run: every row's outcome, nothing
 * written) and imported (all rows in one transaction, or none while any row is bad). The
 * checked text comes back with the result, so "confirm" imports exactly what was checked, and
 * only if the catalog has not changed since (else it is checked again and shown).
 */
import { fail } from '@sveltejs/kit';
import { app } from '$lib/server/app';
import { CsvFileError, decodeCsv, parseCatalogCsv, toImportRow } from '$lib/server/catalog-csv';
import { applyImport, previewImport, type RowPlan } from '$lib/server/catalog-import';
import { chooseStore, managedStores, requireManager } from '$lib/server/office/catalog-pages';
import type { Actions, PageServerLoad } from './$types';

/** Rows the page shows at most: the bad ones first, then the changes. */
const SHOWN_ROWS = 500;

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requireManager(locals.user);
	const stores = await managedStores(app().db.db, user);
	return { stores, store: chooseStore(user, stores, url.searchParams.get('store')) };
};

function shown(rows: RowPlan[]): { rows: RowPlan[]; hidden: number } {
	const order = { error: 0, insert: 1, update: 1, unchanged: 2 } as const;
	const sorted = [...rows].sort((a, b) => order[a.action] - order[b.action] || a.row - b.row);
	return { rows: sorted.slice(0, SHOWN_ROWS), hidden: Math.max(0, rows.length - SHOWN_ROWS) };
}

async function run(locals: App.Locals, request: Request, mode: 'check' | 'apply') {
	const data = await request.formData();
	const user = requireManager(locals.user);
	const store = chooseStore(
		user,
		await managedStores(app().db.db, user),
		String(data.get('store') ?? '')
	);
	const file = data.get('file');
	const carried = data.get('text');
	let text: string;
	let encoding: string;
	try {
		if (typeof carried === 'string' && carried !== '') {
			text = carried;
			encoding = String(data.get('encoding') ?? 'utf-8');
		} else if (file instanceof File && file.size > 0) {
			({ text, encoding } = decodeCsv(new Uint8Array(await file.arrayBuffer())));
		} else return fail(400, { noFile: true as const });
		const parsed = parseCatalogCsv(text);
		const rows = parsed.rows.map(toImportRow);
		const db = app().db.db;
		const expectText = data.get('expect');
		const expectVersion =
			typeof expectText === 'string' && /^\d{1,15}$/.test(expectText)
				? Number(expectText)
				: undefined;
		const plan =
			mode === 'check'
				? { ...(await previewImport(db, store.id, rows)), applied: false, stale: false }
				: await applyImport(db, store.id, rows, {
						by: user.id,
						...(expectVersion !== undefined ? { expectVersion } : {})
					});
		const { rows: planRows, ...counts } = plan;
		return {
			result: {
				mode,
				encoding,
				ignored: parsed.ignored,
				...counts,
				...shown(planRows),
				// What the confirm button imports: the text as checked.
				text: plan.applied ? null : text
			}
		};
	} catch (e) {
		if (e instanceof CsvFileError) return fail(400, { fileIssue: e.issue });
		throw e;
	}
}

export const actions: Actions = {
	check: ({ locals, request }) => run(locals, request, 'check'),
	apply: ({ locals, request }) => run(locals, request, 'apply')
};
