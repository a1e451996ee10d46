/**
 * Which till this device is: its token (the demo till's in sandbox mode, a pasted one in live
 * mode), the identity GET /api/me gave for it, and the store its database is bound to. A token
 * the server refuses sends the device back to pairing; its queued sales stay.
 */
import type { MessageKey } from '$lib/i18n';
import type { ApiResult, TillIdentity } from '$lib/offline/api-client';
import type { PersistState } from '$lib/offline/db';
import { orderTillCode, receiptTillCode } from './identity';
import {
	readJson,
	readText,
	STORAGE_KEYS,
	writeJson,
	writeText,
	type KeyValueStorage
} from './storage';

export type Mode = 'sandbox' | 'live';

export class DeviceState {
	readonly mode: Mode;
	identity = $state.raw<TillIdentity | null>(null);
	needsPairing = $state(false);
	pairing = $state(false);
	pairError = $state<MessageKey | null>(null);
	/** navigator.storage.persist()'s answer: 'denied' is shown, eviction would lose queued sales. */
	storagePersistence = $state<PersistState | null>(null);
	#token: string | null = null;
	readonly #storage: KeyValueStorage | null;

	constructor(mode: Mode, demoToken: string | null, storage: KeyValueStorage | null) {
		this.mode = mode;
		this.#storage = storage;
		this.identity = readJson<TillIdentity>(storage, STORAGE_KEYS.identity);
		this.#token = mode === 'sandbox' ? demoToken : readText(storage, STORAGE_KEYS.token);
		this.needsPairing = !this.#token;
	}

	get token(): string | null {
		return this.#token;
	}

	get storeId(): string | undefined {
		return this.identity?.store?.id;
	}

	get storeName(): string | null {
		return this.identity?.store?.name ?? null;
	}

	get tillName(): string {
		return this.identity?.till.name ?? '';
	}

	/** The short code on receipt numbers ("T1"). */
	get tillCode(): string {
		const till = this.identity?.till;
		return till ? receiptTillCode(till.name, till.id) : 'T0';
	}

	/** The code in front of this till's order numbers: unique across stores. */
	get orderTillCode(): string {
		const till = this.identity?.till;
		return till ? orderTillCode(till.name, till.id) : 'T0';
	}

	/** What GET /api/me answered for the stored token. */
	identified(me: ApiResult<TillIdentity>): void {
		if (me.kind === 'ok') this.#keepIdentity(me.value);
		else if (me.kind === 'rejected' && me.status === 401 && this.mode === 'live') {
			// Revoked: pair again. Sales already on the device stay queued.
			this.#token = null;
			writeText(this.#storage, STORAGE_KEYS.token, null);
			this.needsPairing = true;
		}
	}

	/** A pasted token the server accepted: kept on this device. */
	paired(token: string, identity: TillIdentity): void {
		this.#token = token;
		writeText(this.#storage, STORAGE_KEYS.token, token);
		this.#keepIdentity(identity);
		this.needsPairing = false;
	}

	#keepIdentity(identity: TillIdentity): void {
		this.identity = identity;
		writeJson(this.#storage, STORAGE_KEYS.identity, identity);
	}
}
