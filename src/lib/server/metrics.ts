/**
 * What the server counts for Prometheus (GET /api/metrics): charges by how they ended, how
 * long the till API and Teegon take, how late notifications arrive, and what is still open.
 * One registry per process; each instance of a chain is scraped on its own.
 */
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'till_' });

const seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const chargesSettled = new client.Counter({
	name: 'till_charges_settled_total',
	help: 'Charges that reached a state: paid, failed (with why) or unknown',
	labelNames: ['state', 'failure_code', 'late'] as const,
	registers: [registry]
});

export const chargeRequests = new client.Histogram({
	name: 'till_charge_request_seconds',
	help: 'POST /api/charges as the server handled it, Teegon call included, by HTTP status',
	labelNames: ['status'] as const,
	buckets: seconds,
	registers: [registry]
});

export const teegonCalls = new client.Histogram({
	name: 'till_teegon_call_seconds',
	help: 'Teegon calls by call and outcome (paid, pending, refused, not_sent, unknown, status, error)',
	labelNames: ['call', 'outcome'] as const,
	buckets: seconds,
	registers: [registry]
});

export const notifications = new client.Counter({
	name: 'till_notifications_total',
	help: 'Teegon notifications received, by what the till made of them',
	labelNames: ['outcome'] as const,
	registers: [registry]
});

export const notificationLag = new client.Histogram({
	name: 'till_notification_lag_seconds',
	help: "From the notification's pay_time to its arrival (Teegon's clock against ours)",
	buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
	registers: [registry]
});

export const salesReceived = new client.Counter({
	name: 'till_sales_received_total',
	help: 'Sales sent by tills, by result (applied, duplicate, rejected)',
	labelNames: ['status'] as const,
	registers: [registry]
});

/** What is open now, read from the database when scraped (app.ts says how). */
export interface OpenWork {
	/** Charges not final, by state (pending, unknown). */
	charges: Record<string, number>;
	/** Items on the owner's attention list, not yet dealt with. */
	attention: number;
}

let openWork: (() => Promise<OpenWork>) | null = null;

/** The running app tells how to read what is open; a scrape then includes it. */
export function measureOpenWork(read: () => Promise<OpenWork>): void {
	openWork = read;
}

const openCharges = new client.Gauge({
	name: 'till_charges_open',
	help: 'Charges that are not final yet, by state',
	labelNames: ['state'] as const,
	registers: [registry]
});
const attentionOpen = new client.Gauge({
	name: 'till_attention_items',
	help: "Items on the owner's attention list not yet dealt with",
	registers: [registry]
});

/** The text a Prometheus scrape gets. */
export async function scrape(): Promise<{ contentType: string; body: string }> {
	if (openWork) {
		const open = await openWork();
		openCharges.reset();
		for (const state of ['pending', 'unknown'])
			openCharges.set({ state }, open.charges[state] ?? 0);
		attentionOpen.set(open.attention);
	}
	return { contentType: registry.contentType, body: await registry.metrics() };
}
