/**
 * Teegon's asynchronous notifications. Teegon's signature concatenates names and values with
 * no separator, so a genuine signature does not pin down which text belongs to which field:
 * a notification is believed only for the charge it names in every field (order_no, amount,
 * metadata, and charge_id once known), only with the fields Teegon sends, and a success only
 * once the status query confirms it (the wallets' own rule: query, then decide).
 */
import type { LogFn } from '../log';
import { createHash, randomUUID } from 'node:crypto';
import { parseYuan } from '../../domain/money';
import { isUniqueViolation } from '../db';
import type { Charge } from '../db/schema';
import {
	NOTIFICATION_CALL_STATUS,
	NOTIFICATION_FIELDS,
	OBSERVED_EXTRA_FIELDS
} from '../teegon/notification';
import { verify } from '../teegon/sign';
import { tradeState } from '../teegon/status';
import { isoFromUnixSeconds } from '../teegon/time';
import type { TeegonApi } from '../teegon/types';
import { observeStatus, unlistedStatus } from './observe';
import { notificationLag, notifications } from '../metrics';
import type { ChargeStore } from './store';
import type { Observation } from './transition';

/** Every field a notification may carry; any other is refused. */
const ALLOWED_FIELDS: ReadonlySet<string> = new Set([
	...NOTIFICATION_FIELDS,
	...OBSERVED_EXTRA_FIELDS,
	'sign'
]);
const REQUIRED_FIELDS = ['order_no', 'amount', 'is_success', 'charge_id'] as const;

/** A charge's flags for the owner (owner/attention.ts words them). */
export const FLAG = {
	unreadable: 'unreadable_notification',
	amountMismatch: 'amount_mismatch',
	mismatch: 'notification_mismatch',
	contradicted: 'notification_contradicted'
} as const;

export type NotificationOutcome =
	| 'applied'
	| 'duplicate'
	| 'orphan'
	| 'mismatch'
	| 'refused'
	| 'unconfirmed'
	| 'contradicted'
	| 'ignored'
	| 'forged';

export interface NotifyResult {
	status: 200 | 400 | 403;
	body: string;
	outcome: NotificationOutcome;
}

export interface NotificationReceiverOptions {
	store: ChargeStore;
	teegon: TeegonApi;
	clientSecret: string;
	/** Db.durably: the record (and what it changed) must outlive a power cut before the 200. */
	durably: <T>(fn: () => Promise<T>) => Promise<T>;
	/** The confirming status query's timeout; past it the worker confirms instead. */
	confirmTimeoutMs: number;
	log: LogFn;
	now: () => number;
}

function sha256(text: string): string {
	return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The field that disagrees with the stored charge, or null when all agree. */
function disagreement(fields: Record<string, string>, charge: Charge): string | null {
	if (parseYuan(fields.amount!) !== charge.amount) return 'amount';
	if ((fields.metadata ?? '') !== (charge.metadata ?? '')) return 'metadata';
	if (charge.charge_id !== null && fields.charge_id !== charge.charge_id) return 'charge_id';
	return null;
}

export class NotificationReceiver {
	readonly #options: NotificationReceiverOptions;

	constructor(o: NotificationReceiverOptions) {
		this.#options = o;
	}

	/**
	 * 403 for a bad or missing signature and 400 for fields Teegon does not send (nothing
	 * applied either way); otherwise the notification is recorded durably, applied if it
	 * holds, and answered 200 `success` so that Teegon stops sending it.
	 */
	async receive(fields: Record<string, string>): Promise<NotifyResult> {
		const result = await this.#receive(fields);
		notifications.inc({ outcome: result.outcome });
		const paidAt = isoFromUnixSeconds(fields.pay_time);
		if (result.status === 200 && paidAt && fields.is_success === 'true')
			notificationLag.observe(Math.max(0, (this.#options.now() - Date.parse(paidAt)) / 1000));
		return result;
	}

	async #receive(fields: Record<string, string>): Promise<NotifyResult> {
		const { log } = this.#options;
		if (!fields.sign) return { status: 403, body: 'missing sign', outcome: 'forged' };
		if (!verify(fields, this.#options.clientSecret)) {
			log(`[notify] bad signature for order_no=${fields.order_no ?? '?'}: refused`, {
				order_no: fields.order_no ?? null
			});
			return { status: 403, body: 'bad sign', outcome: 'forged' };
		}
		const orderNo = fields.order_no ?? null;
		const shape = this.#shapeProblem(fields);
		if (shape) {
			log(`[notify] order_no=${orderNo ?? '?'} refused: ${shape}`, {
				order_no: fields.order_no ?? null
			});
			await this.#record(fields, 'refused', null);
			return { status: 400, body: shape, outcome: 'refused' };
		}
		const charge = await this.#options.store.byOrderNo(orderNo!);
		if (!charge) {
			const replay = await this.#record(fields, 'orphan', null);
			if (!replay)
				log(
					`[notify] order_no=${orderNo} is not a charge of this till server: kept for the owner`,
					{ order_no: fields.order_no ?? null }
				);
			return { status: 200, body: 'success', outcome: replay ? 'duplicate' : 'orphan' };
		}
		const wrong = disagreement(fields, charge);
		if (wrong) {
			log(
				`[notify] order_no=${orderNo} ${wrong} ${JSON.stringify(fields[wrong] ?? null)} differs from the charge's: flagged for the owner, not applied`,
				{ order_no: fields.order_no ?? null }
			);
			return this.#settle(fields, charge, 'mismatch', async () =>
				this.#options.store.flag(
					charge.id,
					wrong === 'amount' ? FLAG.amountMismatch : FLAG.mismatch
				)
			);
		}
		switch (fields.is_success) {
			case 'true':
				return this.#success(fields, charge);
			case 'false':
				return this.#failure(fields, charge);
			default:
				log(
					`[notify] order_no=${orderNo} is_success=${JSON.stringify(fields.is_success)} is neither true nor false: flagged for the owner`,
					{ order_no: fields.order_no ?? null }
				);
				return this.#settle(fields, charge, 'ignored', () =>
					this.#options.store.flag(charge.id, FLAG.unreadable)
				);
		}
	}

	#shapeProblem(fields: Record<string, string>): string | null {
		for (const name of Object.keys(fields))
			if (!ALLOWED_FIELDS.has(name)) return `field ${name}: not a field Teegon notifies`;
		for (const name of REQUIRED_FIELDS) if (!fields[name]) return `field ${name}: missing`;
		if (parseYuan(fields.amount!) === null) return 'field amount: not a yuan amount';
		return null;
	}

	/** What the status query says of the charge the notification names; null if it told nothing. */
	async #query(fields: Record<string, string>, charge: Charge) {
		const started = performance.now();
		const outcome = await this.#options.teegon
			.barcodePayStatus(fields.charge_id!, { timeoutMs: this.#options.confirmTimeoutMs })
			.catch(() => null);
		const ms = Math.round(performance.now() - started);
		// A charge whose id Teegon never told us is tied to this one only by the query's order_no.
		const aboutThis =
			outcome?.kind === 'status' &&
			(charge.charge_id !== null || outcome.orderNo === charge.order_no);
		return { answer: aboutThis && outcome ? observeStatus(outcome) : null, ms };
	}

	/**
	 * A failure: failed at once. The status query, asked first, gives the wallet's own reason,
	 * and decides if it says the payment went through after all.
	 */
	async #failure(fields: Record<string, string>, charge: Charge): Promise<NotifyResult> {
		const said = failureObservation(fields);
		if (said.kind !== 'failed' || (charge.state !== 'pending' && charge.state !== 'unknown'))
			return this.#settle(fields, charge, 'applied', () =>
				this.#options.store.apply(charge.id, said)
			);
		const { answer } = await this.#query(fields, charge);
		if (answer?.kind === 'paid')
			return this.#settle(fields, charge, 'contradicted', async () => {
				await this.#options.store.flag(charge.id, FLAG.contradicted);
				await this.#options.store.apply(charge.id, answer);
			});
		const obs = answer?.kind === 'failed' ? answer : said;
		return this.#settle(fields, charge, 'applied', () => this.#options.store.apply(charge.id, obs));
	}

	/** A success, believed once the status query says the same. */
	async #success(fields: Record<string, string>, charge: Charge): Promise<NotifyResult> {
		const chargeId = fields.charge_id!;
		if (charge.state === 'paid')
			return this.#settle(fields, charge, 'applied', async () => undefined);
		const { answer, ms } = await this.#query(fields, charge);
		const store = this.#options.store;
		if (answer?.kind === 'paid') {
			this.#options.log(
				`[notify] order_no=${charge.order_no} success confirmed by query (${ms} ms)`,
				{ order_no: charge.order_no }
			);
			const paid: Observation = {
				kind: 'paid',
				chargeId,
				channel: fields.channel || null,
				paidAt: isoFromUnixSeconds(fields.pay_time),
				status: answer.status
			};
			return this.#settle(fields, charge, 'applied', async () => {
				await store.apply(charge.id, paid);
			});
		}
		if (answer?.kind === 'failed') {
			// Teegon's own query says it failed: the query decides, and the owner is told.
			this.#options.log(
				`[notify] order_no=${charge.order_no} success contradicted by query (${answer.status}): flagged`,
				{ order_no: charge.order_no }
			);
			return this.#settle(fields, charge, 'contradicted', async () => {
				await store.flag(charge.id, FLAG.contradicted);
				await store.apply(charge.id, answer, { checkNow: true });
			});
		}
		// Not confirmed yet (the query failed, timed out, still says waiting, or is about another
		// order): the worker asks again now, and the charge moves only on what the query says.
		this.#options.log(`[notify] order_no=${charge.order_no} success not yet confirmed; checking`, {
			order_no: charge.order_no
		});
		return this.#settle(fields, charge, 'unconfirmed', async () => {
			await store.apply(charge.id, null, { checkNow: true });
		});
	}

	/** Records the notification and does `act`, durably, then answers 200. */
	async #settle(
		fields: Record<string, string>,
		charge: Charge,
		outcome: NotificationOutcome,
		act: () => Promise<unknown>
	): Promise<NotifyResult> {
		const replay = await this.#options.durably(async () => {
			const replay = await this.#record(fields, outcome, charge, false);
			// Applied again on a replay: applying is idempotent, and the first delivery may have
			// been recorded and then not applied (the update failed and Teegon was answered 500).
			await act();
			return replay;
		});
		return { status: 200, body: 'success', outcome: replay ? 'duplicate' : outcome };
	}

	/** Stores the notification once (by digest); true when it was stored before (a replay). */
	async #record(
		fields: Record<string, string>,
		outcome: NotificationOutcome,
		charge: Charge | null,
		durable = true
	): Promise<boolean> {
		const canonical = JSON.stringify(
			Object.keys(fields)
				.sort()
				.map((k) => [k, fields[k]])
		);
		const insert = async () => {
			try {
				await this.#options.store.db
					.insertInto('notifications')
					.values({
						id: randomUUID(),
						digest: sha256(canonical),
						received_at: this.#options.now(),
						order_no: fields.order_no ?? null,
						charge_id: fields.charge_id ?? null,
						fields: JSON.stringify(fields),
						outcome,
						store_id: charge?.store_id ?? null
					})
					.execute();
				return false;
			} catch (e) {
				if (!isUniqueViolation(e)) throw e;
				this.#options.log(
					`[notify] order_no=${fields.order_no} replay of a notification already recorded`,
					{ order_no: fields.order_no ?? null }
				);
				return true;
			}
		};
		return durable ? this.#options.durably(insert) : insert();
	}
}

/**
 * A failure notification: failed at once when its status is the call's status or a trade
 * status that means failed; waiting when it says the customer is still confirming; not known
 * when it is a trade status the till does not know (it may yet be paid).
 */
function failureObservation(fields: Record<string, string>): Observation {
	const status = fields.status ?? '';
	const chargeId = fields.charge_id ?? null;
	const state = tradeState(status);
	if (state === 'pending') return { kind: 'pending', chargeId, status };
	if (state === 'failed')
		return { kind: 'failed', code: 'declined', reason: `Teegon: ${status}`, chargeId, status };
	if (status === NOTIFICATION_CALL_STATUS || status === '')
		return {
			kind: 'failed',
			code: 'declined',
			reason: 'Teegon notified that the payment failed',
			chargeId,
			status: `notify:${status || 'failed'}`
		};
	return { kind: 'unknown', reason: unlistedStatus(status), chargeId };
}
