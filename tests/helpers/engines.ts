/**
 * The two database engines every server suite runs against: a SQLite file in a temporary
 * folder, and the real PostgreSQL on 127.0.0.1:5432 in a schema of its own per run, so
 * runs never collide. PostgreSQL being down is a failure, not a skip.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/lib/server/db';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Engine {
	name: 'sqlite' | 'postgres';
	/** A fresh, empty database each call. */
	fresh(): DatabaseTarget;
	/** The DATABASE_URL a server process would be given for that target. */
	url(target: DatabaseTarget): string;
}

const schemas: string[] = [];

export const engines: Engine[] = [
	{
		name: 'sqlite',
		fresh: () => ({
			kind: 'sqlite',
			file: join(mkdtempSync(join(tmpdir(), 'till-test-')), 'till.db')
		}),
		url: (t) => (t.kind === 'sqlite' ? t.file : '')
	},
	{
		name: 'postgres',
		fresh: () => {
			const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
			schemas.push(schema);
			return { kind: 'postgres', url: PG_URL, schema };
		},
		// A server process is pointed at the schema through libpq's `options`.
		url: (t) =>
			t.kind === 'postgres'
				? `${t.url}?options=${encodeURIComponent(`-c search_path=${t.schema}`)}`
				: ''
	}
];

/** Drops the schemas this process made. */
export async function dropTestSchemas(): Promise<void> {
	if (schemas.length === 0) return;
	const client = new pg.Client({ connectionString: PG_URL });
	await client.connect();
	try {
		for (const s of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
	} finally {
		await client.end();
	}
}
