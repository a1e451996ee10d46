/**
 * The till screen's state: this device's identity and cashier, the catalog copy, the sale being
 * rung up (cart, tenders, the payment in progress), the last finished sale and the status line.
 * Components read its fields and call its methods; it holds no DOM.
 *
 * Browser-only at run time (IndexedDB, localStorage, fetch), but every dependency is injectable,
 * so tests/unit/till/session*.spec.ts drive it in Node with fake-indexeddb and a fake server.
 *
 * The rules it keeps (issue 4; peers.md):
 * - A payment code is charged only with items in the cart, online, and never while another
 *   charge may still go through; a refused scan is not stored anywhere.
 * - The charge is recorded on the device before it is sent (payment.ts), and the sale with its
 *   outbox row before the screen says "done" (recordSale).
 * - The sale being rung up (cart, tenders, draft id) is kept in localStorage, so a reload in the
 *   middle of a payment finds the cart the resumed charge belongs to.
 */
import { getContext, setContext } from 'svelte';
import { displayYuan, formatYuan, type Fen } from '$lib/domain/money';
import { MAX_CASH_CHANGE, MAX_FEN, MAX_TENDERS, type Sale, type Tender } from '$lib/domain/sale';
import type { I18n, MessageKey, MessageVars } from '$lib/i18n';
import {
	chargesToResume,
	findByBarcode,
	favourites as loadFavourites,
	getMeta,
	openTillDb,
	recordChargeStarted,
	recordSale,
	requestPersistence,
	searchProducts,
	setChargeState,
	setMeta,
	bindStore,
	unsettledCharge,
	type CatalogProduct,
	type PersistState,
	type ChargeRecord,
	type SaleRecord,
	type TillDb
} from '$lib/offline/db';
import { httpSender, pullCatalog, SaleSync, type FetchLike } from '$lib/offline/sync';
import { SyncStatusState } from '$lib/offline/sync-status.svelte';
import {
	addOpenPriceItem,
	addProduct,
	cashTender,
	CartError,
	changeQuantity,
	emptyCart,
	isEmpty,
	remainingDue,
	removeLine,
	setLineDiscount,
	setQuantity,
	setSaleDiscount,
	toSaleAmounts,
	totals,
	type Cart,
	type CartTotals,
	type Discount
} from './cart';
import { orderTillCode, receiptTillCode } from './identity';
import { makeOrderNo, nextDailySeq, saleNumber, type DailySeq } from './order-no';
import {
	isFinalPhase,
	PaymentAttempt,
	type PaymentDeps,
	type PaymentSnapshot,
	type Wallet
} from './payment';
import { classifyScan, isPaymentCode } from '$lib/devices/scanner/scan-classify';
import { TillApi, type TillIdentity } from './till-api';

export type Mode = 'sandbox' | 'live';

export type NoticeTone = 'info' | 'success' | 'warn' | 'error';

export interface Notice {
	id: number;
	tone: NoticeTone;
	key: MessageKey;
	vars?: MessageVars;
	/** An unknown barcode: offer to add it as an open-price item. */
	openPriceBarcode?: string;
}

export type PaperWidth = 58 | 80;

/** What survives a reload of the sale being rung up. */
interface Draft {
	saleId: string;
	cart: Cart;
	tenders: Tender[];
}

export const STORAGE_KEYS = {
	token: 'till.token',
	identity: 'till.identity',
	cashier: 'till.cashier',
	draft: 'till.draft',
	paper: 'till.paper'
} as const;

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface TillSessionOptions {
	mode: Mode;
	/** Sandbox only: the demo till's token. */
	demoToken: string | null;
	i18n: I18n;
	fetch?: FetchLike;
	/** Default: the browser's IndexedDB database "till". */
	db?: TillDb;
	storage?: KeyValueStorage | null;
	now?: () => number;
	/** Overrides for the payment machine (tests: fast retries, no real sleeping). */
	payment?: Partial<Pick<PaymentDeps, 'sleep' | 'retryDelay' | 'pollWaitSeconds'>>;
	/** `navigator.onLine` by default. */
	isOnline?: () => boolean;
	/** Start the sync engine, timers and window listeners (off in unit tests). */
	background?: boolean;
	/** Played when a charge is paid. */
	onPaid?: () => void;
}

const CATALOG_PULL_MS = 60_000;
const HEALTH_PING_MS = 5_000;
const SUBJECT_MAX = 128;

function safeStorage(): KeyValueStorage | null {
	try {
		return globalThis.localStorage ?? null;
	} catch {
		return null;
	}
}

function readJson<T>(storage: KeyValueStorage | null, key: string): T | null {
	try {
		const text = storage?.getItem(key);
		return text ? (JSON.parse(text) as T) : null;
	} catch {
		return null;
	}
}

function writeJson(storage: KeyValueStorage | null, key: string, value: unknown): void {
	try {
		if (value === null) storage?.removeItem(key);
		else storage?.setItem(key, JSON.stringify(value));
	} catch {
		// full or denied storage: the value lasts for this page only
	}
}

function isDraft(x: unknown): x is Draft {
	if (!x || typeof x !== 'object') return false;
	const d = x as Draft;
	return (
		typeof d.saleId === 'string' &&
		!!d.cart &&
		Array.isArray(d.cart.lines) &&
		typeof d.cart.nextLine === 'number' &&
		Array.isArray(d.tenders)
	);
}

/** A point in time for numbering (never mutated, so not reactive state). */
function dateAt(ms: number): Date {
	return new Date(ms);
}

/** Reads a daily counter, moves it on and stores it in one transaction (two tabs, one till). */
async function takeSeq(db: TillDb, key: 'orderSeq' | 'saleSeq', at: Date): Promise<number> {
	return db.transaction('rw', db.meta, async () => {
		const last = ((await getMeta(db, key)) as DailySeq | undefined) ?? null;
		const next = nextDailySeq(last, at);
		await setMeta(db, key, next);
		return next.seq;
	});
}

export class TillSession {
	readonly mode: Mode;
	readonly i18n: I18n;
	readonly syncStatus = new SyncStatusState();

	// --- device --------------------------------------------------------------------------
	ready = $state(false);
	needsPairing = $state(false);
	pairing = $state(false);
	pairError = $state<MessageKey | null>(null);
	identity = $state.raw<TillIdentity | null>(null);
	cashier = $state('');
	paper = $state<PaperWidth>(80);
	online = $state(true);
	reachable = $state(true);
	/** navigator.storage.persist()'s answer; 'denied' is shown, since eviction would lose queued sales. */
	storagePersistence = $state<PersistState | null>(null);

	// --- catalog -------------------------------------------------------------------------
	favourites = $state.raw<CatalogProduct[]>([]);
	searchResults = $state.raw<CatalogProduct[]>([]);
	searchQuery = $state('');
	catalogCount = $state(0);

	// --- the sale being rung up ----------------------------------------------------------
	cart = $state.raw<Cart>(emptyCart());
	tenders = $state.raw<Tender[]>([]);
	saleId = $state<string>(crypto.randomUUID());
	selectedLineId = $state<string | null>(null);
	/** A smaller amount for the next payment-code charge (split); null: all that is due. */
	paymentCodeAmount = $state<Fen | null>(null);
	payment = $state.raw<PaymentSnapshot | null>(null);
	/**
	 * From a payment code's scan until its attempt is on screen (the order number is taken from
	 * the device database in between): a second code, cash and cart edits wait, or one sale
	 * could be charged twice.
	 */
	startingCharge = $state(false);
	/** The tenders as restored from the draft (see complete(): the same sale, or a new one). */
	#restoredTenders: readonly Tender[] | null = null;
	saving = $state(false);

	// --- after the sale ------------------------------------------------------------------
	lastSale = $state.raw<Sale | null>(null);
	recent = $state.raw<SaleRecord[]>([]);
	notice = $state.raw<Notice | null>(null);
	/** Device time, moved on every second while a payment runs (the countdown reads it). */
	clock = $state(0);

	readonly #options: TillSessionOptions;
	readonly #storage: KeyValueStorage | null;
	readonly #now: () => number;
	readonly #api: TillApi;
	#db: TillDb | null = null;
	#sync: SaleSync | null = null;
	#attempt: PaymentAttempt | null = null;
	#token: string | null = null;
	#noticeSeq = 0;
	#noticeTimer: ReturnType<typeof setTimeout> | null = null;
	#searchSeq = 0;
	#cleanups: (() => void)[] = [];
	#healthTimer: ReturnType<typeof setTimeout> | null = null;
	#destroyed = false;

	constructor(options: TillSessionOptions) {
		this.#options = options;
		this.mode = options.mode;
		this.i18n = options.i18n;
		this.#storage = options.storage === undefined ? safeStorage() : options.storage;
		this.#now = options.now ?? Date.now;
		this.#api = new TillApi({
			getToken: () => this.#token,
			...(options.fetch ? { fetch: options.fetch } : {}),
			onReachability: (ok) => this.#setReachable(ok)
		});
	}

	// =====================================================================================
	// Start and stop

	/** Opens the device database, finds the token and identity, and starts selling. */
	async start(): Promise<void> {
		this.#db = this.#options.db ?? openTillDb();
		this.online = this.#isOnline();
		this.cashier = this.#storage?.getItem(STORAGE_KEYS.cashier)?.trim() ?? '';
		this.paper = this.#storage?.getItem(STORAGE_KEYS.paper) === '58' ? 58 : 80;
		this.identity = readJson<TillIdentity>(this.#storage, STORAGE_KEYS.identity);
		this.#token =
			this.mode === 'sandbox'
				? this.#options.demoToken
				: (this.#storage?.getItem(STORAGE_KEYS.token) ?? null);
		this.#restoreDraft();
		if (!this.#token) {
			this.needsPairing = true;
			this.ready = true;
			return;
		}
		await this.#startSelling();
	}

	async #startSelling(): Promise<void> {
		const db = this.#db!;
		this.needsPairing = false;
		await this.#refreshIdentity();
		if (this.needsPairing) {
			// The token was refused: nothing can be sent until the till is paired again.
			this.ready = true;
			return;
		}
		if (this.#sync) {
			// Paired again after the token was refused: the same engine, with the new token.
			this.#sync.resume();
		} else if (this.#options.background !== false) {
			requestPersistence(db).then(
				(state) => (this.storagePersistence = state),
				() => (this.storagePersistence = 'unsupported')
			);
			const sync = new SaleSync(db, {
				send: httpSender('', () => this.#token, this.#options.fetch)
			});
			this.#sync = sync;
			this.#cleanups.push(this.syncStatus.connect(sync));
			const off = sync.subscribe(() => void this.refreshRecent());
			this.#cleanups.push(off);
			sync.start();
			this.#listen();
		}
		await this.#loadCatalog();
		await this.refreshRecent();
		// Read before the till is ready, so the first charge to resume is on screen by then:
		// a code scanned at once must not start a second charge beside it.
		const resume = await chargesToResume(db).catch(() => [] as ChargeRecord[]);
		this.ready = true;
		void this.pullCatalog();
		void this.#resumeCharges(resume);
	}

	#listen(): void {
		const w = globalThis.window;
		if (!w) return;
		const online = (): void => {
			this.online = true;
			void this.pullCatalog();
			void this.#api.health();
		};
		const offline = (): void => {
			this.online = false;
		};
		w.addEventListener('online', online);
		w.addEventListener('offline', offline);
		const catalogTimer = setInterval(() => void this.pullCatalog(), CATALOG_PULL_MS);
		const clockTimer = setInterval(() => {
			if (this.payment && !isFinalPhase(this.payment.phase)) this.clock = this.#now();
		}, 1000);
		this.#cleanups.push(() => {
			w.removeEventListener('online', online);
			w.removeEventListener('offline', offline);
			clearInterval(catalogTimer);
			clearInterval(clockTimer);
		});
	}

	async destroy(): Promise<void> {
		this.#destroyed = true;
		this.#attempt?.stop();
		for (const cleanup of this.#cleanups.splice(0)) cleanup();
		if (this.#healthTimer) clearTimeout(this.#healthTimer);
		if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
		await this.#sync?.stop();
	}

	#isOnline(): boolean {
		return this.#options.isOnline?.() ?? globalThis.navigator?.onLine ?? true;
	}

	/** Called by the page on `online`/`offline` (and by tests). */
	setOnline(online: boolean): void {
		this.online = online;
	}

	#setReachable(ok: boolean): void {
		if (this.reachable === ok) return;
		this.reachable = ok;
		if (!ok) this.#scheduleHealth();
	}

	#scheduleHealth(): void {
		if (this.#healthTimer || this.#destroyed || this.#options.background === false) return;
		this.#healthTimer = setTimeout(() => {
			this.#healthTimer = null;
			void this.#api.health().then((ok) => {
				if (!ok) this.#scheduleHealth();
				else void this.pullCatalog();
			});
		}, HEALTH_PING_MS);
	}

	/** Payment codes need the till's server (and through it Teegon). */
	get canTakePaymentCode(): boolean {
		return this.online && this.reachable;
	}

	// =====================================================================================
	// Identity, pairing, cashier, settings

	get storeName(): string {
		return this.identity?.store?.name ?? this.i18n.t('app.title');
	}

	get tillName(): string {
		return this.identity?.till.name ?? '';
	}

	get tillCode(): string {
		const till = this.identity?.till;
		return till ? receiptTillCode(till.name, till.id) : 'T0';
	}

	async #refreshIdentity(): Promise<void> {
		const me = await this.#api.me();
		if (me.kind === 'ok') {
			this.identity = me.value;
			writeJson(this.#storage, STORAGE_KEYS.identity, me.value);
			const store = me.value.store;
			if (this.#db && store) await bindStore(this.#db, store.id).catch(() => undefined);
		} else if (me.kind === 'rejected' && me.status === 401 && this.mode === 'live') {
			// The token was revoked: pair again. Sales already on the device stay queued.
			this.#storage?.removeItem(STORAGE_KEYS.token);
			this.#token = null;
			this.needsPairing = true;
		}
	}

	/** Live mode: checks a pasted till token with GET /api/me and keeps it on this device. */
	async pair(token: string): Promise<boolean> {
		const trimmed = token.trim();
		this.pairError = null;
		if (!trimmed) {
			this.pairError = 'pair.empty';
			return false;
		}
		this.pairing = true;
		try {
			const me = await this.#api.me(trimmed);
			if (me.kind !== 'ok') {
				this.pairError =
					me.kind === 'rejected' && me.status === 401 ? 'pair.invalid' : 'pair.unreachable';
				return false;
			}
			// Another store's till: not while this device holds sales of the old one not yet sent.
			const store = me.value.store;
			const before = this.identity?.store?.id;
			if (store && before && before !== store.id && this.tenders.length > 0) {
				// Money already taken for the sale on screen belongs to the old store.
				this.pairError = 'pair.otherStoreQueued';
				return false;
			}
			let bound: Awaited<ReturnType<typeof bindStore>> = { ok: true, changed: false };
			try {
				if (store) bound = await bindStore(this.#db!, store.id, before);
			} catch (err) {
				console.error('binding the device to the store failed', err);
				this.pairError = 'pair.unreachable';
				return false;
			}
			if (!bound.ok) {
				this.pairError = 'pair.otherStoreQueued';
				return false;
			}
			// Another store: the cart on screen (no money taken) was the old store's products.
			if (bound.changed) this.#resetSale();
			this.#token = trimmed;
			this.#storage?.setItem(STORAGE_KEYS.token, trimmed);
			this.identity = me.value;
			writeJson(this.#storage, STORAGE_KEYS.identity, me.value);
			await this.#startSelling();
			return true;
		} finally {
			this.pairing = false;
		}
	}

	setCashier(name: string): boolean {
		const trimmed = clipText(name.trim(), 64);
		if (!trimmed) return false;
		this.cashier = trimmed;
		this.#storage?.setItem(STORAGE_KEYS.cashier, trimmed);
		return true;
	}

	setPaper(paper: PaperWidth): void {
		this.paper = paper;
		this.#storage?.setItem(STORAGE_KEYS.paper, String(paper));
	}

	// =====================================================================================
	// Notices

	say(tone: NoticeTone, key: MessageKey, vars?: MessageVars, extra: Partial<Notice> = {}): void {
		if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
		this.#noticeTimer = null;
		const notice: Notice = {
			id: ++this.#noticeSeq,
			tone,
			key,
			...(vars ? { vars } : {}),
			...extra
		};
		this.notice = notice;
		// Good news fades; anything the cashier must act on stays until the next notice.
		if ((tone === 'info' || tone === 'success') && this.#options.background !== false) {
			this.#noticeTimer = setTimeout(() => {
				if (this.notice?.id === notice.id) this.notice = null;
			}, 4000);
		}
	}

	dismissNotice(): void {
		this.notice = null;
	}

	#cartError(err: unknown): void {
		if (err instanceof CartError) this.say('error', `cart.error.${err.code}`);
		else throw err;
	}

	// =====================================================================================
	// Catalog

	async pullCatalog(): Promise<void> {
		const db = this.#db;
		if (!db || !this.#token || this.needsPairing) return;
		try {
			const result = await pullCatalog(db, this.#options.fetch, { getToken: () => this.#token });
			this.#setReachable(true);
			if (result.changed > 0 || result.deleted > 0 || result.resynced || this.catalogCount === 0) {
				await this.#loadCatalog();
			}
		} catch (err) {
			const kind = (err as { kind?: string }).kind;
			if (kind === 'network' || (err as { status?: number }).status === 502) {
				this.#setReachable(false);
			}
		}
	}

	async #loadCatalog(): Promise<void> {
		const db = this.#db;
		if (!db) return;
		this.favourites = await loadFavourites(db);
		this.catalogCount = await db.catalog.count();
		if (this.searchQuery) await this.search(this.searchQuery);
	}

	/** Name, pinyin initials ("nfsq"), code or barcode. */
	async search(query: string): Promise<void> {
		this.searchQuery = query;
		const seq = ++this.#searchSeq;
		const db = this.#db;
		const results = db && query.trim() ? await searchProducts(db, query, 30) : [];
		if (seq === this.#searchSeq) this.searchResults = results;
	}

	// =====================================================================================
	// The cart

	get totals(): CartTotals {
		return totals(this.cart);
	}

	/** Still to pay after the tenders so far. */
	get due(): Fen {
		return remainingDue(this.totals.total, this.tenders);
	}

	get paidSoFar(): Fen {
		return this.totals.total - this.due;
	}

	/** A payment on screen that is not final (not counting one being started). */
	paymentActiveNow(): boolean {
		return !!this.payment && !isFinalPhase(this.payment.phase);
	}

	/** A payment is being started, is running, or its outcome needs the cashier's eyes. */
	get paymentActive(): boolean {
		return this.startingCharge || this.paymentActiveNow();
	}

	/** Lines can change only before the first tender and outside a payment. */
	get cartLocked(): boolean {
		return this.tenders.length > 0 || this.paymentActive || this.saving;
	}

	#setCart(cart: Cart, select?: string | null): void {
		this.cart = cart;
		if (select !== undefined) this.selectedLineId = select;
		else if (this.selectedLineId && !cart.lines.some((l) => l.lineId === this.selectedLineId)) {
			this.selectedLineId = cart.lines.at(-1)?.lineId ?? null;
		}
		this.#saveDraft();
	}

	#guardCart(): boolean {
		if (this.paymentActive) {
			this.say('warn', 'scan.paymentCodeBusy');
			return false;
		}
		if (this.cartLocked) {
			this.say('warn', 'till.cartLocked');
			return false;
		}
		return true;
	}

	/** Starts the next sale if the last one is still on screen. */
	#leaveDone(): void {
		if (this.lastSale) this.lastSale = null;
	}

	addProduct(product: CatalogProduct, barcode?: string): boolean {
		this.#leaveDone();
		if (!this.#guardCart()) return false;
		try {
			const cart = addProduct(this.cart, {
				id: product.id,
				name: product.name,
				price: product.price,
				barcode: barcode ?? product.barcodes[0] ?? null
			});
			const line = cart.lines.findLast((l) => l.productId === product.id);
			this.#setCart(cart, line?.lineId ?? null);
			return true;
		} catch (err) {
			this.#cartError(err);
			return false;
		}
	}

	addOpenPrice(name: string, unitPrice: Fen, barcode: string | null = null): boolean {
		this.#leaveDone();
		if (!this.#guardCart()) return false;
		try {
			const cart = addOpenPriceItem(this.cart, { name, unitPrice, barcode });
			this.#setCart(cart, cart.lines.at(-1)?.lineId ?? null);
			if (this.notice?.openPriceBarcode) this.notice = null;
			return true;
		} catch (err) {
			this.#cartError(err);
			return false;
		}
	}

	#edit(f: (cart: Cart) => Cart): boolean {
		if (!this.#guardCart()) return false;
		try {
			this.#setCart(f(this.cart));
			return true;
		} catch (err) {
			this.#cartError(err);
			return false;
		}
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

	/** True when the sale can be dropped: no money has been taken for it. */
	get canCancelSale(): boolean {
		return !this.paymentActive && !this.tenders.some((t) => t.kind === 'payment_code');
	}

	/** Empties the cart (F8). Refused once a payment code was charged for this sale. */
	cancelSale(): boolean {
		this.#leaveDone();
		if (!this.canCancelSale) {
			this.say('warn', this.paymentActive ? 'scan.paymentCodeBusy' : 'till.cannotCancelPaid');
			return false;
		}
		this.#resetSale();
		return true;
	}

	/** Undoes a cash tender of this sale (handed back); payment-code tenders cannot be undone. */
	removeCashTender(index: number): void {
		if (this.paymentActive || this.tenders[index]?.kind !== 'cash') return;
		this.tenders = this.tenders.filter((_, i) => i !== index);
		this.#saveDraft();
	}

	#resetSale(): void {
		this.cart = emptyCart();
		this.tenders = [];
		this.#restoredTenders = null;
		this.saleId = crypto.randomUUID();
		this.selectedLineId = null;
		this.paymentCodeAmount = null;
		if (this.payment && isFinalPhase(this.payment.phase)) this.payment = null;
		this.#saveDraft();
	}

	#saveDraft(): void {
		const draft: Draft | null =
			isEmpty(this.cart) && this.tenders.length === 0
				? null
				: { saleId: this.saleId, cart: this.cart, tenders: this.tenders };
		writeJson(this.#storage, STORAGE_KEYS.draft, draft);
	}

	#restoreDraft(): void {
		const draft = readJson<unknown>(this.#storage, STORAGE_KEYS.draft);
		if (!isDraft(draft)) return;
		try {
			totals(draft.cart); // refuses a damaged cart
			this.cart = draft.cart;
			this.tenders = draft.tenders;
			this.#restoredTenders = draft.tenders;
			this.saleId = draft.saleId;
			this.selectedLineId = draft.cart.lines.at(-1)?.lineId ?? null;
		} catch {
			writeJson(this.#storage, STORAGE_KEYS.draft, null);
		}
	}

	// =====================================================================================
	// Scans

	/**
	 * Every scan (keyboard wedge, manual entry): a payment code charges the sale, a product
	 * barcode adds the product, anything else is looked up or reported.
	 */
	async handleScan(raw: string): Promise<void> {
		const scan = classifyScan(raw);
		if (isPaymentCode(scan)) {
			await this.#paymentCodeScanned(scan.code, scan.kind);
			return;
		}
		if (scan.kind === 'other' && scan.reason === 'empty') return;
		if (scan.kind === 'other' && scan.reason === 'bad_check_digit') {
			this.say('error', 'scan.badCheckDigit', { code: scan.code });
			return;
		}
		const db = this.#db;
		if (!db) return;
		const forms = scan.kind === 'other' ? [scan.code] : scan.lookup;
		let product: CatalogProduct | undefined;
		try {
			for (const form of forms) {
				product = await findByBarcode(db, form);
				if (product) break;
			}
			if (!product && scan.kind === 'other') {
				const hits = await searchProducts(db, scan.code, 2);
				const exact = hits.find((p) => p.code?.toLowerCase() === scan.code.toLowerCase());
				product = exact;
			}
		} catch (e) {
			// The device database could not be read (closed by the browser, storage gone): say so,
			// rather than the scan vanishing without a word.
			console.error('product lookup', e);
			this.say('error', 'scan.lookupFailed', { code: scan.code });
			return;
		}
		if (product) {
			this.addProduct(product, scan.kind === 'other' ? undefined : scan.code);
			return;
		}
		this.#leaveDone();
		this.say(
			'warn',
			'scan.unknownBarcode',
			{ code: scan.code },
			this.cartLocked ? {} : { openPriceBarcode: scan.code }
		);
	}

	async #paymentCodeScanned(code: string, wallet: Wallet): Promise<void> {
		// None of these refusals keeps the code anywhere: it is dropped with this call.
		if (!this.ready) {
			// Still starting: a charge from before a reload may not be resumed yet.
			this.say('warn', 'scan.paymentCodeNotReady');
			return;
		}
		if (this.startingCharge) {
			this.say('error', 'scan.paymentCodeBusy');
			return;
		}
		if (this.payment && !isFinalPhase(this.payment.phase)) {
			this.say(
				'error',
				this.payment.phase === 'unknown' ? 'payment.unknown' : 'scan.paymentCodeBusy'
			);
			return;
		}
		if (this.saving) {
			this.say('warn', 'scan.paymentCodeBusy');
			return;
		}
		if (this.lastSale || isEmpty(this.cart)) {
			this.say('error', 'scan.paymentCodeEmptyCart');
			return;
		}
		if (!this.canTakePaymentCode) {
			this.say('error', this.online ? 'till.paymentCodeUnreachable' : 'tender.paymentCodeOffline');
			return;
		}
		if (!this.cashier) {
			this.say('error', 'till.cashierRequired');
			return;
		}
		const due = this.due;
		if (due <= 0) {
			this.say('info', 'till.nothingDue');
			return;
		}
		const wanted = this.paymentCodeAmount;
		const amount = wanted !== null && wanted > 0 && wanted < due ? wanted : due;
		if (amount < due && this.tenders.length >= MAX_TENDERS - 1) {
			// The last tender must pay the rest: the server refuses a sale with more.
			this.say('error', 'till.tooManyTenders', { max: MAX_TENDERS });
			return;
		}
		await this.#charge(code, wallet, amount);
	}

	// =====================================================================================
	// Payment-code charges

	#subject(): string {
		const names = this.cart.lines.map((l) => l.name);
		const first = names[0] ?? this.i18n.t('sale.title');
		const more = names.length > 1 ? ` 等${this.totals.itemCount}件` : '';
		// The server refuses control characters; a product name imported with a line break
		// must not make the payment fail.
		return [...`${this.storeName} ${first}${more}`]
			.map((ch) => (ch < ' ' || ch === '\x7f' ? ' ' : ch))
			.slice(0, SUBJECT_MAX)
			.join('');
	}

	async #charge(authCode: string, wallet: Wallet, amount: Fen): Promise<void> {
		const db = this.#db!;
		const till = this.identity?.till;
		const saleId = this.saleId;
		let attempt: PaymentAttempt;
		this.startingCharge = true; // before the first await: see startingCharge
		try {
			// A charge of this sale whose outcome the device does not know yet (resumed after a
			// reload, say) may still be paid: never a second one beside it.
			const open = await unsettledCharge(db, saleId, this.tenders);
			if (open) {
				this.say('error', 'scan.paymentStillOpen', { orderNo: open.orderNo });
				// Find out now, on screen, unless a payment is on screen already (being asked
				// about): a record left open (its last write failed) must not block the sale for good.
				if (this.paymentActiveNow()) return;
				attempt = this.#newAttempt({
					orderNo: open.orderNo,
					saleDraftId: open.saleDraftId,
					amount: open.amount,
					wallet: 'unknown',
					resumed: true
				});
			} else {
				const at = dateAt(this.#now());
				const seq = await takeSeq(db, 'orderSeq', at);
				// Another payment came on screen meanwhile (one resumed after a reload): not beside it.
				if (this.paymentActiveNow()) {
					this.say('error', 'scan.paymentCodeBusy');
					return;
				}
				const orderNo = makeOrderNo({
					tillCode: till ? orderTillCode(till.name, till.id) : 'T0',
					at,
					seq
				});
				this.notice = null;
				this.#saveDraft();
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
						metadata: { sale: saleId, till: this.tillCode }
					}
				});
			}
		} catch (err) {
			// The device database failed before anything was sent.
			console.error('starting the charge failed', err);
			this.say('error', 'till.notRecorded');
			return;
		} finally {
			this.startingCharge = false;
		}
		await this.#runAttempt(attempt);
	}

	#newAttempt(charge: ConstructorParameters<typeof PaymentAttempt>[0]): PaymentAttempt {
		const db = this.#db!;
		const attempt = new PaymentAttempt(charge, {
			api: this.#api,
			store: {
				started: (c) => recordChargeStarted(db, c, this.#now),
				setState: async (orderNo, state) => {
					await setChargeState(db, orderNo, state, this.#now);
				}
			},
			now: this.#now,
			...this.#options.payment,
			onChange: (snapshot) => {
				if (this.#attempt === attempt) this.payment = snapshot;
			}
		});
		this.#attempt = attempt;
		this.payment = attempt.snapshot;
		this.clock = this.#now();
		return attempt;
	}

	async #runAttempt(attempt: PaymentAttempt): Promise<void> {
		const result = await attempt.run();
		if (result.phase !== 'paid') return;
		if (this.#attempt === attempt) {
			await this.#chargePaid(result);
			return;
		}
		// Paid, but no longer the payment on screen: never dropped without a word. The device
		// keeps it as paid, so the next start shows it again; the owner's list has it too.
		if (this.tenders.some((t) => t.kind === 'payment_code' && t.orderNo === result.orderNo)) return;
		this.say('error', 'till.paidWithoutSale', {
			amount: displayYuan(result.amount),
			orderNo: result.orderNo
		});
	}

	async #chargePaid(result: PaymentSnapshot): Promise<void> {
		if (result.saleDraftId !== this.saleId) {
			// The sale this charge belonged to is no longer on this till (lost draft).
			this.say('error', 'till.paidWithoutSale', {
				amount: displayYuan(result.amount),
				orderNo: result.orderNo
			});
			await setChargeState(this.#db!, result.orderNo, 'cancelled', this.#now).catch(
				() => undefined
			);
			return;
		}
		this.#options.onPaid?.();
		if (!this.tenders.some((t) => t.kind === 'payment_code' && t.orderNo === result.orderNo)) {
			this.tenders = [
				...this.tenders,
				{
					kind: 'payment_code',
					amount: result.amount,
					orderNo: result.orderNo,
					chargeId: result.charge?.charge_id ?? null,
					wallet: result.wallet
				}
			];
		}
		this.paymentCodeAmount = null;
		this.#saveDraft();
		if (this.due === 0) await this.complete();
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
		if (this.#attempt === attempt && result.phase === 'paid') await this.#chargePaid(result);
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
	async #resumeCharges(charges: ChargeRecord[]): Promise<void> {
		for (const [i, charge] of charges.entries()) {
			if (i > 0) {
				let settled = false;
				for (;;) {
					// Not over a payment the cashier started meanwhile: after it.
					while (this.paymentActive && !this.#destroyed)
						await new Promise((r) => setTimeout(r, 250));
					// Settled meanwhile (asked about when a code was scanned for its sale)?
					const now = await this.#db!.charges.get(charge.orderNo).catch(() => undefined);
					settled = !!now && now.state !== 'pending' && now.state !== 'paid';
					if (settled || !this.paymentActive || this.#destroyed) break;
				}
				if (settled) continue;
			}
			if (this.#destroyed) return;
			const attempt = this.#newAttempt({
				orderNo: charge.orderNo,
				saleDraftId: charge.saleDraftId,
				amount: charge.amount,
				wallet: 'unknown',
				resumed: true
			});
			await this.#runAttempt(attempt);
		}
	}

	// =====================================================================================
	// Cash and completing the sale

	/** Cash handed over: pays what is due (change back) or part of it (split). */
	async payCash(handed: Fen): Promise<boolean> {
		if (this.paymentActive || this.saving || isEmpty(this.cart)) return false;
		if (!this.cashier) {
			this.say('error', 'till.cashierRequired');
			return false;
		}
		const due = this.due;
		if (handed <= 0 || due <= 0) return false;
		if (handed - due > MAX_CASH_CHANGE || handed > MAX_FEN) {
			this.say('error', 'tender.tooMuch', { max: displayYuan(MAX_CASH_CHANGE) });
			return false;
		}
		const tender = cashTender(due, handed);
		if (tender.amount < due && this.tenders.length >= MAX_TENDERS - 1) {
			// The last tender must pay the rest: the server refuses a sale with more.
			this.say('error', 'till.tooManyTenders', { max: MAX_TENDERS });
			return false;
		}
		this.tenders = [...this.tenders, tender];
		this.#saveDraft();
		if (this.due === 0) await this.complete();
		return true;
	}

	/** Records the sale (with its outbox row) on the device, then shows it as done. */
	async complete(): Promise<boolean> {
		const db = this.#db;
		if (!db || this.saving || isEmpty(this.cart) || this.due !== 0) return false;
		if (!this.cashier) {
			this.say('error', 'till.cashierRequired');
			return false;
		}
		this.saving = true;
		try {
			const at = dateAt(this.#now());
			const seq = await takeSeq(db, 'saleSeq', at);
			let sale: Sale = {
				id: this.saleId,
				number: saleNumber(this.tillCode, at, seq),
				cashier: this.cashier,
				createdAt: at.toISOString(),
				...toSaleAmounts(this.cart),
				tenders: this.tenders
			};
			if ((await recordSale(db, sale, this.#now)) === 'already-recorded') {
				const stored = (await db.sales.get(sale.id))?.sale;
				if (stored && this.tenders === this.#restoredTenders && sameSale(stored, sale)) {
					// Recorded before (the tab died before it could clear the draft), and no money
					// taken since the draft came back: that one stands.
					sale = stored;
				} else {
					// Another tab, restored from the same draft, recorded a different sale under this
					// id: this one is a sale of its own, never dropped.
					sale = { ...sale, id: crypto.randomUUID() };
					if ((await recordSale(db, sale, this.#now)) !== 'recorded')
						throw new Error(`sale ${sale.id}: could not be recorded`);
				}
			}
			this.lastSale = sale;
			if (this.payment && isFinalPhase(this.payment.phase)) {
				// keep a paid payment's banner for the done screen; drop anything else
				if (this.payment.phase !== 'paid') this.payment = null;
			}
			this.#attempt = null;
			this.#resetSale();
			this.#sync?.nudge();
			await this.refreshRecent();
			return true;
		} catch (err) {
			console.error('recording the sale failed', err);
			this.say('error', 'till.saveFailed');
			return false;
		} finally {
			this.saving = false;
		}
	}

	/** Closes the done screen. */
	newSale(): void {
		this.lastSale = null;
		if (this.payment && isFinalPhase(this.payment.phase)) {
			this.payment = null;
			this.#attempt = null;
		}
	}

	async refreshRecent(): Promise<void> {
		const db = this.#db;
		if (!db) return;
		try {
			this.recent = await db.sales.orderBy('createdAt').reverse().limit(30).toArray();
		} catch {
			// the list is a convenience; the status line still shows the queue
		}
	}
}

/** At most `max` UTF-16 units, never cutting a character (an emoji) in half. */
function clipText(text: string, max: number): string {
	let out = '';
	for (const ch of text) {
		if (out.length + ch.length > max) break;
		out += ch;
	}
	return out;
}

/** The same sale as far as the money goes: what was sold, for how much, paid how. */
function sameSale(a: Sale, b: Sale): boolean {
	const money = (s: Sale) => JSON.stringify([s.lines, s.subtotal, s.discount, s.total, s.tenders]);
	return money(a) === money(b);
}

const CONTEXT = Symbol('till.session');

export function setTillContext(session: TillSession): TillSession {
	return setContext(CONTEXT, session);
}

export function getTillContext(): TillSession {
	return getContext<TillSession>(CONTEXT);
}
