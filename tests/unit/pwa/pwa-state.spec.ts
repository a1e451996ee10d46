import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { render } from 'svelte/server';
import { PwaState } from '$lib/pwa/pwa.svelte';
import UpdateBanner from '$lib/pwa/UpdateBanner.svelte';

function setup() {
	const reload = vi.fn();
	const activate = vi.fn(async () => {});
	const pwa = new PwaState({ reload, applyTimeoutMs: 1000 });
	return { pwa, reload, activate };
}

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe('PwaState', () => {
	test('nothing to apply until a new version waits', async () => {
		const { pwa } = setup();
		expect(pwa.showBanner).toBe(false);
		expect(pwa.canApply).toBe(false);
		expect(await pwa.applyUpdate()).toBe(false);
	});

	test('a waiting version is applied when the till is idle', async () => {
		const { pwa, activate } = setup();
		pwa.needRefresh(activate);
		expect(pwa.showBanner).toBe(true);
		expect(pwa.canApply).toBe(true);
		expect(await pwa.applyUpdate()).toBe(true);
		expect(activate).toHaveBeenCalledOnce();
		expect(pwa.applying).toBe(true);
		expect(pwa.canApply).toBe(false);
	});

	test('setBusy(true) refuses the update mid-payment; setBusy(false) allows it again', async () => {
		const { pwa, activate } = setup();
		pwa.needRefresh(activate);
		pwa.setBusy(true);
		expect(pwa.canApply).toBe(false);
		expect(await pwa.applyUpdate()).toBe(false);
		expect(activate).not.toHaveBeenCalled();
		pwa.setBusy(false);
		expect(await pwa.applyUpdate()).toBe(true);
		expect(activate).toHaveBeenCalledOnce();
	});

	test('a version that took over (another tab) reloads at once only when idle', async () => {
		const { pwa, reload, activate } = setup();
		pwa.needRefresh(activate);
		pwa.setBusy(true);
		pwa.needReload();
		expect(reload).not.toHaveBeenCalled();
		expect(pwa.showBanner).toBe(true);
		pwa.setBusy(false);
		expect(reload).not.toHaveBeenCalled(); // never on its own: the cashier presses the button
		expect(await pwa.applyUpdate()).toBe(true);
		expect(reload).toHaveBeenCalledOnce();
		expect(activate).not.toHaveBeenCalled();

		const idle = setup();
		idle.pwa.needReload();
		expect(idle.reload).toHaveBeenCalledOnce();
	});

	test('an update that never takes over gives the button back', async () => {
		const { pwa, activate } = setup();
		pwa.needRefresh(activate);
		await pwa.applyUpdate();
		expect(pwa.canApply).toBe(false);
		vi.advanceTimersByTime(1000);
		expect(pwa.canApply).toBe(true);
	});

	test('"later" hides the banner until the next version', () => {
		const { pwa, activate } = setup();
		pwa.needRefresh(activate);
		pwa.dismiss();
		expect(pwa.showBanner).toBe(false);
		pwa.needRefresh(activate);
		expect(pwa.showBanner).toBe(true);
	});
});

describe('UpdateBanner', () => {
	test('hidden without an update', () => {
		const { pwa } = setup();
		expect(render(UpdateBanner, { props: { pwa } }).body).not.toContain('pwa-update');
	});

	test('offers the update when idle, and no button while busy', () => {
		const { pwa, activate } = setup();
		pwa.needRefresh(activate);
		const idle = render(UpdateBanner, { props: { pwa } }).body;
		expect(idle).toContain('有新版本');
		expect(idle).not.toContain('A new version'); // the screen's own language only
		expect(idle).toContain('data-testid="pwa-update-apply"');

		pwa.setBusy(true);
		const busy = render(UpdateBanner, { props: { pwa } }).body;
		expect(busy).toContain('有新版本');
		expect(busy).not.toContain('data-testid="pwa-update-apply"');
		expect(busy).toContain('data-testid="pwa-update-wait"');
	});
});
