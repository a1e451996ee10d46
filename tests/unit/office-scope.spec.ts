/**
 * Which store a catalog or attention page acts on: a cashier is refused, nobody signed in is
 * sent to sign in, and a store id typed into the URL or a form that is not the user's is
 * refused, whatever it is.
 */
import { isHttpError, isRedirect } from '@sveltejs/kit';
import { describe, expect, test } from 'vitest';
import { chooseStore, requireManager } from '../../src/lib/server/office/catalog-pages';
import type { OfficeUser } from '../../src/lib/server/office/guard';

const manager: OfficeUser = {
	id: 'u1',
	businessId: 'b1',
	name: '王店长',
	role: 'manager',
	storeIds: ['s1']
};
const stores = [{ id: 's1', name: '朝阳店' }];

function thrown(fn: () => unknown): unknown {
	try {
		fn();
	} catch (e) {
		return e;
	}
	return null;
}

describe('the store a back-office page acts on', () => {
	test('nobody signed in is sent to sign in; a cashier is refused', () => {
		expect(isRedirect(thrown(() => requireManager(null)))).toBe(true);
		const cashier = thrown(() => requireManager({ ...manager, role: 'cashier' }));
		expect(isHttpError(cashier, 403)).toBe(true);
	});

	test('a manager gets their store, by default or by id; another store’s id is not found (404: no existence oracle)', () => {
		expect(chooseStore(manager, stores, null)).toEqual(stores[0]);
		expect(chooseStore(manager, stores, 's1')).toEqual(stores[0]);
		expect(
			isHttpError(
				thrown(() => chooseStore(manager, stores, 's2')),
				404
			)
		).toBe(true);
		// A store of the list that the user does not work in (a stale list) is refused as well.
		const other = [...stores, { id: 's3', name: '别人的店' }];
		expect(
			isHttpError(
				thrown(() => chooseStore(manager, other, 's3')),
				404
			)
		).toBe(true);
	});
});
