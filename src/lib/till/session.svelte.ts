/**
 * The till screen's state, composed of one state class per job (device, connection, cashier,
 * print settings, catalog, notices, the sale, checkout, recent sales). The root starts and stops
 * them, owns the API client and the sync engine, and routes every scan. Browser-only at run time,
 * but every dependency is injectable, so unit tests drive it in Node with fake-indexeddb.
 */
import { classifyScan, isPaymentCode, mayBeNewItem } from '$lib/devices/scanner/scan-classify';
import type { Sale } from '$lib/domain/sale';
import type { I18n } from '$lib/i18n';
import { TillApiClient, type FetchLike } from '$lib/offline/api-client';
import { bindStore } from '$lib/offline/catalog';
import { openTillDb, type TillDb } from '$lib/offline/db';
import { chargesToResume } from '$lib/offline/device-charges';
import { requestPersistence } from '$lib/offline/persistence';
import { SaleSync } from '$lib/offline/sale-sync';
import { SyncStatusState } from '$lib/offline/sync-status.svelte';
import { CashierState } from './cashier.svelte';
import { CatalogState } from './catalog.svelte';
import { Checkout } from './checkout.svelte';
import { ConnectionState } from './connection.svelte';
import { DeviceState, type Mode } from './device.svelte';
import { isoAt } from './held';
import { HeldSales, type HeldSale } from './held.svelte';
import { Notices } from './notices.svelte';
import type { PaymentDeps } from './payment';
import { PrintSettings } from './print-settings.svelte';
import { RecentSales } from './recent.svelte';
import { SaleState } from './sale.svelte';
import { browserStorage, type KeyValueStorage } from './storage';

export type { Mode };

export interface TillSessionOptions {
	mode: Mode;
	/** Sandbox only: the demo till's token. */
	demoToken: string | null;
	i18n: I18n;
	fetch?: FetchLike;
	/** Default: the browser's IndexedDB database "till". */
	db?: TillDb;
	/** Default: localStorage. */
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
	/** A sale was recorded on the device (the counter hardware prints it). */
	onSaleRecorded?: (sale: Sale) => void;
}

/**
 * How often the till asks for catalog changes: a price or product changed in the back office
 * reaches the counter within seconds. An unchanged catalog costs one small reply (no products).
 */
const CATALOG_PULL_MS = 5_000;

export class TillSession {
	readonly i18n: I18n;
	readonly notices: Notices;
	readonly device: DeviceState;
	readonly connection: ConnectionState;
	readonly cashier: CashierState;
	readonly print: PrintSettings;
	readonly catalog = new CatalogState();
	readonly recent = new RecentSales();
	readonly sale: SaleState;
	readonly held: HeldSales;
	readonly checkout: Checkout;
	readonly syncStatus = new SyncStatusState();
	ready = $state(false);

	readonly #options: TillSessionOptions;
	readonly #api: TillApiClient;
	readonly #background: boolean;
	#db: TillDb | null = null;
	#sync: SaleSync | null = null;
	#cleanups: (() => void)[] = [];
	readonly #now: () => number;
	#pulling: Promise<void> | null = null;

	constructor(options: TillSessionOptions) {
		this.#options = options;
		this.#background = options.background !== false;
		const storage = options.storage === undefined ? browserStorage() : options.storage;
		const now = options.now ?? Date.now;
		this.#now = now;
		this.i18n = options.i18n;
		this.notices = new Notices({ fadeMs: this.#background ? 4000 : 0 });
		this.device = new DeviceState(options.mode, options.demoToken, storage);
		this.cashier = new CashierState(storage);
		this.print = new PrintSettings(storage);
		this.held = new HeldSales(storage);
		this.#api = new TillApiClient({
			getToken: () => this.device.token,
			...(options.fetch ? { fetch: options.fetch } : {}),
			onReachability: (ok) => this.connection.setReachable(ok)
		});
		this.connection = new ConnectionState({
			...(options.isOnline ? { isOnline: options.isOnline } : {}),
			ping: () => this.#api.health(),
			onBack: () => void this.pullCatalog(),
			pings: this.#background
		});
		this.sale = new SaleState({
			storage,
			notices: this.notices,
			paymentActive: () => this.checkout.paymentActive,
			saving: () => this.checkout.saving
		});
		this.checkout = new Checkout({
			sale: this.sale,
			notices: this.notices,
			device: this.device,
			connection: this.connection,
			cashier: this.cashier,
			recent: this.recent,
			api: this.#api,
			t: (key) => this.i18n.t(key),
			db: () => this.#db,
			ready: () => this.ready,
			recorded: (sale) => {
				this.#sync?.nudge();
				options.onSaleRecorded?.(sale);
			},
			now,
			...(options.payment ? { payment: options.payment } : {}),
			...(options.onPaid ? { onPaid: options.onPaid } : {})
		});
	}

	/** Opens the device database and, with a token, starts selling. */
	async start(): Promise<void> {
		const db = this.#options.db ?? openTillDb();
		this.#db = db;
		this.catalog.attach(db);
		this.recent.attach(db);
		if (this.device.needsPairing) {
			this.ready = true;
			return;
		}
		await this.#startSelling();
	}

	async #startSelling(): Promise<void> {
		const db = this.#db!;
		this.device.identified(await this.#api.me());
		if (this.device.needsPairing) {
			// The token was refused: nothing can be sent until the till is paired again.
			this.ready = true;
			return;
		}
		const storeId = this.device.storeId;
		if (storeId) await bindStore(db, storeId).catch(() => undefined);
		if (this.#sync) {
			// Paired again after the token was refused: the same engine, with the new token.
			this.#sync.resume();
		} else if (this.#background) {
			requestPersistence(db).then(
				(state) => (this.device.storagePersistence = state),
				() => (this.device.storagePersistence = 'unsupported')
			);
			const sync = new SaleSync(db, { send: (batch) => this.#api.postSales(batch) });
			this.#sync = sync;
			this.#cleanups.push(this.syncStatus.connect(sync));
			this.#cleanups.push(sync.subscribe(() => void this.recent.refresh()));
			sync.start();
			this.#listen();
		}
		await this.catalog.load();
		await this.recent.refresh();
		// Read before the till is ready, so the first charge to resume is on screen by then:
		// a code scanned at once must not start a second charge beside it.
		const resume = await chargesToResume(db).catch(() => []);
		this.ready = true;
		void this.pullCatalog();
		void this.checkout.resume(resume);
	}

	#listen(): void {
		const w = globalThis.window;
		if (!w) return;
		const online = (): void => {
			this.connection.setOnline(true);
			void this.pullCatalog();
			void this.#api.health();
		};
		const offline = (): void => this.connection.setOnline(false);
		w.addEventListener('online', online);
		w.addEventListener('offline', offline);
		// A hidden page (another tab, a sleeping tablet) asks nothing, and asks at once on return.
		const catalogTimer = setInterval(() => {
			if (w.document?.visibilityState !== 'hidden') void this.pullCatalog();
		}, CATALOG_PULL_MS);
		const visible = (): void => {
			if (w.document.visibilityState === 'visible') void this.pullCatalog();
		};
		w.document?.addEventListener('visibilitychange', visible);
		const clockTimer = setInterval(() => this.checkout.tick(), 1000);
		this.#cleanups.push(() => {
			w.removeEventListener('online', online);
			w.removeEventListener('offline', offline);
			w.document?.removeEventListener('visibilitychange', visible);
			clearInterval(catalogTimer);
			clearInterval(clockTimer);
		});
	}

	async destroy(): Promise<void> {
		this.checkout.stop();
		this.connection.stop();
		this.notices.destroy();
		for (const cleanup of this.#cleanups.splice(0)) cleanup();
		await this.#sync?.stop();
	}

	/** This store's parked sales, oldest first. */
	get heldSales(): HeldSale[] {
		return this.held.forStore(this.device.storeId ?? null);
	}

	/** Parks the sale being rung up (挂单) and starts an empty one. */
	parkSale(): boolean {
		const { sale, notices } = this;
		if (!sale.canPark) {
			notices.say('warn', sale.empty ? 'held.nothingToPark' : 'held.cannotPark');
			return false;
		}
		const storeId = this.device.storeId ?? null;
		if (this.held.full(storeId)) {
			notices.say('warn', 'held.full');
			return false;
		}
		this.held.add({
			saleId: sale.id,
			cart: sale.cart,
			heldAt: isoAt(this.#now()),
			storeId
		});
		sale.reset();
		notices.say('info', 'held.parked');
		return true;
	}

	/** Takes a parked sale back (取单); the sale on screen must be empty first. */
	resumeSale(saleId: string): boolean {
		const { sale, notices } = this;
		if (!sale.empty || sale.tenders.length > 0 || this.checkout.paymentActive) {
			notices.say('warn', 'held.finishFirst');
			return false;
		}
		const held = this.held.take(saleId);
		if (!held) return false;
		sale.restore(held.saleId, held.cart);
		return true;
	}

	/** Drops a parked sale the customer will not come back for. */
	dropHeld(saleId: string): void {
		this.held.take(saleId);
	}

	/** Pulls the catalog's changes, when the device has a till to pull them for. */
	async pullCatalog(): Promise<void> {
		if (!this.device.token || this.device.needsPairing) return;
		// One pull at a time: a slow reply and the next tick would otherwise ask twice.
		if (this.#pulling) return this.#pulling;
		this.#pulling = this.catalog
			.pull(this.#api)
			.then(() => undefined)
			.catch((err: unknown) => console.error('catalog pull', err))
			.finally(() => (this.#pulling = null));
		return this.#pulling;
	}

	/** Live mode: checks a pasted till token with GET /api/me and keeps it on this device. */
	async pair(token: string): Promise<boolean> {
		const device = this.device;
		const trimmed = token.trim();
		device.pairError = null;
		if (!trimmed) {
			device.pairError = 'pair.empty';
			return false;
		}
		device.pairing = true;
		try {
			const me = await this.#api.me(trimmed);
			if (me.kind !== 'ok') {
				device.pairError =
					me.kind === 'rejected' && me.status === 401 ? 'pair.invalid' : 'pair.unreachable';
				return false;
			}
			const store = me.value.store;
			const before = device.storeId;
			// Money already taken for the sale on screen belongs to the old store.
			if (store && before && before !== store.id && this.sale.tenders.length > 0) {
				device.pairError = 'pair.otherStoreQueued';
				return false;
			}
			let bound: Awaited<ReturnType<typeof bindStore>> = { ok: true, changed: false };
			try {
				if (store) bound = await bindStore(this.#db!, store.id, before);
			} catch (err) {
				console.error('binding the device to the store failed', err);
				device.pairError = 'pair.unreachable';
				return false;
			}
			if (!bound.ok) {
				// Sales or charges of the old store are still on the device.
				device.pairError = 'pair.otherStoreQueued';
				return false;
			}
			// Another store: the cart on screen (no money taken) was the old store's products.
			if (bound.changed) this.cancelSale();
			device.paired(trimmed, me.value);
			await this.#startSelling();
			return true;
		} finally {
			device.pairing = false;
		}
	}

	/** Empties the sale on screen (F8), when no money that cash cannot hand back was taken. */
	cancelSale(): boolean {
		if (!this.sale.cancel()) return false;
		this.checkout.saleDropped();
		return true;
	}

	/**
	 * Every scan (keyboard wedge, manual entry): a payment code charges the sale, a product code
	 * adds the product, anything else is looked up or said to be unknown or misread.
	 */
	async handleScan(raw: string): Promise<void> {
		const scan = classifyScan(raw);
		if (isPaymentCode(scan)) {
			await this.checkout.paymentCodeScanned(scan.code, scan.kind);
			return;
		}
		if (scan.kind === 'other' && scan.reason === 'empty') return;
		const notices = this.notices;
		if (scan.kind === 'other' && scan.reason === 'bad_check_digit') {
			notices.say('error', 'scan.misread', { code: scan.code });
			return;
		}
		if (!this.#db) return;
		let product;
		try {
			product = await this.catalog.findScanned(scan);
		} catch (e) {
			// The device database could not be read (closed by the browser, storage gone): say so,
			// rather than the scan vanishing without a word.
			console.error('product lookup', e);
			notices.say('error', 'scan.lookupFailed', { code: scan.code });
			return;
		}
		if (product) {
			this.sale.addProduct(product, scan.kind === 'other' ? undefined : scan.code);
			return;
		}
		this.sale.leaveDone();
		if (!mayBeNewItem(scan.code)) {
			notices.say('error', 'scan.misread', { code: scan.code });
			return;
		}
		notices.say(
			'warn',
			'scan.unknownBarcode',
			{ code: scan.code },
			this.sale.locked ? {} : { openPriceBarcode: scan.code }
		);
	}
}
