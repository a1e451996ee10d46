/**
 * The back office in a real Chromium against the built app (sandbox mode, so the demo owner
 * exists): signing in, a wrong password, staff added by the owner, the per-account limit,
 * signing out everywhere, a cashier kept out, and a signed-out visit sent to the sign-in.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';

const OWNER = { login: 'owner', password: 'sandbox-owner' };

async function signIn(page: Page, login: string, password: string): Promise<void> {
	await page.goto('/office/sign-in');
	await page.getByLabel('登录名').fill(login);
	await page.getByLabel('密码', { exact: true }).fill(password);
	await page.getByRole('button', { name: '登录' }).click();
}

async function addStaff(
	page: Page,
	who: { name: string; role: '收银员' | '店长'; login: string; password: string }
): Promise<void> {
	await page.goto('/office/staff');
	const add = page.getByTestId('add-staff');
	await add.getByLabel('姓名').fill(who.name);
	await add.getByLabel('角色').selectOption({ label: who.role });
	await add.getByLabel(/^登录名/).fill(who.login);
	await add.getByLabel(/^新密码/).fill(who.password);
	await add.getByRole('checkbox').first().check();
	await add.getByRole('button', { name: '添加员工' }).click();
	await expect(page.getByTestId('staff-row').filter({ hasText: who.name })).toBeVisible();
}

const unique = () => Math.random().toString(36).slice(2, 8);

test('signed out, the back office sends to the sign-in, which shows the sandbox login', async ({
	page
}) => {
	await page.goto('/office/staff');
	await expect(page).toHaveURL(/\/office\/sign-in\?next=%2Foffice%2Fstaff/);
	await expect(page.getByTestId('demo-login')).toContainText('owner');
	await page.getByLabel('登录名').fill(OWNER.login);
	await page.getByLabel('密码', { exact: true }).fill('not the password');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByTestId('error-password')).toHaveText('登录名或密码不正确');
	await page.getByLabel('密码', { exact: true }).fill(OWNER.password);
	await page.getByRole('button', { name: '登录' }).click();
	// Back where the visit started.
	await expect(page).toHaveURL(/\/office\/staff$/);
	await expect(page.getByTestId('office-user')).toContainText('演示店主');
});

test('five wrong passwords lock the account with a clear message', async ({ page }) => {
	const login = `locked-${unique()}`;
	await signIn(page, OWNER.login, OWNER.password);
	await expect(page.getByTestId('office-home')).toBeVisible();
	await addStaff(page, { name: `锁定${login}`, role: '店长', login, password: 'the right one!' });
	await page.getByTestId('sign-out').click();
	await expect(page).toHaveURL(/\/office\/sign-in/);
	for (let i = 0; i < 4; i++) {
		await signIn(page, login, `wrong ${i}`);
		await expect(page.getByTestId('error-password')).toBeVisible();
	}
	await signIn(page, login, 'wrong 4');
	await expect(page.getByTestId('error-login')).toHaveText('尝试次数太多，请 15 分钟后再试');
	// The right password is refused too, until the lock ends.
	await signIn(page, login, 'the right one!');
	await expect(page.getByTestId('error-login')).toContainText('尝试次数太多');
});

async function signedInContext(browser: Browser, login: string, password: string) {
	const context = await browser.newContext({ locale: 'zh-CN' });
	const page = await context.newPage();
	await signIn(page, login, password);
	await expect(page.getByTestId('office-home')).toBeVisible();
	return { context, page };
}

test('sign out everywhere ends the sessions on every browser at once', async ({ browser }) => {
	const owner = await signedInContext(browser, OWNER.login, OWNER.password);
	const login = `mgr-${unique()}`;
	await addStaff(owner.page, {
		name: `店长${login}`,
		role: '店长',
		login,
		password: 'manager pass 1'
	});
	const phone = await signedInContext(browser, login, 'manager pass 1');
	const laptop = await signedInContext(browser, login, 'manager pass 1');
	await laptop.page.goto('/office/account');
	await laptop.page.getByTestId('sign-out-everywhere').click();
	await expect(laptop.page).toHaveURL(/\/office\/sign-in/);
	await phone.page.goto('/office/staff');
	await expect(phone.page).toHaveURL(/\/office\/sign-in/);
	// The owner's own session is another user's: untouched.
	await owner.page.goto('/office/staff');
	await expect(owner.page.getByTestId('staff-list')).toBeVisible();
	for (const c of [owner, phone, laptop]) await c.context.close();
});

test('a cashier cannot open the back office; a disabled manager is signed out at once', async ({
	browser
}) => {
	const owner = await signedInContext(browser, OWNER.login, OWNER.password);
	const cashierLogin = `csh-${unique()}`;
	await addStaff(owner.page, {
		name: `收银${cashierLogin}`,
		role: '收银员',
		login: cashierLogin,
		password: 'cashier pass 1'
	});
	const context = await browser.newContext({ locale: 'zh-CN' });
	const page = await context.newPage();
	await signIn(page, cashierLogin, 'cashier pass 1');
	const response = await page.goto('/office/staff');
	expect(response?.status()).toBe(403);
	await expect(page.getByTestId('staff-list')).toHaveCount(0);

	const managerLogin = `dis-${unique()}`;
	await addStaff(owner.page, {
		name: `停用${managerLogin}`,
		role: '店长',
		login: managerLogin,
		password: 'manager pass 2'
	});
	const manager = await signedInContext(browser, managerLogin, 'manager pass 2');
	const row = owner.page.getByTestId('staff-row').filter({ hasText: managerLogin });
	await row.getByTestId('disable').click();
	await expect(row).toHaveAttribute('data-disabled', 'true');
	await manager.page.goto('/office/staff');
	await expect(manager.page).toHaveURL(/\/office\/sign-in/);
	for (const c of [owner, manager]) await c.context.close();
	await context.close();
});
