/**
 * How the tests and benchmarks start Chromium: Debian's build (never a downloaded one), with
 * the flags that work as root on a closed network.
 * CHROMIUM_PATH overrides the binary for machines that keep it elsewhere.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumLaunchOptions = {
	executablePath: CHROMIUM_PATH,
	args: [
		'--no-sandbox',
		'--disable-gpu',
		'--disable-dev-shm-usage',
		'--disable-quic',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
		'--no-first-run'
	]
};
