/** Which of the till screen's small dialogs is open, and what it is about. */
export class TillDialogs {
	cashier = $state(false);
	recent = $state(false);
	held = $state(false);
	help = $state(false);
	confirmClear = $state(false);
	/** The open-price dialog, with the unknown barcode it came from (if any). */
	openPrice = $state<{ barcode: string | null } | null>(null);
	/** The line whose quantity is being typed. */
	quantityLine = $state<string | null>(null);
	/** A line id, 'sale' for the whole-sale discount. */
	discountTarget = $state<string | null>(null);

	/** A small dialog is open (not counting the payment or the done screen). */
	get anyOpen(): boolean {
		return (
			this.cashier ||
			this.recent ||
			this.held ||
			this.help ||
			this.confirmClear ||
			!!this.openPrice ||
			!!this.quantityLine ||
			!!this.discountTarget
		);
	}

	/** Dialogs that may sit over the done screen. */
	get overDone(): boolean {
		return this.cashier || this.recent || this.help;
	}

	/** A scan is the cashier's next action: it closes the small dialogs it would land behind. */
	closeForScan(): void {
		this.openPrice = null;
		this.quantityLine = null;
		this.discountTarget = null;
		this.confirmClear = false;
		this.help = false;
		this.recent = false;
		this.held = false;
	}
}
