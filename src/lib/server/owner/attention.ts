/**
 * The owner's attention list: money that needs a person. Late payments to refund, unknown
 * outcomes past the deadline, notifications that disagree with their charge or that the till
 * refused, orphan notifications, paid charges no sale names (`unsold`), and sales whose
 * payment-code tender matches no paid charge (`sale`). Items marked dealt with (a review, with
 * a note) leave the list while their kind stays the same.
 */
import type { Kysely } from 'kysely';
import { formatYuan } from '../../domain/money';
import { readFlags } from '../db/flags';
import type { Database } from '../db/schema';
import { FLAG } from '../charges/notifications';

export interface AttentionItem {
	kind: 'late' | 'unknown' | 'mismatch' | 'orphan' | 'refused' | 'flagged' | 'unsold' | 'sale';
	/**
	 * What the owner names to mark it dealt with: `<kind>:<order_no>` for a charge (`late:…`,
	 * `unsold:…`), `orphan:<notification id>`, `refused:<notification id>`, `sale:<sale id>`.
	 */
	ref: string;
	order_no: string | null;
	store_id: string | null;
	amount: string | null;
	charge_id: string | null;
	state: string | null;
	detail: string;
	at: string;
	/**
	 * The raw flags behind a `flagged` or `sale` item (charges/notifications.ts FLAG, sales.ts),
	 * so a page can word them in its own language.
	 */
	flags?: string[];
	/** A `sale` item's sale number, as the receipt shows it. */
	sale_number?: string;
	/** Set when the owner has marked it dealt with (listed only when asked for). */
	reviewed: Review | null;
}

/** Who marked an item dealt with, when and what they did; `by` null: the command line. */
export interface Review {
	at: string;
	note: string;
	by: { id: string; name: string } | null;
}

/**
 * Which items a back-office user sees: those of their stores, and the ones no store owns
 * (orphan and refused notifications) only when `storeless` (the server's one business).
 */
export interface AttentionScope {
	storeIds: readonly string[];
	storeless: boolean;
}

function inScope(item: { store_id: string | null }, scope: AttentionScope | undefined): boolean {
	if (!scope) return true;
	return item.store_id === null ? scope.storeless : scope.storeIds.includes(item.store_id);
}

/**
 * How long a paid charge may go without a sale that names it before the owner is told. A till
 * records the sale the moment the charge is paid and syncs it within seconds when online; an
 * hour leaves room for a till that went offline right after.
 */
export const UNSOLD_GRACE_MS = 3600_000;
/**
 * How far back the unsold list looks: a paid charge still without a sale a month on has been
 * seen on the list for a month; it bounds the query, which scans paid charges.
 */
export const UNSOLD_LOOKBACK_MS = 30 * 24 * 3600_000;

/** The longest note the owner may keep on a reviewed item. */
export const REVIEW_NOTE_MAX = 500;

type Pending = AttentionItem & { subject: string };

/**
 * Everything the owner must look at: late payments to refund, unknown outcomes, mismatches,
 * orphans, money taken with no sale recorded for it (`unsold`: the cashier abandoned the
 * wait and the customer paid anyway before the deadline, or a till lost the sale), and sales
 * whose payment-code tender matches no paid charge of the store (`sale`). Items the
 * owner marked dealt with (`reviewAttentionItem`) are left out unless `includeReviewed`.
 */
export async function chargesNeedingOwner(
	db: Kysely<Database>,
	now = Date.now(),
	opts: { includeReviewed?: boolean; scope?: AttentionScope } = {}
): Promise<AttentionItem[]> {
	const items = (await attentionCandidates(db, now)).filter((i) => inScope(i, opts.scope));
	const reviews = new Map<string, Review>();
	const subjects = [...new Set(items.map((i) => i.subject))];
	for (let i = 0; i < subjects.length; i += 500) {
		const rows = await db
			.selectFrom('owner_reviews')
			.selectAll()
			.where('subject', 'in', subjects.slice(i, i + 500))
			.execute();
		for (const r of rows)
			reviews.set(`${r.subject} ${r.kind}`, {
				at: new Date(Number(r.reviewed_at)).toISOString(),
				note: r.note,
				by: r.reviewed_by ? { id: r.reviewed_by, name: r.reviewed_by_name ?? r.reviewed_by } : null
			});
	}
	const out: AttentionItem[] = [];
	for (const { subject, ...item } of items) {
		const reviewed = reviews.get(`${subject} ${item.kind}`) ?? null;
		if (reviewed && !opts.includeReviewed) continue;
		out.push({ ...item, reviewed });
	}
	return out;
}

/** An owner's review that cannot be recorded; the message names the field and the rule. */
export class ReviewError extends Error {
	constructor(
		readonly field: 'ref' | 'note',
		message: string
	) {
		super(message);
		this.name = 'ReviewError';
	}
}

/** How many items are open (not dealt with) for a scope: the back office's header badge. */
export async function openAttentionCount(
	db: Kysely<Database>,
	scope: AttentionScope,
	now = Date.now()
): Promise<number> {
	return (await chargesNeedingOwner(db, now, { scope })).length;
}

/**
 * Marks the attention item `ref` (as listed) dealt with, with the owner's note of what was
 * done, and who did it (`by`; none from the command line); it leaves the list while its kind
 * stays the same. Reviewing it again replaces the note. With a `scope`, an item outside it is
 * "not on the list", as one that does not exist.
 */
export async function reviewAttentionItem(
	db: Kysely<Database>,
	ref: string,
	note: string,
	now = Date.now(),
	opts: { by?: { id: string; name: string } | null; scope?: AttentionScope } = {}
): Promise<AttentionItem> {
	const text = note.trim();
	const length = [...text].length;
	if (length === 0)
		throw new ReviewError('note', 'note: say what was done (for example "refunded in Teegon")');
	if (length > REVIEW_NOTE_MAX)
		throw new ReviewError('note', `note: at most ${REVIEW_NOTE_MAX} characters`);
	const item = (await attentionCandidates(db, now)).find(
		(i) => i.ref === ref && inScope(i, opts.scope)
	);
	if (!item)
		throw new ReviewError(
			'ref',
			`ref: "${ref}" is not on the owner's list (use a ref as \`attention\` prints it)`
		);
	const by = opts.by ?? null;
	const mark = {
		reviewed_at: now,
		note: text,
		reviewed_by: by?.id ?? null,
		reviewed_by_name: by?.name ?? null
	};
	await db
		.insertInto('owner_reviews')
		.values({ subject: item.subject, kind: item.kind, ...mark })
		.onConflict((oc) => oc.columns(['subject', 'kind']).doUpdateSet(mark))
		.execute();
	const { subject: _subject, ...view } = item;
	return { ...view, reviewed: { at: new Date(now).toISOString(), note: text, by } };
}

/** A charge's flag in the owner's words. */
function chargeFlagText(flag: string): string {
	switch (flag) {
		case FLAG.unreadable:
			return 'a notification said neither success nor failure: check in the Teegon account';
		case FLAG.mismatch:
			return 'a signed notification named this order with another charge id or metadata: not applied; check in the Teegon account';
		case FLAG.contradicted:
			return "a notification said paid, Teegon's status query said it failed: check in the Teegon account";
		default:
			return flag;
	}
}

/** A sale's flag (sales.ts) in the owner's words. */
function saleFlagText(flag: string): string {
	const [what, order, state] = flag.split(':');
	switch (what) {
		case 'charge_missing':
			return `paid by payment code ${order}, which is no charge of this store`;
		case 'charge_not_paid':
			return `paid by payment code ${order}, whose charge is ${state}, not paid`;
		case 'charge_reused':
			return `paid by payment code ${order}, which already pays another sale (counted twice?)`;
		case 'charge_amount_mismatch':
			return `paid by payment code ${order} for another amount than the charge's`;
		default:
			return flag;
	}
}

async function attentionCandidates(db: Kysely<Database>, now: number): Promise<Pending[]> {
	const charges = await db
		.selectFrom('charges')
		.selectAll()
		.where((eb) =>
			eb.or([
				eb('late', '=', 1),
				eb('flags', 'is not', null),
				eb.and([eb('state', '=', 'unknown'), eb('deadline_at', '<', now)])
			])
		)
		.orderBy('created_at')
		.execute();
	// One item per thing to look at: a charge both mismatched and late is two, so a review of
	// the one does not hide the other.
	const items: Pending[] = [];
	for (const c of charges) {
		const flags = readFlags(c.flags);
		const item = (kind: AttentionItem['kind'], detail: string): Pending => ({
			kind,
			subject: `charge:${c.id}`,
			ref: `${kind}:${c.order_no}`,
			order_no: c.order_no,
			store_id: c.store_id,
			amount: formatYuan(c.amount),
			charge_id: c.charge_id,
			state: c.state,
			detail,
			at: new Date(c.created_at).toISOString(),
			reviewed: null
		});
		if (flags.includes(FLAG.amountMismatch))
			items.push(
				item(
					'mismatch',
					`a notification reported another amount than ${formatYuan(c.amount)}: check in the Teegon account`
				)
			);
		const other = flags.filter((f) => f !== FLAG.amountMismatch);
		if (other.length)
			items.push({ ...item('flagged', other.map(chargeFlagText).join('; ')), flags: other });
		if (c.late)
			items.push(
				item('late', 'paid after the till was told it failed: refund it in the Teegon account')
			);
		if (c.state === 'unknown' && c.deadline_at < now)
			items.push(
				item(
					'unknown',
					`outcome unknown${c.last_status ? ` (${c.last_status})` : ''}: check in the Teegon account`
				)
			);
	}
	const unsold = await db
		.selectFrom('charges')
		.selectAll()
		.where('state', '=', 'paid')
		.where('late', '=', 0)
		.where('flags', 'is', null)
		.where('created_at', '<', now - UNSOLD_GRACE_MS)
		.where('created_at', '>=', now - UNSOLD_LOOKBACK_MS)
		.where(({ not, exists, selectFrom }) =>
			not(
				exists(
					// A sale of the charge's own store: another store's till naming this order gets
					// its sale flagged (charge_missing), and must not hide this store's money.
					selectFrom('sale_tenders')
						.innerJoin('sales', 'sales.id', 'sale_tenders.sale_id')
						.select('sale_tenders.order_no')
						.whereRef('sale_tenders.order_no', '=', 'charges.order_no')
						.whereRef('sales.store_id', '=', 'charges.store_id')
				)
			)
		)
		.orderBy('created_at')
		.execute();
	for (const c of unsold) {
		items.push({
			kind: 'unsold',
			subject: `charge:${c.id}`,
			ref: `unsold:${c.order_no}`,
			order_no: c.order_no,
			store_id: c.store_id,
			amount: formatYuan(c.amount),
			charge_id: c.charge_id,
			state: c.state,
			detail:
				'paid, but no sale names this charge: find the sale or refund it in the Teegon account',
			at: new Date(c.created_at).toISOString(),
			reviewed: null
		});
	}
	const flaggedSales = await db
		.selectFrom('sales')
		.select(['id', 'store_id', 'number', 'total', 'flags', 'received_at'])
		.where('flags', 'is not', null)
		.orderBy('received_at')
		.execute();
	for (const sale of flaggedSales) {
		items.push({
			kind: 'sale',
			subject: `sale:${sale.id}`,
			ref: `sale:${sale.id}`,
			order_no: null,
			store_id: sale.store_id,
			amount: formatYuan(sale.total),
			charge_id: null,
			state: null,
			detail: `sale ${sale.number}: ${readFlags(sale.flags).map(saleFlagText).join('; ')}`,
			flags: readFlags(sale.flags),
			sale_number: sale.number,
			at: new Date(Number(sale.received_at)).toISOString(),
			reviewed: null
		});
	}
	const notifications = await db
		.selectFrom('notifications')
		.selectAll()
		.where('outcome', 'in', ['orphan', 'refused'])
		.orderBy('received_at')
		.execute();
	for (const n of notifications) {
		const f = JSON.parse(n.fields) as Record<string, string>;
		const kind = n.outcome === 'orphan' ? 'orphan' : 'refused';
		items.push({
			kind,
			subject: `notification:${n.id}`,
			ref: `${kind}:${n.id}`,
			order_no: n.order_no,
			store_id: n.store_id,
			amount: f.amount ?? null,
			charge_id: n.charge_id,
			state: f.is_success === 'true' ? 'paid' : (f.status ?? null),
			detail:
				kind === 'orphan'
					? 'notification for an order this server never charged'
					: `a signed notification the till refused (fields: ${Object.keys(f).sort().join(', ')}): check in the Teegon account`,
			at: new Date(n.received_at).toISOString(),
			reviewed: null
		});
	}
	return items;
}
