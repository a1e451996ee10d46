/**
 * Password hashing: argon2id through @node-rs/argon2 (prebuilt, no install script), at the
 * OWASP minimum (19 MiB, 2 passes, 1 lane; about 100 ms here). The hash is a PHC string, so
 * its parameters travel with it and can be raised later.
 */
import { hash, verify } from '@node-rs/argon2';

const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 } as const; // 2: argon2id

export function hashPassword(password: string): Promise<string> {
	return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
	try {
		return await verify(stored, password);
	} catch {
		return false; // a damaged hash signs nobody in
	}
}

/**
 * The cost of a check against a hash nobody has: a sign-in for an unknown login takes as long
 * as one for a known login, so timing does not tell which logins exist.
 */
let decoy: Promise<string> | null = null;
export async function burnVerify(password: string): Promise<void> {
	decoy ??= hashPassword('decoy-password-never-matches');
	await verifyPassword(await decoy, password);
}
