/**
 * PLACEHOLDER: signing in to the back office is the `access` branch's (its "Office
 * foundation:" commit). On merge, this becomes its sign-in as the demo store's owner; until
 * then the reports refuse everyone and the signed-in report tests fail here, saying so.
 */
import type { Page } from '@playwright/test';

export async function signInAsOwner(page: Page): Promise<void> {
	void page;
	throw new Error('signInAsOwner: needs the back office sign-in of the access branch');
}
