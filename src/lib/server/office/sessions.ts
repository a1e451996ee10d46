/**
 * Back-office sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure over
 * HTTPS); the database keeps only its SHA-256, like the till tokens, so a copy of the table
 * signs nobody in. Thirty days, renewed while used; every request re-reads the user, so a
 * disabled user or a signed-out-everywhere session stops at once, on every instance.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { OfficeUser } from './guard';

export const SESSION_COOKIE = 'till_session';
export const SESSION_MS = 30 * 24 * 3600_000;
/** A session with less than this left is extended on use. */
const RENEW_BELOW_MS = 15 * 24 * 3600_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(
	db: Kysely<Database>,
	userId: string,
	now = Date.now()
): Promise<{ token: string; expiresAt: number }> {
	const token = randomBytes(32).toString('base64url');
	const expiresAt = now + SESSION_MS;
	await db
		.insertInto('sessions')
		.values({
			token_hash: hashToken(token),
			user_id: userId,
			created_at: now,
			expires_at: expiresAt,
			last_seen_at: now
		})
		.execute();
	return { token, expiresAt };
}

/** The user a session token belongs to, or null (unknown, expired, or the user disabled). */
export async function validateSession(
	db: Kysely<Database>,
	token: string,
	now = Date.now()
): Promise<{ user: OfficeUser; expiresAt: number } | null> {
	if (!/^[\w-]{43}$/.test(token)) return null;
	const hash = hashToken(token);
	const row = await db
		.selectFrom('sessions')
		.innerJoin('users', 'users.id', 'sessions.user_id')
		.select([
			'sessions.expires_at',
			'users.id',
			'users.business_id',
			'users.name',
			'users.role',
			'users.disabled'
		])
		.where('sessions.token_hash', '=', hash)
		.executeTakeFirst();
	if (!row || Number(row.disabled) !== 0) return null;
	let expiresAt = Number(row.expires_at);
	if (expiresAt <= now) {
		await db.deleteFrom('sessions').where('token_hash', '=', hash).execute();
		return null;
	}
	if (expiresAt - now < RENEW_BELOW_MS) {
		expiresAt = now + SESSION_MS;
		await db
			.updateTable('sessions')
			.set({ expires_at: expiresAt, last_seen_at: now })
			.where('token_hash', '=', hash)
			.execute();
	}
	const storeIds =
		row.role === 'owner'
			? await db
					.selectFrom('stores')
					.select('id')
					.where('business_id', '=', row.business_id)
					.execute()
			: await db
					.selectFrom('user_stores')
					.innerJoin('stores', 'stores.id', 'user_stores.store_id')
					.select('stores.id')
					.where('user_stores.user_id', '=', row.id)
					.where('stores.business_id', '=', row.business_id)
					.execute();
	return {
		user: {
			id: row.id,
			businessId: row.business_id,
			name: row.name,
			role: row.role,
			storeIds: storeIds.map((s) => s.id)
		},
		expiresAt
	};
}

export async function deleteSession(db: Kysely<Database>, token: string): Promise<void> {
	await db.deleteFrom('sessions').where('token_hash', '=', hashToken(token)).execute();
}

/** Sign-out everywhere, and what disabling a user does. */
export async function deleteUserSessions(db: Kysely<Database>, userId: string): Promise<void> {
	await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export function setSessionCookie(
	cookies: Cookies,
	token: string,
	expiresAt: number,
	secure: boolean
): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure,
		expires: new Date(expiresAt)
	});
}

export function clearSessionCookie(cookies: Cookies, secure: boolean): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}
