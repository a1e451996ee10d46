/**
 * The small dialogs as a cashier uses them: the keyboard is where the dialog says it is, and
 * what is typed replaces what was there.
 */
import { expect, test } from '@playwright/test';
import { COLA, line, openTill, scan, WATER } from './till-helpers';

test.beforeEach(async ({ page }) => {
	await openTill(page);
});

test('the quantity dialog: typing 3 makes 3, not 13', async ({ page }) => {
	await scan(page, WATER.barcode);
	await line(page, WATER.name).getByTestId('line-quantity').click();
	const input = page.getByTestId('quantity').getByTestId('quantity-input');
	await expect(input).toBeFocused();
	await expect(input).toHaveValue('1');
	await page.keyboard.type('3');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('quantity')).toBeHidden();
	await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('3');
	// Again by the `*` shortcut, from a quantity of 3.
	await page.keyboard.press('*');
	await expect(input).toBeFocused();
	await page.keyboard.type('12');
	await page.keyboard.press('Enter');
	await expect(line(page, WATER.name).getByTestId('line-quantity')).toHaveText('12');
});

test('sale discount: 减金额 keeps the keyboard in the amount box', async ({ page }) => {
	await scan(page, COLA.barcode);
	await scan(page, WATER.barcode);
	await expect(page.getByTestId('cart-total')).toHaveText('¥5.50');
	await page.getByRole('button', { name: '整单折扣' }).click();
	const dialog = page.getByTestId('discount');
	await dialog.getByText('减金额').click();
	await expect(dialog.getByTestId('discount-input')).toBeFocused();
	await page.keyboard.type('0.50', { delay: 60 });
	await page.keyboard.press('Enter');
	await expect(dialog).toBeHidden();
	await expect(page.getByTestId('cart-total')).toHaveText('¥5.00');
});

test('a discount applied with nothing typed says what is missing, not that it is invalid', async ({
	page
}) => {
	await scan(page, WATER.barcode);
	await page.keyboard.press('F6');
	const dialog = page.getByTestId('discount');
	await expect(dialog.getByTestId('discount-input')).toBeFocused();
	await dialog.getByTestId('discount-apply').click();
	await expect(dialog).toContainText('请输入优惠的百分比');
	await expect(dialog).not.toContainText('折扣无效');
	await dialog.getByText('减金额').click();
	await dialog.getByTestId('discount-apply').click();
	await expect(dialog).toContainText('请输入优惠的金额');
	await expect(dialog).not.toContainText('折扣无效');
});
