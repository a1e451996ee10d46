/**
 * The till screen's scanner: the hub with the keyboard wedge, tuned by this device's scanner
 * settings (scanner-settings.ts). bench:wedge measures the same set-up.
 */
import { Scanner, type ScanListener } from './scanner';
import { readScannerSettings, type ScannerSettings } from './scanner-settings';
import { createWedgeSource } from './wedge-source';

/** The wedge options the till uses on a device whose settings are in `storage`. */
export function tillWedgeOptions(storage: Pick<Storage, 'getItem'> | null): ScannerSettings {
	return readScannerSettings(storage);
}

/** Starts the till's scanner; stop it with `scanner.stop()`. */
export async function startTillScanner(
	storage: Pick<Storage, 'getItem'> | null,
	onScan: ScanListener
): Promise<Scanner> {
	const scanner = new Scanner();
	scanner.onScan(onScan);
	scanner.onError((error, source) => console.error(`scanner ${source}`, error));
	await scanner.add(createWedgeSource(tillWedgeOptions(storage)));
	await scanner.start();
	return scanner;
}
