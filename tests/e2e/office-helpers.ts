/** Signing in to the back office as the sandbox's demo owner, through the sign-in form. */
import { expect, type Page } from '@playwright/test';

export const DEMO_OWNER = { login: 'owner', password: 'sandbox-owner' };

export async function signInAsOwner(page: Page): Promise<void> {
	await page.goto('/office/sign-in');
	// Already signed in: the sign-in page sends to the office at once.
	if (!page.url().includes('/office/sign-in')) return;
	await page.getByLabel('登录名').fill(DEMO_OWNER.login);
	await page.getByLabel('密码', { exact: true }).fill(DEMO_OWNER.password);
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByTestId('office-home')).toBeVisible();
}
