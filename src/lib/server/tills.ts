/** Stores, tills and their bearer tokens. Tokens are stored as SHA-256 hashes only. */
import { installBusinessId } from './office/business';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema';
import { textProblem } from '../domain/text';

export interface AuthenticatedTill {
	id: string;
	storeId: string;
	name: string;
	storeName: string;
}

export function hashToken(token: string): string {
	return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
	return `till_${randomBytes(24).toString('base64url')}`;
}

export async function findOrCreateStore(
	db: Kysely<Database>,
	name: string
): Promise<{ id: string; name: string }> {
	const existing = await db
		.selectFrom('stores')
		.select(['id', 'name'])
		.where('name', '=', name)
		.executeTakeFirst();
	if (existing) return existing;
	const store = {
		id: randomUUID(),
		name,
		created_at: Date.now(),
		business_id: await installBusinessId(db)
	};
	await db.insertInto('stores').values(store).execute();
	return { id: store.id, name };
}

export async function createTill(
	db: Kysely<Database>,
	opts: { store: string; name: string; token?: string }
): Promise<{
	store: { id: string; name: string };
	till: { id: string; name: string };
	token: string;
}> {
	const storeName = opts.store.trim();
	const tillName = opts.name.trim();
	if (!storeName || storeName.length > 100)
		throw new RangeError('--store: a store name of 1 to 100 characters is required');
	if (!tillName || tillName.length > 100)
		throw new RangeError('--name: a till name of 1 to 100 characters is required');
	const problem = textProblem(storeName) ?? textProblem(tillName);
	if (problem) throw new RangeError(`${textProblem(storeName) ? '--store' : '--name'}: ${problem}`);
	const store = await findOrCreateStore(db, storeName);
	const token = opts.token ?? newToken();
	const till = {
		id: randomUUID(),
		store_id: store.id,
		name: tillName,
		token_hash: hashToken(token),
		created_at: Date.now()
	};
	await db.insertInto('tills').values(till).execute();
	return { store, till: { id: till.id, name: till.name }, token };
}

export interface TillListing {
	store: string;
	store_id: string;
	till: string;
	till_id: string;
	created_at: string;
	/** False once revoked (`revoke-till`): the till must be given a new token to sell again. */
	has_token: boolean;
}

/** Every till of every store, by store and name (the admin command's `list-tills`). */
export async function listTills(db: Kysely<Database>): Promise<TillListing[]> {
	const rows = await db
		.selectFrom('tills')
		.innerJoin('stores', 'stores.id', 'tills.store_id')
		.select([
			'stores.name as store',
			'stores.id as store_id',
			'tills.name as till',
			'tills.id as till_id',
			'tills.created_at',
			'tills.token_hash'
		])
		.orderBy('stores.name')
		.orderBy('tills.name')
		.execute();
	return rows.map((r) => ({
		store: r.store,
		store_id: r.store_id,
		till: r.till,
		till_id: r.till_id,
		created_at: new Date(Number(r.created_at)).toISOString(),
		has_token: !r.token_hash.startsWith(REVOKED)
	}));
}

/** token_hash of a revoked till: never the SHA-256 hex of any token, so nothing matches it. */
const REVOKED = 'revoked:';

/**
 * Gives a till a new token (the old one stops working) or, with `revoke`, none at all; the
 * till keeps its id, its charges and its sales. Null when there is no such till. A server
 * that checked the old token moments before accepts it for at most TOKEN_CACHE_MS more.
 */
export async function replaceTillToken(
	db: Kysely<Database>,
	tillId: string,
	opts: { revoke?: boolean } = {}
): Promise<{ store: string; till: string; till_id: string; token: string | null } | null> {
	const till = await db
		.selectFrom('tills')
		.innerJoin('stores', 'stores.id', 'tills.store_id')
		.select(['tills.id', 'tills.name', 'stores.name as store'])
		.where('tills.id', '=', tillId)
		.executeTakeFirst();
	if (!till) return null;
	const token = opts.revoke ? null : newToken();
	await db
		.updateTable('tills')
		.set({ token_hash: token ? hashToken(token) : `${REVOKED}${randomUUID()}` })
		.where('id', '=', tillId)
		.execute();
	return { store: till.store, till: till.name, till_id: till.id, token };
}

/**
 * Every till API call authenticates; a short cache keeps that off the database. A till is
 * never renamed or moved between stores, so the only staleness is a revoked or replaced token
 * living on for at most TOKEN_CACHE_MS.
 */
const TOKEN_CACHE_MS = 30_000;
/**
 * A token that matched no till is not looked up again for this long: guesses and a revoked
 * tablet's retries cost no database query. Short, because a till given a token by the
 * command line may have tried it moments before it was created.
 */
const MISS_CACHE_MS = 5_000;
const CACHE_MAX = 1000;
type TokenCache = Map<string, { till: AuthenticatedTill | null; until: number }>;
const tokenCache = new WeakMap<object, TokenCache>();

/** The till a token was found to be within TOKEN_CACHE_MS, without asking the database. */
export function cachedTill(db: Kysely<Database>, token: string): AuthenticatedTill | null {
	const hit = tokenCache.get(db)?.get(token);
	return hit && hit.till && hit.until > Date.now() ? hit.till : null;
}

export async function authenticateCached(
	db: Kysely<Database>,
	token: string
): Promise<AuthenticatedTill | null> {
	let cache = tokenCache.get(db);
	if (!cache) tokenCache.set(db, (cache = new Map()));
	const hit = cache.get(token);
	const now = Date.now();
	if (hit && hit.until > now) return hit.till;
	const till = await authenticate(db, token);
	if (cache.size >= CACHE_MAX) cache.clear();
	cache.set(token, { till, until: now + (till ? TOKEN_CACHE_MS : MISS_CACHE_MS) });
	return till;
}

export async function authenticate(
	db: Kysely<Database>,
	token: string
): Promise<AuthenticatedTill | null> {
	if (!token || token.length > 200) return null;
	const row = await db
		.selectFrom('tills')
		.innerJoin('stores', 'stores.id', 'tills.store_id')
		.select([
			'tills.id as id',
			'tills.store_id as storeId',
			'tills.name as name',
			'stores.name as storeName'
		])
		.where('tills.token_hash', '=', hashToken(token))
		.executeTakeFirst();
	return row ?? null;
}

/** Reads `Authorization: Bearer <token>`. */
export function bearerToken(header: string | null): string | null {
	if (!header) return null;
	const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
	return m ? m[1]! : null;
}

// Chinese only: the demo's names are data on a Chinese screen (the UI language is the till's).
export const DEMO_STORE = '演示商店';
export const DEMO_TILL = '1号收银台';
/** The names an earlier version gave the demo, renamed at start. */
const OLD_DEMO_NAMES = { store: '演示商店 Demo Store', till: '1号收银台 Till 1' };

/**
 * Sandbox mode's demo till, so the quick start sells with no set-up. Its token is derived
 * from the sandbox secret (public in sandbox mode anyway), so it survives restarts without
 * storing it in clear.
 */
export function demoToken(sandboxSecret: string): string {
	return `demo_${createHash('sha256').update(`${sandboxSecret}:demo-till`).digest('hex').slice(0, 32)}`;
}

export async function ensureDemoTill(
	db: Kysely<Database>,
	sandboxSecret: string
): Promise<{ token: string; till: AuthenticatedTill }> {
	const token = demoToken(sandboxSecret);
	const found = await authenticate(db, token);
	if (found) {
		if (found.storeName !== OLD_DEMO_NAMES.store && found.name !== OLD_DEMO_NAMES.till)
			return { token, till: found };
		await db
			.updateTable('stores')
			.set({ name: DEMO_STORE })
			.where('id', '=', found.storeId)
			.where('name', '=', OLD_DEMO_NAMES.store)
			.execute();
		await db
			.updateTable('tills')
			.set({ name: DEMO_TILL })
			.where('id', '=', found.id)
			.where('name', '=', OLD_DEMO_NAMES.till)
			.execute();
		return { token, till: (await authenticate(db, token))! };
	}
	await createTill(db, { store: DEMO_STORE, name: DEMO_TILL, token });
	const till = await authenticate(db, token);
	if (!till) throw new Error('demo till could not be created');
	return { token, till };
}
