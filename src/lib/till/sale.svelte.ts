/**
 * The sale being rung up: its cart, the tenders taken so far (a split), the selected line, and
 * the last finished sale on the done screen. Lines change only before the first tender and
 * outside a payment; every change is kept as the draft.
 */
import type { Fen } from '$lib/domain/money';
import type { Sale, Tender } from '$lib/domain/sale';
import { uuid } from '$lib/domain/uuid';
import type { DeviceProduct } from '$lib/offline/db';
import {
	addOpenPriceItem,
	addProduct,
	CartError,
	changeQuantity,
	emptyCart,
	isEmpty,
	remainingDue,
	removeLine,
	setLineDiscount,
	setQuantity,
	setSaleDiscount,
	totals,
	type Cart,
	type CartTotals,
	type Discount
} from './cart';
import { readDraft, writeDraft } from './draft';
import type { Notices } from './notices.svelte';
import type { KeyValueStorage } from './storage';

export interface SaleStateOptions {
	storage: KeyValueStorage | null;
	notices: Notices;
	/** A payment is being started or runs (checkout.svelte.ts). */
	paymentActive: () => boolean;
	/** The sale is being recorded. */
	saving: () => boolean;
}

export class SaleState {
	cart = $state.raw<Cart>(emptyCart());
	tenders = $state.raw<Tender[]>([]);
	id = $state<string>(uuid());
	selectedLineId = $state<string | null>(null);
	/** The finished sale on the done screen. */
	lastSale = $state.raw<Sale | null>(null);
	/** The tenders as the draft brought them back: recorded before? (checkout.complete) */
	restoredTenders: readonly Tender[] | null = null;

	readonly #options: SaleStateOptions;

	constructor(options: SaleStateOptions) {
		this.#options = options;
		const draft = readDraft(options.storage);
		if (draft) {
			this.cart = draft.cart;
			this.tenders = draft.tenders;
			this.restoredTenders = draft.tenders;
			this.id = draft.saleId;
			this.selectedLineId = draft.cart.lines.at(-1)?.lineId ?? null;
		}
	}

	get totals(): CartTotals {
		return totals(this.cart);
	}

	get empty(): boolean {
		return isEmpty(this.cart);
	}

	/** Still to pay after the tenders so far. */
	get due(): Fen {
		return remainingDue(this.totals.total, this.tenders);
	}

	get paidSoFar(): Fen {
		return this.totals.total - this.due;
	}

	/** Lines can change only before the first tender and outside a payment. */
	get locked(): boolean {
		return this.tenders.length > 0 || this.#options.paymentActive() || this.#options.saving();
	}

	/** The sale can be dropped: no money has been taken for it that cash cannot hand back. */
	get canCancel(): boolean {
		return !this.#options.paymentActive() && !this.tenders.some((t) => t.kind === 'payment_code');
	}

	addProduct(product: DeviceProduct, barcode?: string): boolean {
		this.leaveDone();
		return this.#edit(
			(cart) =>
				addProduct(cart, {
					id: product.id,
					name: product.name,
					price: product.price,
					barcode: barcode ?? product.barcodes[0] ?? null
				}),
			(cart) => cart.lines.findLast((l) => l.productId === product.id)?.lineId ?? null
		);
	}

	addOpenPrice(name: string, unitPrice: Fen, barcode: string | null = null): boolean {
		this.leaveDone();
		const ok = this.#edit(
			(cart) => addOpenPriceItem(cart, { name, unitPrice, barcode }),
			(cart) => cart.lines.at(-1)?.lineId ?? null
		);
		if (ok) this.#options.notices.dropOpenPriceOffer();
		return ok;
	}

	changeQuantity(lineId: string, by: number): boolean {
		return this.#edit((c) => changeQuantity(c, lineId, by));
	}

	setQuantity(lineId: string, quantity: number): boolean {
		return this.#edit((c) => setQuantity(c, lineId, quantity));
	}

	removeLine(lineId: string): boolean {
		return this.#edit((c) => removeLine(c, lineId));
	}

	setLineDiscount(lineId: string, discount: Discount | null): boolean {
		return this.#edit((c) => setLineDiscount(c, lineId, discount));
	}

	setSaleDiscount(discount: Discount | null): boolean {
		return this.#edit((c) => setSaleDiscount(c, discount));
	}

	select(lineId: string | null): void {
		this.selectedLineId = lineId;
	}

	/** ↑/↓ through the lines. */
	moveSelection(by: number): void {
		const lines = this.cart.lines;
		if (lines.length === 0) return;
		const i = lines.findIndex((l) => l.lineId === this.selectedLineId);
		const next = i < 0 ? (by > 0 ? 0 : lines.length - 1) : (i + by + lines.length) % lines.length;
		this.selectedLineId = lines[next]?.lineId ?? null;
	}

	/** The sale may be parked: it has lines, no tender, and no payment or save runs. */
	get canPark(): boolean {
		return !this.empty && !this.locked;
	}

	/** Brings a parked sale back as the sale being rung up, under its own id. */
	restore(saleId: string, cart: Cart): void {
		this.leaveDone();
		this.cart = cart;
		this.tenders = [];
		this.restoredTenders = null;
		this.id = saleId;
		this.selectedLineId = cart.lines.at(-1)?.lineId ?? null;
		this.saveDraft();
	}

	/** Empties the cart (F8). Refused once a payment code was charged for this sale. */
	cancel(): boolean {
		this.leaveDone();
		if (!this.canCancel) {
			this.#options.notices.say(
				'warn',
				this.#options.paymentActive() ? 'scan.paymentCodeBusy' : 'till.cannotCancelPaid'
			);
			return false;
		}
		this.reset();
		this.#options.notices.saleEnded();
		return true;
	}

	addTender(tender: Tender): void {
		this.tenders = [...this.tenders, tender];
		this.saveDraft();
	}

	/** Undoes a cash tender (handed back); payment-code tenders cannot be undone. */
	removeCashTender(index: number): void {
		if (this.#options.paymentActive() || this.tenders[index]?.kind !== 'cash') return;
		this.tenders = this.tenders.filter((_, i) => i !== index);
		this.saveDraft();
	}

	/** A new, empty sale (after recording one, or after dropping one). */
	reset(): void {
		this.cart = emptyCart();
		this.tenders = [];
		this.restoredTenders = null;
		this.id = uuid();
		this.selectedLineId = null;
		this.saveDraft();
	}

	/** The done screen goes: the next sale is on screen. */
	leaveDone(): void {
		if (this.lastSale) {
			this.lastSale = null;
			this.#options.notices.saleEnded();
		}
	}

	saveDraft(): void {
		writeDraft(
			this.#options.storage,
			this.empty && this.tenders.length === 0
				? null
				: { saleId: this.id, cart: this.cart, tenders: this.tenders }
		);
	}

	#guard(): boolean {
		const { notices } = this.#options;
		if (this.#options.paymentActive()) {
			notices.say('warn', 'scan.paymentCodeBusy');
			return false;
		}
		if (this.locked) {
			notices.say('warn', 'till.cartLocked');
			return false;
		}
		return true;
	}

	/** Applies a cart change; `select` names the line to select after it (default: keep). */
	#edit(change: (cart: Cart) => Cart, select?: (cart: Cart) => string | null): boolean {
		if (!this.#guard()) return false;
		let cart: Cart;
		try {
			cart = change(this.cart);
		} catch (err) {
			if (!(err instanceof CartError)) throw err;
			this.#options.notices.say('error', `cart.error.${err.code}`);
			return false;
		}
		this.cart = cart;
		if (select) this.selectedLineId = select(cart);
		else if (this.selectedLineId && !cart.lines.some((l) => l.lineId === this.selectedLineId))
			this.selectedLineId = cart.lines.at(-1)?.lineId ?? null;
		this.saveDraft();
		return true;
	}
}
