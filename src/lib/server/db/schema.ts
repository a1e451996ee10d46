/**
 * The till server's tables, one schema for SQLite and PostgreSQL. Times are integer
 * milliseconds since the epoch; money is integer fen; booleans are 0/1 integers so both
 * engines read them alike.
 */
import type { Generated, Selectable } from 'kysely';
import type { ChargeFailureCode, ChargeState } from '../../domain/charge';

export interface StoresTable {
	id: string;
	name: string;
	created_at: number;
	/**
	 * The business the store belongs to (0009: existing stores went to the one it made). Null
	 * only for a store written by hand without one: it is nobody's in the back office.
	 */
	business_id?: string | null;
	/** A discount above this many fen needs a manager's PIN at the till; null: never. */
	approve_discount_over?: number | null;
	/** 0/1: removing a line after a payment started needs a manager's PIN. */
	approve_remove_paid_line?: number | null;
	/** 0/1: abandoning a payment whose outcome is unknown needs a manager's PIN. */
	approve_abandon_unknown?: number | null;
	/** 0/1: voiding a sale needs a manager's PIN. */
	approve_void?: number | null;
	/** IANA zone of the shop's clock: reports bucket sales by its local day and hour. */
	time_zone: Generated<string>;
}

export interface TillsTable {
	id: string;
	store_id: string;
	name: string;
	/** SHA-256 hex of the bearer token; the token itself is never stored. */
	token_hash: string;
	created_at: number;
	/** What the till last told the server (any authenticated call), for the tills list. */
	last_seen_at?: number | null;
	app_version?: string | null;
	queued_sales?: number | null;
}

export type { ChargeState };

export interface ChargesTable {
	id: string;
	store_id: string;
	till_id: string;
	/** Unique across the whole database: it is Teegon's order_no, and one account may serve many stores. */
	order_no: string;
	amount: number;
	subject: string;
	/** SHA-256 of the payment code, for the single-use check; the code itself is not kept. */
	auth_code_hash: string;
	auth_code_last4: string;
	wallet: string;
	metadata: string | null;
	/** SHA-256 of the request's canonical fields: the same order_no with another body is a 409. */
	request_hash: string;
	state: ChargeState;
	charge_id: string | null;
	channel: string | null;
	transaction_no: string | null;
	paid_at: string | null;
	failure: string | null;
	/** Why it failed, for programs (domain/charge.ts); null unless failed. */
	failure_code: ChargeFailureCode | null;
	/** Paid after the till had given up: money taken that the owner must refund. */
	late: number;
	/** Things the owner must look at ('amount_mismatch', …): a JSON array of text; null if none. */
	flags: string | null;
	/** Last trade_status or reason seen from Teegon, for the owner. */
	last_status: string | null;
	created_at: number;
	updated_at: number;
	deadline_at: number;
	/** When Teegon was (about to be) called: a charge without it was never sent. */
	sent_at: number | null;
	/** When the worker should next ask Teegon; null when nothing more will be asked. */
	next_check_at: number | null;
	checks: Generated<number>;
	/** Bumped by every update: writers compare it so concurrent updates never overwrite each other. */
	rev: Generated<number>;
	/** Which server instance is working the charge, and until when (several instances on PostgreSQL). */
	lease_owner: string | null;
	lease_until: number | null;
	/**
	 * No charge id yet, and asked by order_no Teegon said it has no such charge: since when
	 * (the first of an unbroken run of such answers). Null otherwise.
	 */
	absent_since: number | null;
}

export interface NotificationsTable {
	id: string;
	/** SHA-256 of the canonical field set: a replay of the same notification is stored once. */
	digest: string;
	received_at: number;
	order_no: string | null;
	charge_id: string | null;
	/** Every field as received, JSON. */
	fields: string;
	/** applied | orphan | mismatch | refused | unconfirmed | contradicted | ignored */
	outcome: string;
	store_id: string | null;
}

export interface SalesTable {
	id: string;
	store_id: string;
	till_id: string;
	number: string;
	cashier: string;
	/** The staff member signed in at the till (users.id); null for sales from before sign-in. */
	cashier_id?: string | null;
	created_at: string;
	received_at: number;
	subtotal: number;
	discount: number;
	total: number;
	/** The sale as the device sent it, JSON. */
	body: string;
	/** What the owner must look at about this sale: a JSON array of text; null if none. */
	flags: string | null;
	/** Hours from 1970-01-01 00:00 in the store's wall time to the sale's (reports/local-time.ts). */
	local_hour: number | null;
}

export interface SaleLinesTable {
	sale_id: string;
	line_no: number;
	product_id: string | null;
	name: string;
	quantity: number;
	unit_price: number;
	discount: number;
	total: number;
}

export interface SaleTendersTable {
	sale_id: string;
	tender_no: number;
	kind: string;
	amount: number;
	order_no: string | null;
	/** Payment codes: wechat | alipay | unknown, from the charge (else the till's word); null for cash. */
	wallet: string | null;
}

export interface ProductsTable {
	id: string;
	store_id: string;
	name: string;
	price: number;
	/** JSON array of barcodes. */
	barcodes: string;
	category: string | null;
	pinyin: string | null;
	favourite: number;
	/** Catalog version at which this row last changed (the store's catalog counter). */
	version: number;
	deleted: number;
	/** 0: deactivated in the back office; the tills no longer sell it (0015). */
	active: Generated<number>;
	/** When and by whom (a back-office user id; null: an import from the command line). */
	updated_at: number | null;
	updated_by: string | null;
}

/**
 * Which order last used a payment code (by hash), and when: the single-use check as one
 * atomic upsert, so two orders racing with one code cannot both pass (charges/service.ts).
 */
export interface AuthCodeClaimsTable {
	auth_code_hash: string;
	order_no: string;
	claimed_at: number;
}

/**
 * The owner's "dealt with" mark on an item of the attention list (charges/service.ts):
 * `subject` is `charge:<id>`, `notification:<id>` or `sale:<id>`; `kind` the item's kind.
 */
export interface OwnerReviewsTable {
	subject: string;
	kind: string;
	reviewed_at: number;
	note: string;
	/** The back-office user who marked it, and their name then; null from the command line (0016). */
	reviewed_by: string | null;
	reviewed_by_name: string | null;
}

export type Role = 'owner' | 'manager' | 'cashier';

export interface BusinessesTable {
	id: string;
	name: string;
	setup_done: number;
	created_at: number;
}

export interface UsersTable {
	id: string;
	business_id: string;
	/** Lower-cased sign-in name; null for staff who only use a till PIN. */
	login: string | null;
	name: string;
	role: Role;
	/** argon2id (PHC string); null: no back-office sign-in. */
	password_hash: string | null;
	/** argon2id of the till PIN; never sent to a tablet. */
	pin_hash: string | null;
	disabled: number;
	created_at: number;
	updated_at: number;
}

/** Which stores a manager or cashier works in (an owner has every store of the business). */
export interface UserStoresTable {
	user_id: string;
	store_id: string;
}

export interface SessionsTable {
	/** SHA-256 hex of the cookie's token. */
	token_hash: string;
	user_id: string;
	created_at: number;
	expires_at: number;
	last_seen_at: number;
}

export interface AuthThrottleTable {
	key: string;
	failures: number;
	window_start: number;
	locked_until: number | null;
}

export interface PairingCodesTable {
	code_hash: string;
	till_id: string;
	created_by: string;
	created_at: number;
	expires_at: number;
	used_at: number | null;
}

/** A manager's PIN given at a till for one action; linked to the sale that used it. */
export interface ApprovalsTable {
	id: string;
	store_id: string;
	till_id: string;
	manager_id: string;
	cashier_id: string | null;
	action: string;
	amount: number | null;
	created_at: number;
	sale_id: string | null;
}

/**
 * Report summaries, kept in the same transaction as each sale's insert (reports/summaries.ts)
 * and rebuilt from the sales by the migration. Money in fen. `returns` stays 0 until returns exist.
 */
export interface ReportHoursTable {
	store_id: string;
	/** The store's local hour (reports/local-time.ts). */
	hour: number;
	till_id: string;
	sales: number;
	/** Sum of unitPrice × quantity. */
	gross: number;
	line_discounts: number;
	sale_discounts: number;
	/** Sum of sale totals: gross − both discounts. */
	total: number;
	returns: number;
	cash: number;
	wechat: number;
	alipay: number;
	/** Payment codes of no known wallet. */
	other_tenders: number;
}

export interface ReportCashiersTable {
	store_id: string;
	day: number;
	till_id: string;
	cashier: string;
	sales: number;
	discounts: number;
	total: number;
}

export interface ReportProductsTable {
	store_id: string;
	day: number;
	till_id: string;
	/** `p:<product id>`, or `n:<name>` for an open-price item. */
	product_key: string;
	name: string;
	quantity: number;
	total: number;
}

export interface Database {
	businesses: BusinessesTable;
	users: UsersTable;
	user_stores: UserStoresTable;
	sessions: SessionsTable;
	auth_throttle: AuthThrottleTable;
	pairing_codes: PairingCodesTable;
	approvals: ApprovalsTable;
	report_hours: ReportHoursTable;
	report_cashiers: ReportCashiersTable;
	report_products: ReportProductsTable;
	stores: StoresTable;
	owner_reviews: OwnerReviewsTable;
	auth_code_claims: AuthCodeClaimsTable;
	tills: TillsTable;
	charges: ChargesTable;
	notifications: NotificationsTable;
	sales: SalesTable;
	sale_lines: SaleLinesTable;
	sale_tenders: SaleTendersTable;
	products: ProductsTable;
}

export type Charge = Selectable<ChargesTable>;
export type Product = Selectable<ProductsTable>;
