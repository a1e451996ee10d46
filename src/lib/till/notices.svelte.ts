/**
 * The till's one message line: what just happened, or what the cashier must do. Good news fades;
 * anything to act on stays until the next notice, or until its sale is over.
 */
import type { MessageKey, MessageVars } from '$lib/i18n';

export type NoticeTone = 'info' | 'success' | 'warn' | 'error';

export interface Notice {
	id: number;
	tone: NoticeTone;
	key: MessageKey;
	vars?: MessageVars;
	/** An unknown whole barcode: offer to add it as an open-price item. */
	openPriceBarcode?: string;
	/** About money outside the sale on screen (a payment no sale holds): kept past the sale. */
	outlivesSale?: boolean;
}

export interface NoticesOptions {
	/** How long good news stays; 0 keeps it (unit tests). */
	fadeMs?: number;
}

export class Notices {
	current = $state.raw<Notice | null>(null);
	#seq = 0;
	#fadeTimer: ReturnType<typeof setTimeout> | null = null;
	readonly #fadeMs: number;

	constructor(options: NoticesOptions = {}) {
		this.#fadeMs = options.fadeMs ?? 4000;
	}

	say(
		tone: NoticeTone,
		key: MessageKey,
		vars?: MessageVars,
		extra: Pick<Notice, 'openPriceBarcode' | 'outlivesSale'> = {}
	): void {
		this.#clearTimer();
		const notice: Notice = { id: ++this.#seq, tone, key, ...(vars ? { vars } : {}), ...extra };
		this.current = notice;
		if ((tone === 'info' || tone === 'success') && this.#fadeMs > 0) {
			this.#fadeTimer = setTimeout(() => {
				if (this.current?.id === notice.id) this.current = null;
			}, this.#fadeMs);
		}
	}

	dismiss(): void {
		this.#clearTimer();
		this.current = null;
	}

	/** The sale on screen is over (recorded or emptied): what was said about it goes with it. */
	saleEnded(): void {
		if (this.current && !this.current.outlivesSale) this.dismiss();
	}

	/** The open-price offer was taken up. */
	dropOpenPriceOffer(): void {
		if (this.current?.openPriceBarcode) this.dismiss();
	}

	destroy(): void {
		this.#clearTimer();
	}

	#clearTimer(): void {
		if (this.#fadeTimer) clearTimeout(this.#fadeTimer);
		this.#fadeTimer = null;
	}
}
