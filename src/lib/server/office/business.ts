/**
 * The business an install serves. A shop's install has one business from its first migration
 * (0009); stores made outside the back office (the admin command, the sandbox's demo store)
 * join it, so nothing is nobody's.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export async function installBusinessId(db: Kysely<Database>): Promise<string> {
	const row = await db
		.selectFrom('businesses')
		.select('id')
		.orderBy('created_at')
		.orderBy('id')
		.limit(1)
		.executeTakeFirst();
	if (!row) throw new Error('no business: the database has not been migrated');
	return row.id;
}
