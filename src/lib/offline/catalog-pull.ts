/**
 * Catalog down-sync: GET /api/catalog?since=<version>, applied in one transaction. A device out of
 * step with the server (a database restored from a backup numbers new products below what the
 * device holds, so they would never come; or another number of products) pulls it all again,
 * once per server version, so a difference that stays cannot loop.
 */
import type { ApiFailure, TillApiClient } from './api-client';
import {
	applyCatalogChanges,
	catalogResyncedAt,
	catalogVersion,
	productCount,
	replaceCatalog
} from './catalog';
import type { TillDb } from './db';

export type CatalogPull =
	| {
			kind: 'pulled';
			version: number;
			applied: boolean;
			changed: number;
			deleted: number;
			/** The whole catalog was pulled again: the device was out of step with the server. */
			resynced: boolean;
	  }
	| { kind: 'failed'; failure: ApiFailure };

export async function pullCatalog(
	db: TillDb,
	api: Pick<TillApiClient, 'getCatalog'>
): Promise<CatalogPull> {
	const since = await catalogVersion(db);
	const reply = await api.getCatalog(since);
	if (reply.kind !== 'ok') return { kind: 'failed', failure: reply };
	const changes = reply.value;
	// Nothing changed (most pulls, every 5 s): no write transaction on the device.
	const nothing =
		changes.version === since && changes.products.length === 0 && changes.deleted.length === 0;
	const applied = nothing || (await applyCatalogChanges(db, changes));
	const { latest, count } = changes;
	if (
		latest !== undefined &&
		(latest < since || (applied && count !== undefined && (await productCount(db)) !== count)) &&
		(await catalogResyncedAt(db)) !== latest
	) {
		const held = await catalogVersion(db); // after the changes above, before the full pull
		const full = await api.getCatalog(0);
		if (full.kind !== 'ok') return { kind: 'failed', failure: full };
		if (await replaceCatalog(db, full.value, held))
			return {
				kind: 'pulled',
				version: full.value.version,
				applied: true,
				changed: full.value.products.length,
				deleted: 0,
				resynced: true
			};
		// Another pull moved the catalog on meanwhile: it stands, and the next pull checks again.
	}
	return {
		kind: 'pulled',
		version: applied ? changes.version : since,
		applied,
		changed: applied ? changes.products.length : 0,
		deleted: applied ? changes.deleted.length : 0,
		resynced: false
	};
}
