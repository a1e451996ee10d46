/** Stores and tills on both engines: the sandbox's demo till, and names that are data. */
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import {
	createTill,
	demoToken,
	DEMO_STORE,
	DEMO_TILL,
	ensureDemoTill
} from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';

afterAll(dropTestSchemas);

describe.each(engines)('the demo till ($name)', (engine) => {
	test('is named in Chinese only; one made by an earlier version is renamed, keeping its token', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			const token = demoToken('s');
			await createTill(db.db, { store: '演示商店 Demo Store', name: '1号收银台 Till 1', token });
			const { till } = await ensureDemoTill(db.db, 's');
			expect(till).toMatchObject({ storeName: DEMO_STORE, name: DEMO_TILL });
			expect(`${DEMO_STORE}${DEMO_TILL}`).not.toMatch(/[A-Za-z]/);
			expect((await ensureDemoTill(db.db, 's')).token).toBe(token);
		} finally {
			await db.close();
		}
	});

	test('a store or till name with a control character or a bidi override is refused', async () => {
		const db = await openDatabase(engine.fresh());
		try {
			await expect(createTill(db.db, { store: '店\u202e', name: 'T' })).rejects.toThrow(/--store/);
			await expect(createTill(db.db, { store: 'S', name: 'T\u001b[2J' })).rejects.toThrow(/--name/);
		} finally {
			await db.close();
		}
	});
});
