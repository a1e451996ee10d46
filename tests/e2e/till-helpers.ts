import { waitForPwaIdle } from './pwa-helpers';
/** Shared steps of the till-*.spec.ts suites: open the till, scan like a keyboard wedge, codes. */
import { expect, type CDPSession, type Page } from '@playwright/test';

export const WATER = { barcode: '6901234560015', name: '农夫山泉 550ml', price: '¥2.00' };
export const COLA = { barcode: '6901234560022', name: '可口可乐 330ml', price: '¥3.50' };
export const NOODLES = { barcode: '6901234560039', name: '康师傅红烧牛肉面', price: '¥4.50' };

/**
 * A sandbox WeChat payment code (18 digits starting 13) ending in `outcome`. The middle is
 * random: the server refuses a code reused on another order within five minutes, and every
 * test run shares one server.
 */
export function paymentCode(outcome: string): string {
	let middle = '';
	for (let i = 0; i < 14; i++) middle += String(Math.floor(Math.random() * 10));
	return `13${middle}${outcome}`;
}

/** Opens the till with a cashier already chosen on this device and the catalog loaded. */
export async function openTill(page: Page, cashier = '小王'): Promise<void> {
	await page.addInitScript((name) => {
		if (!localStorage.getItem('till.cashier')) localStorage.setItem('till.cashier', name);
		// This machine runs the server, the browser and the test driver on two cores: keys sent
		// 5 ms apart can reach the page 40+ ms late. The device setting a busy tablet would use
		// (src/lib/devices/scanner/scanner-settings.ts): wait 100 ms before deciding a scan without Enter.
		localStorage.setItem('till.scanner', JSON.stringify({ suffixlessTimeoutMs: 100 }));
	}, cashier);
	await page.goto('/');
	await expect(page.getByTestId('till')).toBeVisible();
	await expect(page.getByTestId('favourites').getByTestId('product-tile').first()).toBeVisible();
	// Start-up work (catalog, sync, service worker install) done: scans get the CPU they need.
	await page.waitForLoadState('networkidle');
	// A fresh context installs the service worker and precaches ~400 KB, which networkidle
	// does not wait for; scans timed at scanner speed must not compete with it.
	await waitForPwaIdle(page);
	await cdpOf(page);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface KeyDef {
	key: string;
	code: string;
	keyCode: number;
	text?: string;
}

function keyDef(ch: string): KeyDef {
	if (ch === '\n') return { key: 'Enter', code: 'Enter', keyCode: 13, text: '\r' };
	if (/^\d$/.test(ch)) return { key: ch, code: `Digit${ch}`, keyCode: ch.charCodeAt(0), text: ch };
	if (/^[a-z]$/i.test(ch)) {
		return {
			key: ch,
			code: `Key${ch.toUpperCase()}`,
			keyCode: ch.toUpperCase().charCodeAt(0),
			text: ch
		};
	}
	throw new Error(`scan(): no key for ${JSON.stringify(ch)}`);
}

/**
 * A keyboard-wedge scanner: a real key press (keydown + keyup through Chromium's input pipeline,
 * the same CDP call page.keyboard.press makes) per character, `gapMs` apart, then Enter.
 *
 * The gap is the events' own time stamp (CDP `timestamp`, which becomes `event.timeStamp`), as a
 * scanner's key reports carry the time the scanner typed them; the events are sent without
 * waiting for each to be acknowledged. Waiting (page.keyboard.press in a loop) costs 20–130 ms
 * per key on a busy two-core machine, which is a person's typing speed, and the till rightly
 * takes that for typing; see typeByHand for that case.
 */
export async function scan(page: Page, code: string, gapMs = 5): Promise<void> {
	const cdp = await cdpOf(page);
	const sent: Promise<unknown>[] = [];
	// Each scan's time stamps come after the previous scan's, as a real scanner's would.
	const start = Math.max(Date.now(), (lastScanEnd.get(page) ?? 0) + 100) / 1000;
	lastScanEnd.set(page, start * 1000 + (code.length + 1) * gapMs);
	let i = 0;
	for (const ch of `${code}\n`) {
		const k = keyDef(ch);
		const timestamp = start + (i++ * gapMs) / 1000;
		const common = { key: k.key, code: k.code, windowsVirtualKeyCode: k.keyCode, timestamp };
		sent.push(
			cdp.send('Input.dispatchKeyEvent', {
				type: 'keyDown',
				...common,
				...(k.text ? { text: k.text, unmodifiedText: k.text } : {})
			})
		);
		sent.push(
			cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...common, timestamp: timestamp + 0.002 })
		);
	}
	await Promise.all(sent);
}

const sessions = new WeakMap<Page, CDPSession>();
const lastScanEnd = new WeakMap<Page, number>();

async function cdpOf(page: Page): Promise<CDPSession> {
	let cdp = sessions.get(page);
	if (!cdp) {
		cdp = await page.context().newCDPSession(page);
		sessions.set(page, cdp);
		// The first key event of a page is slow (code paths warming up): not part of any scan.
		await cdp.send('Input.dispatchKeyEvent', {
			type: 'keyDown',
			key: 'Shift',
			code: 'ShiftLeft',
			windowsVirtualKeyCode: 16
		});
		await cdp.send('Input.dispatchKeyEvent', {
			type: 'keyUp',
			key: 'Shift',
			code: 'ShiftLeft',
			windowsVirtualKeyCode: 16
		});
	}
	return cdp;
}

/** A person typing: page.keyboard.press per character, `gapMs` apart (120 ms: a brisk typist). */
export async function typeByHand(page: Page, text: string, gapMs = 120): Promise<void> {
	for (const ch of text) {
		await page.keyboard.press(ch);
		await sleep(gapMs);
	}
}

export function cartLines(page: Page) {
	return page.getByTestId('cart').getByTestId('cart-line');
}

export function line(page: Page, name: string) {
	return cartLines(page).filter({ hasText: name });
}
