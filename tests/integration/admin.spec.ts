/** `npm run admin` as a real process: its command line, exit codes and what it writes. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin } from '../helpers/admin';
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/lib/server/db';
import { authenticate } from '../../src/lib/server/tills';
import { dropTestSchemas, engines } from '../helpers/engines';

afterAll(dropTestSchemas);

const tmp = () => mkdtempSync(join(tmpdir(), 'till-admin-'));

describe('admin command line', () => {
	test.each([
		[['create-till', '--store', '朝阳店', '--nme', '1号']], // a typo
		[['create-till', '--store']], // no value
		[['create-till', '--store', '--name', '1号']],
		[['create-till', '--store', '朝阳店', '--store', '望京店', '--name', '1号']], // twice
		[['attention', '--jsn']],
		[['crate-till', '--store', '朝阳店', '--name', '1号']] // unknown command
	])('%j is a usage error (64), says what is wrong, and opens no database', async (args) => {
		const file = join(tmp(), 'till.db');
		const r = await admin(args, file);
		expect(r.code).toBe(64);
		expect(r.stderr).toContain('usage: npm run admin');
		expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
		expect(r.stdout).toBe('');
		expect(existsSync(file)).toBe(false);
	});

	test('import-products adds to the store create-till made, whatever spaces surround its name', async () => {
		const file = join(tmp(), 'till.db');
		const made = await admin(['create-till', '--store', ' 朝阳店 ', '--name', '1号收银台'], file);
		expect(made.code).toBe(0);
		expect(JSON.parse(made.stdout)).toMatchObject({ store: '朝阳店', till: '1号收银台' });
		const csv = join(tmp(), 'p.csv');
		writeFileSync(csv, 'name,price,barcode\n农夫山泉 550ml,2.00,6901234560015\n');
		const r = await admin(['import-products', csv, '--store', '朝阳店 '], file);
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({ store: '朝阳店', inserted: 1 });
		const db = await openDatabase({ kind: 'sqlite', file });
		try {
			const stores = await db.db.selectFrom('stores').select('name').execute();
			expect(stores.map((s) => s.name)).toEqual(['朝阳店']);
		} finally {
			await db.close();
		}
	});

	test('import-products to an empty or unknown store name makes no store and imports nothing', async () => {
		const file = join(tmp(), 'till.db');
		expect((await admin(['create-till', '--store', '朝阳店', '--name', '1号'], file)).code).toBe(0);
		const csv = join(tmp(), 'p.csv');
		writeFileSync(csv, 'name,price,barcode\n农夫山泉 550ml,2.00,6901234560015\n');
		const empty = await admin(['import-products', csv, '--store', ''], file);
		expect(empty.code).toBe(64);
		const typo = await admin(['import-products', csv, '--store', '朝阳'], file);
		expect(typo.code).toBe(1);
		expect(typo.stderr).toContain('no store is named "朝阳"');
		const db = await openDatabase({ kind: 'sqlite', file });
		try {
			const stores = await db.db.selectFrom('stores').select('name').execute();
			expect(stores.map((s) => s.name)).toEqual(['朝阳店']);
			expect(await db.db.selectFrom('products').select('id').execute()).toEqual([]);
		} finally {
			await db.close();
		}
	});

	test('a GBK file from Excel imports with its Chinese intact; --dry-run and bad rows write nothing', async () => {
		const file = join(tmp(), 'till.db');
		expect((await admin(['create-till', '--store', '朝阳店', '--name', '1号'], file)).code).toBe(0);
		const csv = join(tmp(), 'gbk.csv');
		writeFileSync(
			csv,
			Buffer.concat([
				Buffer.from('name,price,barcode\n'),
				Buffer.from([0xbf, 0xc9, 0xc0, 0xd6]), // 可乐 in GBK
				Buffer.from(',3.50,6901234560022\n')
			])
		);
		const dry = await admin(['import-products', csv, '--store', '朝阳店', '--dry-run'], file);
		expect(dry.code).toBe(0);
		expect(JSON.parse(dry.stdout)).toMatchObject({
			encoding: 'gb18030',
			dry_run: true,
			inserted: 1
		});
		const bad = join(tmp(), 'bad.csv');
		writeFileSync(bad, 'name,price,barcode\n可乐,3.50,6901234560022\n雪碧,abc,1\n');
		const refused = await admin(['import-products', bad, '--store', '朝阳店'], file);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain('row 3 ("雪碧"): Price: must be yuan');
		const db = await openDatabase({ kind: 'sqlite', file });
		try {
			expect(await db.db.selectFrom('products').select('name').execute()).toEqual([]);
		} finally {
			await db.close();
		}
		const r = await admin(['import-products', csv, '--store', '朝阳店'], file);
		expect(r.code).toBe(0);
		const after = await openDatabase({ kind: 'sqlite', file });
		try {
			expect(await after.db.selectFrom('products').select('name').execute()).toEqual([
				{ name: '可乐' }
			]);
		} finally {
			await after.close();
		}
	});
});

describe.each(engines)('admin create-till on $name', (engine) => {
	test('prints {store, till, token}; the token authenticates that till', async () => {
		const target = engine.fresh();
		await (await openDatabase(target)).close(); // PostgreSQL: the test's schema exists
		const r = await admin(
			['create-till', '--store', '朝阳店', '--name', '1号收银台 🧾'],
			engine.url(target)
		);
		expect(r.code).toBe(0);
		const out = JSON.parse(r.stdout) as { store: string; till: string; token: string };
		expect(out).toMatchObject({ store: '朝阳店', till: '1号收银台 🧾' });
		const db = await openDatabase(target);
		try {
			expect(await authenticate(db.db, out.token)).toMatchObject({
				name: '1号收银台 🧾',
				storeName: '朝阳店'
			});
		} finally {
			await db.close();
		}
	});

	test('new-token replaces a till’s token, revoke-till takes it away; list-tills shows which', async () => {
		const target = engine.fresh();
		await (await openDatabase(target)).close();
		const url = engine.url(target);
		const made = JSON.parse(
			(await admin(['create-till', '--store', '望京店', '--name', '2号'], url)).stdout
		) as { till_id: string; token: string };
		const renewed = await admin(['new-token', '--till', made.till_id], url);
		expect(renewed.code).toBe(0);
		const fresh = JSON.parse(renewed.stdout) as { token: string; till_id: string };
		expect(fresh).toMatchObject({ store: '望京店', till: '2号', till_id: made.till_id });
		expect(fresh.token).not.toBe(made.token);
		const db = await openDatabase(target);
		try {
			expect(await authenticate(db.db, made.token)).toBeNull();
			expect(await authenticate(db.db, fresh.token)).toMatchObject({ id: made.till_id });

			const revoked = await admin(['revoke-till', '--till', made.till_id], url);
			expect(revoked.code).toBe(0);
			expect(JSON.parse(revoked.stdout)).toEqual({
				store: '望京店',
				till: '2号',
				till_id: made.till_id,
				revoked: true
			});
			expect(await authenticate(db.db, fresh.token)).toBeNull();
			const listed = JSON.parse((await admin(['list-tills', '--json'], url)).stdout) as unknown[];
			expect(listed).toEqual([
				expect.objectContaining({
					store: '望京店',
					till: '2号',
					till_id: made.till_id,
					has_token: false
				})
			]);
			// and back in service with a new token
			const again = JSON.parse(
				(await admin(['new-token', '--till', made.till_id], url)).stdout
			) as {
				token: string;
			};
			expect(await authenticate(db.db, again.token)).toMatchObject({ id: made.till_id });
		} finally {
			await db.close();
		}
		const unknown = await admin(['revoke-till', '--till', 'no-such-till'], url);
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toContain('--till: no till has the id "no-such-till"');
		expect((await admin(['new-token'], url)).code).toBe(64);
	});
});
