/** When the worker next asks Teegon about a charge: a pure policy, one rule per state. */
import type { Charge } from '../db/schema';

export interface CheckPolicy {
	pollIntervalMs: number;
	/** After a charge was given up, it is still asked about this long, to catch a late payment. */
	lateWatchMs: number;
	/** An unknown charge is asked about this long after it was created, then left to the owner. */
	unknownWatchMs: number;
}

/** Epoch ms of the next check, or null when nothing more will be asked. */
export function nextCheck(c: Charge, now: number, p: CheckPolicy): number | null {
	const poll = p.pollIntervalMs;
	switch (c.state) {
		case 'paid':
			return null;
		case 'failed': {
			// Given up while Teegon may still take the money: at the deadline with a charge at
			// Teegon, or because Teegon had no record of it (yet). Counted from when it failed:
			// a charge that was unknown may fail long after its deadline.
			const watched =
				(c.failure_code === 'deadline' && c.charge_id !== null) ||
				c.failure_code === 'not_at_teegon';
			if (watched && now < Math.max(c.deadline_at, c.updated_at) + p.lateWatchMs)
				return now + Math.max(poll, Math.min(15_000, p.lateWatchMs / 10));
			return null;
		}
		case 'pending':
			// No charge id: the charge call is under way, and its lease says until when.
			if (!c.charge_id) return c.lease_until ?? now;
			return Math.min(now + poll, Math.max(c.deadline_at, now + 10));
		case 'unknown': {
			if (now < c.deadline_at) return now + poll;
			if (now > c.created_at + p.unknownWatchMs) return null; // on the owner's list
			const since = now - c.deadline_at;
			return now + Math.min(60_000, Math.max(poll, Math.floor(since / 4)));
		}
	}
}
