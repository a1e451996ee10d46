/**
 * Taking payment for the sale on screen: payment-code charges (one at a time, resumed after a
 * reload), cash, and recording the finished sale. The rules it keeps:
 * - a payment code is charged only with items in the cart, online, and never while another
 *   charge of the sale may still go through; a refused scan is stored nowhere;
 * - the charge is recorded on the device before it is sent (payment.ts), and the sale with its
 *   outbox row before the screen says "done".
 */
import { displayYuan, formatYuan, type Fen } from '$lib/domain/money';
import { MAX_CASH_CHANGE, MAX_FEN, MAX_TENDERS, type Sale } from '$lib/domain/sale';
import { uuid } from '$lib/domain/uuid';
import type { MessageKey } from '$lib/i18n';
import type { ChargeApi } from '$lib/offline/api-client';
import { takeSeq } from '$lib/offline/counters';
import type { DeviceCharge, TillDb } from '$lib/offline/db';
import {
	deviceCharge,
	recordChargeStarted,
	setChargeState,
	unsettledCharge
} from '$lib/offline/device-charges';
import { recordedSale, recordSale } from '$lib/offline/outbox';
import { cashTender, toSaleAmounts } from './cart';
import type { CashierState } from './cashier.svelte';
import type { ConnectionState } from './connection.svelte';
import type { DeviceState } from './device.svelte';
import type { Notices } from './notices.svelte';
import { makeOrderNo, nextDailySeq, saleNumber } from './order-no';
import {
	isFinalPhase,
	PaymentAttempt,
	type NewCharge,
	type PaymentDeps,
	type PaymentSnapshot,
	type Wallet
} from './payment';
import type { RecentSales } from './recent.svelte';
import type { SaleState } from './sale.svelte';

/** Teegon's subject is at most 128 characters. */
const SUBJECT_MAX = 128;

export interface CheckoutOptions {
	sale: SaleState;
	notices: Notices;
	device: DeviceState;
	connection: ConnectionState;
	cashier: CashierState;
	recent: RecentSales;
	api: ChargeApi;
	t: (key: MessageKey) => string;
	/** The device database, once open. */
	db: () => TillDb | null;
	/** The till has started (a charge from before a reload is on screen by then). */
	ready: () => boolean;
	/** A sale was recorded: send it (and print its receipt, open the drawer). */
	recorded: (sale: Sale) => void;
	now: () => number;
	payment?: Partial<Pick<PaymentDeps, 'sleep' | 'retryDelay' | 'pollWaitSeconds'>>;
	/** Played when a charge is paid. */
	onPaid?: () => void;
}

/** A point in time for numbering: never changed, so not reactive state. */
function dateAt(ms: number): Date {
	return new Date(ms);
}

/** The same sale as far as the money goes: what was sold, for how much, paid how. */
function sameSale(a: Sale, b: Sale): boolean {
	const money = (s: Sale) => JSON.stringify([s.lines, s.subtotal, s.discount, s.total, s.tenders]);
	return money(a) === money(b);
}

export class Checkout {
	/** The payment on screen (running or finished), null when none. */
	payment = $state.raw<PaymentSnapshot | null>(null);
	/**
	 * From a payment code's scan until its attempt is on screen (the order number is taken from
	 * the device database in between): a second code, cash and cart edits wait, or one sale
	 * could be charged twice.
	 */
	startingCharge = $state(false);
	/** A smaller amount for the next payment-code charge (split); null: all that is due. */
	paymentCodeAmount = $state<Fen | null>(null);
	saving = $state(false);
	/** Device time, moved on every second while a payment runs (the countdown reads it). */
	clock = $state(0);

	readonly #o: CheckoutOptions;
	#attempt: PaymentAttempt | null = null;
	#stopped = false;

	constructor(options: CheckoutOptions) {
		this.#o = options;
	}

	/** A payment on screen that is not final (not counting one being started). */
	get paymentRunning(): boolean {
		return !!this.payment && !isFinalPhase(this.payment.phase);
	}

	/** A payment is being started, is running, or its outcome needs the cashier's eyes. */
	get paymentActive(): boolean {
		return this.startingCharge || this.paymentRunning;
	}

	/** Every second while a payment runs. */
	tick(): void {
		if (this.paymentRunning) this.clock = this.#o.now();
	}

	stop(): void {
		this.#stopped = true;
		this.#attempt?.stop();
	}

	// ---- payment codes ----------------------------------------------------------------------

	async paymentCodeScanned(code: string, wallet: Wallet): Promise<void> {
		const { sale, notices } = this.#o;
		const refuse = (key: MessageKey, tone: 'warn' | 'error' = 'error') => notices.say(tone, key);
		// None of these refusals keeps the code anywhere: it is dropped with this call.
		if (!this.#o.ready()) return refuse('scan.paymentCodeNotReady', 'warn');
		if (this.startingCharge) return refuse('scan.paymentCodeBusy');
		if (this.paymentRunning)
			return refuse(this.payment?.phase === 'unknown' ? 'payment.unknown' : 'scan.paymentCodeBusy');
		if (this.saving) return refuse('scan.paymentCodeBusy', 'warn');
		if (sale.lastSale || sale.empty) return refuse('scan.paymentCodeEmptyCart');
		if (!this.#o.connection.canTakePaymentCode)
			return refuse(
				this.#o.connection.online ? 'till.paymentCodeUnreachable' : 'tender.paymentCodeOffline'
			);
		if (!this.#o.cashier.name) return refuse('till.cashierRequired');
		const due = sale.due;
		if (due <= 0) return notices.say('info', 'till.nothingDue');
		const wanted = this.paymentCodeAmount;
		const amount = wanted !== null && wanted > 0 && wanted < due ? wanted : due;
		if (amount < due && sale.tenders.length >= MAX_TENDERS - 1)
			// The last tender must pay the rest: the server refuses a sale with more.
			return notices.say('error', 'till.tooManyTenders', { max: MAX_TENDERS });
		await this.#charge(code, wallet, amount);
	}

	#subject(): string {
		const { sale, device, t } = this.#o;
		const names = sale.cart.lines.map((l) => l.name);
		const first = names[0] ?? t('sale.title');
		const more = names.length > 1 ? ` 等${sale.totals.itemCount}件` : '';
		// The server refuses control characters; a product name imported with a line break
		// must not make the payment fail.
		return [...`${device.storeName ?? t('app.title')} ${first}${more}`]
			.map((ch) => (ch < ' ' || ch === '\x7f' ? ' ' : ch))
			.slice(0, SUBJECT_MAX)
			.join('');
	}

	async #charge(authCode: string, wallet: Wallet, amount: Fen): Promise<void> {
		const db = this.#o.db()!;
		const { sale, notices, device } = this.#o;
		const saleId = sale.id;
		let attempt: PaymentAttempt;
		this.startingCharge = true; // before the first await: see startingCharge
		try {
			// A charge of this sale whose outcome the device does not know yet (resumed after a
			// reload, say) may still be paid: never a second one beside it.
			const open = await unsettledCharge(db, saleId, sale.tenders);
			if (open) {
				notices.say('error', 'scan.paymentStillOpen', { orderNo: open.orderNo });
				// Find out now, unless a payment is on screen already (being asked about): a record
				// left open (its last write failed) must not block the sale for good.
				if (this.paymentRunning) return;
				attempt = this.#newAttempt(this.#resumed(open));
			} else {
				const at = dateAt(this.#o.now());
				const seq = await takeSeq(db, 'orderSeq', (last) => nextDailySeq(last, at));
				// Another payment came on screen meanwhile (one resumed after a reload): not beside it.
				if (this.paymentRunning) {
					notices.say('error', 'scan.paymentCodeBusy');
					return;
				}
				const orderNo = makeOrderNo({ tillCode: device.orderTillCode, at, seq });
				notices.dismiss();
				sale.saveDraft();
				attempt = this.#newAttempt({
					orderNo,
					saleDraftId: saleId,
					amount,
					wallet,
					request: {
						order_no: orderNo,
						amount: formatYuan(amount),
						subject: this.#subject(),
						auth_code: authCode,
						metadata: { sale: saleId, till: device.tillCode }
					}
				});
			}
		} catch (err) {
			// The device database failed before anything was sent.
			console.error('starting the charge failed', err);
			notices.say('error', 'payment.notRecorded');
			return;
		} finally {
			this.startingCharge = false;
		}
		await this.#run(attempt);
	}

	#resumed(charge: DeviceCharge): NewCharge {
		return {
			orderNo: charge.orderNo,
			saleDraftId: charge.saleDraftId,
			amount: charge.amount,
			wallet: 'unknown',
			resumed: true
		};
	}

	#newAttempt(charge: NewCharge): PaymentAttempt {
		const db = this.#o.db()!;
		const now = this.#o.now;
		const attempt = new PaymentAttempt(charge, {
			api: this.#o.api,
			store: {
				started: (c) => recordChargeStarted(db, c, now),
				setState: async (orderNo, state) => {
					await setChargeState(db, orderNo, state, now);
				}
			},
			now,
			...this.#o.payment,
			onChange: (snapshot) => {
				if (this.#attempt === attempt) this.payment = snapshot;
			}
		});
		this.#attempt = attempt;
		this.payment = attempt.snapshot;
		this.clock = now();
		return attempt;
	}

	async #run(attempt: PaymentAttempt): Promise<void> {
		const result = await attempt.run();
		if (result.phase !== 'paid') return;
		if (this.#attempt === attempt) {
			await this.#paid(result);
			return;
		}
		// Paid, but no longer the payment on screen: never dropped without a word. The device
		// keeps it as paid, so the next start shows it again; the owner's list has it too.
		if (this.#o.sale.tenders.some((t) => t.kind === 'payment_code' && t.orderNo === result.orderNo))
			return;
		this.#paidWithoutSale(result);
	}

	#paidWithoutSale(result: PaymentSnapshot): void {
		this.#o.notices.say(
			'error',
			'till.paidWithoutSale',
			{ amount: displayYuan(result.amount), orderNo: result.orderNo },
			{ outlivesSale: true }
		);
	}

	async #paid(result: PaymentSnapshot): Promise<void> {
		const { sale } = this.#o;
		if (result.saleDraftId !== sale.id) {
			// The sale this charge belonged to is no longer on this till (lost draft).
			this.#paidWithoutSale(result);
			await setChargeState(this.#o.db()!, result.orderNo, 'cancelled', this.#o.now).catch(
				() => undefined
			);
			return;
		}
		this.#o.onPaid?.();
		if (!sale.tenders.some((t) => t.kind === 'payment_code' && t.orderNo === result.orderNo)) {
			sale.addTender({
				kind: 'payment_code',
				amount: result.amount,
				orderNo: result.orderNo,
				chargeId: result.charge?.charge_id ?? null,
				wallet: result.wallet
			});
		}
		this.paymentCodeAmount = null;
		if (sale.due === 0) await this.complete();
	}

	/** "再次查询": ask the server now instead of at the end of the current wait. */
	checkPaymentNow(): void {
		this.#attempt?.checkNow();
	}

	/** After the warning dialog: stop waiting; the charge stays tracked on the server. */
	async abandonPayment(): Promise<void> {
		const attempt = this.#attempt;
		if (!attempt) return;
		const result = await attempt.abandon();
		if (this.#attempt === attempt && result.phase === 'paid') await this.#paid(result);
	}

	/** Closes a finished payment's panel (refused, abandoned, or paid part of a split). */
	dismissPayment(): void {
		if (this.payment && isFinalPhase(this.payment.phase)) {
			this.payment = null;
			this.#attempt = null;
		}
	}

	/**
	 * After a reload: ask the server how every charge in flight ended, one on screen at a time.
	 * The first is on screen before this returns its promise.
	 */
	async resume(charges: DeviceCharge[]): Promise<void> {
		const db = this.#o.db()!;
		for (const [i, charge] of charges.entries()) {
			if (i > 0) {
				let settled = false;
				for (;;) {
					// Not over a payment the cashier started meanwhile: after it.
					while (this.paymentActive && !this.#stopped) await new Promise((r) => setTimeout(r, 250));
					// Settled meanwhile (asked about when a code was scanned for its sale)?
					const now = await deviceCharge(db, charge.orderNo).catch(() => undefined);
					settled = !!now && now.state !== 'pending' && now.state !== 'paid';
					if (settled || !this.paymentActive || this.#stopped) break;
				}
				if (settled) continue;
			}
			if (this.#stopped) return;
			await this.#run(this.#newAttempt(this.#resumed(charge)));
		}
	}

	// ---- cash and the finished sale --------------------------------------------------------

	/** Cash handed over: pays what is due (change back) or part of it (split). */
	async payCash(handed: Fen): Promise<boolean> {
		const { sale, notices } = this.#o;
		if (this.paymentActive || this.saving || sale.empty) return false;
		if (!this.#o.cashier.name) {
			notices.say('error', 'till.cashierRequired');
			return false;
		}
		const due = sale.due;
		if (handed <= 0 || due <= 0) return false;
		if (handed - due > MAX_CASH_CHANGE || handed > MAX_FEN) {
			notices.say('error', 'tender.tooMuch', { max: displayYuan(MAX_CASH_CHANGE) });
			return false;
		}
		const tender = cashTender(due, handed);
		if (tender.amount < due && sale.tenders.length >= MAX_TENDERS - 1) {
			// The last tender must pay the rest: the server refuses a sale with more.
			notices.say('error', 'till.tooManyTenders', { max: MAX_TENDERS });
			return false;
		}
		sale.addTender(tender);
		if (sale.due === 0) await this.complete();
		return true;
	}

	/** Records the sale (with its outbox row) on the device, then shows it as done. */
	async complete(): Promise<boolean> {
		const { sale, notices } = this.#o;
		const db = this.#o.db();
		if (!db || this.saving || sale.empty || sale.due !== 0) return false;
		if (!this.#o.cashier.name) {
			notices.say('error', 'till.cashierRequired');
			return false;
		}
		this.saving = true;
		try {
			const at = dateAt(this.#o.now());
			const seq = await takeSeq(db, 'saleSeq', (last) => nextDailySeq(last, at));
			let record: Sale = {
				id: sale.id,
				number: saleNumber(this.#o.device.tillCode, at, seq),
				cashier: this.#o.cashier.name,
				createdAt: at.toISOString(),
				...toSaleAmounts(sale.cart),
				tenders: sale.tenders
			};
			if ((await recordSale(db, record, this.#o.now)) === 'already-recorded') {
				const stored = await recordedSale(db, record.id);
				if (stored && sale.tenders === sale.restoredTenders && sameSale(stored, record)) {
					// Recorded before (the tab died before it could clear the draft), and no money
					// taken since the draft came back: that one stands.
					record = stored;
				} else {
					// Another tab, restored from the same draft, recorded a different sale under this
					// id: this one is a sale of its own, never dropped.
					record = { ...record, id: uuid() };
					if ((await recordSale(db, record, this.#o.now)) !== 'recorded')
						throw new Error(`sale ${record.id}: could not be recorded`);
				}
			}
			sale.lastSale = record;
			this.saleDropped();
			sale.reset();
			this.#o.recorded(record);
			await this.#o.recent.refresh();
			return true;
		} catch (err) {
			console.error('recording the sale failed', err);
			notices.say('error', 'till.saveFailed');
			return false;
		} finally {
			this.saving = false;
		}
	}

	/** The sale on screen is over or gone: its finished payment and split amount go with it. */
	saleDropped(): void {
		this.dismissPayment();
		this.paymentCodeAmount = null;
	}

	/** Closes the done screen: the next sale. */
	newSale(): void {
		this.#o.sale.leaveDone();
		this.dismissPayment();
	}
}
