/**
 * The scan event the device sources deliver: the hub's `ScanEvent` (code, source, at), which the
 * till needs, plus what the hardware says about it, for the settings page's test area. The hub
 * passes the object through as it is, so a listener may read these where they exist.
 */
import type { ScanEvent } from '$lib/devices/scanner/scanner';
import type { Symbology } from './symbology';

export interface DeviceScanEvent extends ScanEvent {
	/** From the HID POS report's AIM identifier, or the camera's detector; null when unknown. */
	symbology?: Symbology | string | null;
	/** The device's product name or port. */
	device?: string;
}
