/**
 * Sandbox mode's demo owner: the quick start signs in to the back office at once. Its login is
 * printed in the log and shown on the sign-in page, which is acceptable only because a
 * sandbox moves no money; live mode never makes it (its first visit asks for the owner).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { logWarn } from '../log';
import { needsSetup, setupOwner } from './people';

export const DEMO_OWNER = { login: 'owner', password: 'sandbox-owner' } as const;

export async function ensureDemoOwner(db: Kysely<Database>): Promise<void> {
	if (!(await needsSetup(db))) return;
	await setupOwner(db, {
		businessName: '演示商店',
		name: '演示店主',
		login: DEMO_OWNER.login,
		password: DEMO_OWNER.password
	}).catch(() => undefined); // another instance made it first
	logWarn(
		`[till] SANDBOX MODE: back office at /office, demo owner "${DEMO_OWNER.login}" / "${DEMO_OWNER.password}"`
	);
}
