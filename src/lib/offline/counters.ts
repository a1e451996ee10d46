/**
 * The till's daily counters (charges, receipt numbers), kept on the device so they exist
 * offline. Read, moved on and stored in one transaction: two tabs of one till never share a number.
 */
import { getMeta, setMeta, type DailyCounter, type TillDb } from './db';

export async function takeSeq(
	db: TillDb,
	key: 'orderSeq' | 'saleSeq',
	next: (last: DailyCounter | null) => DailyCounter
): Promise<number> {
	return db.transaction('rw', db.meta, async () => {
		const counter = next((await getMeta(db, key)) ?? null);
		await setMeta(db, key, counter);
		return counter.seq;
	});
}
