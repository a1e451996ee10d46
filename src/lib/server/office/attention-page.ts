/**
 * The attention list as a back-office user sees it: the items of the stores they manage, and
 * the ones no store owns (orphan and refused notifications: the Teegon account is the server's)
 * only for an owner, and only while the server holds one business — with several, such an item
 * could be any business's, so it stays on the command line (`npm run admin -- attention`).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { openAttentionCount, type AttentionScope } from '../owner/attention';
import type { OfficeUser } from './guard';

async function businessCount(db: Kysely<Database>): Promise<number> {
	try {
		const r = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM businesses`.execute(db);
		return Number(r.rows[0]?.n ?? 0);
	} catch {
		// A database from before the businesses table (0009): one install, one business.
		return 1;
	}
}

export async function attentionScope(
	db: Kysely<Database>,
	user: OfficeUser
): Promise<AttentionScope> {
	return {
		storeIds: user.storeIds,
		storeless: user.role === 'owner' && (await businessCount(db)) <= 1
	};
}

/** The header badge: how many items are open for the signed-in user (0 for a cashier). */
export async function attentionBadge(
	db: Kysely<Database>,
	user: OfficeUser | null
): Promise<number> {
	if (!user || user.role === 'cashier') return 0;
	return openAttentionCount(db, await attentionScope(db, user));
}
