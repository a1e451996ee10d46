/**
 * Administration commands, with the same configuration (DATABASE_URL) as the server.
 * Pending migrations run first.
 *
 *   npm run admin -- create-till --store "…" --name "…"   prints {"store","till","token"}
 *   npm run admin -- migrate
 *   npm run admin -- backup FILE                        SQLite: online copy of the database
 *   npm run admin -- attention [--json] [--all]          charges the owner must look at
 *   npm run admin -- review REF --note "…"               mark one dealt with
 *   npm run admin -- import-products FILE --store "…" [--dry-run]   CSV: name,price,barcode[,category,pinyin,favourite,active]
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../src/lib/server/config';
import { openDatabase, type Db } from '../src/lib/server/db';
import {
	chargesNeedingOwner,
	reviewAttentionItem,
	ReviewError,
	type AttentionItem
} from '../src/lib/server/owner/attention';
import { createTill, DEMO_STORE, listTills, replaceTillToken } from '../src/lib/server/tills';
import {
	CsvFileError,
	decodeCsv,
	parseCatalogCsv,
	toImportRow
} from '../src/lib/server/catalog-csv';
import { applyImport, previewImport, type ImportRow } from '../src/lib/server/catalog-import';
import { issueWords } from '../src/lib/server/catalog-words';

const USAGE = `usage: npm run admin -- <command> [options]
  create-till --store NAME --name NAME   create a store (if new) and a till; prints its token as JSON
  list-tills [--json]                    every till: its id, store, name, and whether it has a token
  new-token --till ID                    give a till a new token (prints it as JSON); the old one stops working
  revoke-till --till ID                  take a till's token away (a lost or stolen tablet); new-token gives it one again
  migrate                                run pending database migrations
  backup FILE                            SQLite: a consistent copy of the database while the till runs
  attention [--json] [--all]             list what needs the owner (late, unknown, mismatched, orphan, paid without a sale, sale without its charge);
                                         --all: also those marked dealt with
  review REF --note TEXT                 mark an item dealt with (REF as attention prints it: late:ORDER, unsold:ORDER, orphan:ID, sale:ID…),
                                         saying what was done; it leaves the list unless its kind changes
  import-products FILE [--store NAME] [--dry-run]
                                         import or update products from a CSV file (UTF-8 or GBK, as Excel saves it) into a
                                         store create-till made (default: the demo store); --dry-run: say what would change`;

class UsageError extends Error {}
/** A command that cannot be done as asked (exit 1, its message only). */
class AdminError extends Error {}

type Options = Record<string, { type: 'string' | 'boolean' }>;

/**
 * The command's options, or a UsageError (exit 64, with the usage) for an unknown option, a
 * missing value, an option given twice or an unexpected argument: never a stack trace, and
 * nothing opened before the command line is known to be right.
 */
function parse(
	command: string,
	args: string[],
	options: Options,
	positionals = 0
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
	let parsed: ReturnType<typeof parseArgs>;
	try {
		parsed = parseArgs({ args, options, allowPositionals: positionals > 0, tokens: true });
	} catch (e) {
		throw new UsageError(`${command}: ${(e as Error).message}`);
	}
	const seen = new Set<string>();
	for (const t of parsed.tokens ?? []) {
		if (t.kind !== 'option') continue;
		if (seen.has(t.name)) throw new UsageError(`${command}: --${t.name} is given more than once`);
		seen.add(t.name);
	}
	if (parsed.positionals.length > positionals)
		throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals]}"`);
	// No option is `multiple`: every value is a string or a boolean.
	return {
		values: parsed.values as Record<string, string | boolean | undefined>,
		positionals: parsed.positionals
	};
}

const str = (v: string | boolean | undefined): string | undefined =>
	typeof v === 'string' ? v : undefined;

/** A store name as create-till stores it: trimmed, 1 to 100 characters. */
function storeName(v: string | undefined, option: string): string {
	const name = (v ?? '').trim();
	if (!name || name.length > 100)
		throw new UsageError(`${option}: a store name of 1 to 100 characters is required`);
	return name;
}

type Run = (db: Db) => Promise<number>;

/** What the command line asks for, checked before the database is opened. */
function plan(command: string, rest: string[]): Run {
	switch (command) {
		case 'migrate': {
			parse(command, rest, {});
			return async (db) => {
				console.log(JSON.stringify({ migrated: true, database: db.kind }));
				return 0;
			};
		}
		case 'backup': {
			const { positionals } = parse(command, rest, {}, 1);
			const dest = positionals[0];
			if (!dest) throw new UsageError('FILE: where to write the copy is required');
			if (existsSync(dest)) throw new UsageError(`FILE: ${dest} exists already; name a new file`);
			return async (db) => {
				if (!db.backup)
					throw new AdminError(
						'backup: the database is PostgreSQL; back it up with pg_dump (docs/deploy.md)'
					);
				await db.backup(dest);
				console.log(JSON.stringify({ backup: dest, bytes: statSync(dest).size }));
				return 0;
			};
		}
		case 'create-till': {
			const { values } = parse(command, rest, {
				store: { type: 'string' },
				name: { type: 'string' }
			});
			if (!str(values.store)) throw new UsageError('--store: the store name is required');
			if (!str(values.name)) throw new UsageError('--name: the till name is required');
			return async (db) => {
				const made = await createTill(db.db, {
					store: str(values.store)!,
					name: str(values.name)!
				});
				console.log(
					JSON.stringify({
						store: made.store.name,
						store_id: made.store.id,
						till: made.till.name,
						till_id: made.till.id,
						token: made.token
					})
				);
				return 0;
			};
		}
		case 'list-tills': {
			const { values } = parse(command, rest, { json: { type: 'boolean' } });
			return async (db) => {
				const tills = await listTills(db.db);
				if (values.json) console.log(JSON.stringify(tills, null, 2));
				else if (tills.length === 0) console.log('No tills yet: create-till makes one.');
				else
					for (const t of tills)
						console.log(
							`${t.till_id}  ${t.store} / ${t.till}  since ${t.created_at}${t.has_token ? '' : '  (revoked)'}`
						);
				return 0;
			};
		}
		case 'new-token':
		case 'revoke-till': {
			const { values } = parse(command, rest, { till: { type: 'string' } });
			const tillId = str(values.till)?.trim();
			if (!tillId)
				throw new UsageError('--till: the till id (as list-tills prints it) is required');
			return async (db) => {
				const r = await replaceTillToken(db.db, tillId, { revoke: command === 'revoke-till' });
				if (!r) throw new AdminError(`--till: no till has the id "${tillId}" (see list-tills)`);
				console.log(
					JSON.stringify(
						command === 'revoke-till'
							? { store: r.store, till: r.till, till_id: r.till_id, revoked: true }
							: { store: r.store, till: r.till, till_id: r.till_id, token: r.token }
					)
				);
				return 0;
			};
		}
		case 'attention': {
			const { values } = parse(command, rest, {
				json: { type: 'boolean' },
				all: { type: 'boolean' }
			});
			return async (db) => {
				const items = await chargesNeedingOwner(db.db, Date.now(), {
					includeReviewed: values.all === true
				});
				if (values.json) console.log(JSON.stringify(items, null, 2));
				else if (items.length === 0) console.log('Nothing needs the owner.');
				else for (const i of items) console.log(attentionLine(i));
				return 0;
			};
		}
		case 'review': {
			const { values, positionals } = parse(
				command,
				rest,
				{ note: { type: 'string' }, json: { type: 'boolean' } },
				1
			);
			const ref = positionals[0];
			if (!ref) throw new UsageError('REF: which item (as `attention` prints it) is required');
			const note = str(values.note);
			if (note === undefined)
				throw new UsageError('--note: say what was done (for example "refunded in Teegon")');
			return async (db) => {
				const item = await reviewAttentionItem(db.db, ref, note);
				console.log(values.json ? JSON.stringify(item) : attentionLine(item));
				return 0;
			};
		}
		case 'import-products': {
			const { values, positionals } = parse(
				command,
				rest,
				{ store: { type: 'string' }, 'dry-run': { type: 'boolean' } },
				1
			);
			const file = positionals[0];
			if (!file) throw new UsageError('FILE: the CSV file to import is required');
			const name =
				values.store === undefined ? DEMO_STORE : storeName(str(values.store), '--store');
			let bytes: Buffer;
			try {
				bytes = readFileSync(file);
			} catch (e) {
				throw new AdminError(`${file}: ${(e as Error).message}`);
			}
			const { text, encoding } = decodeCsv(bytes);
			const rows: ImportRow[] = parseCatalogCsv(text).rows.map(toImportRow);
			const dryRun = values['dry-run'] === true;
			return async (db) => {
				// Products go to a store that exists: a misspelt name must not make a new, empty
				// store that no till sells from. create-till makes stores.
				const store = await db.db
					.selectFrom('stores')
					.select(['id', 'name'])
					.where('name', '=', name)
					.executeTakeFirst();
				if (!store)
					throw new AdminError(
						`--store: no store is named "${name}" (create-till creates a store with its first till)`
					);
				const r = dryRun
					? await previewImport(db.db, store.id, rows)
					: await applyImport(db.db, store.id, rows);
				const bad = r.rows.filter((row) => row.action === 'error');
				if (bad.length)
					throw new AdminError(
						`${bad.length} bad row(s), nothing imported:\n` +
							bad
								.map(
									(row) =>
										`  row ${row.row}${row.name ? ` ("${row.name}")` : ''}: ${row.issues.map((i) => issueWords(i)).join('; ')}`
								)
								.join('\n')
					);
				console.log(
					JSON.stringify({
						store: store.name,
						encoding,
						dry_run: dryRun,
						inserted: r.inserts,
						updated: r.updates,
						unchanged: r.unchanged,
						version: 'latest' in r ? r.latest : r.version
					})
				);
				return 0;
			};
		}
		default:
			throw new UsageError(`unknown command "${command}"`);
	}
}

async function main(argv: string[]): Promise<number> {
	const [command, ...rest] = argv;
	if (!command || command === 'help' || command === '--help') {
		console.log(USAGE);
		return command ? 0 : 64;
	}
	const run = plan(command, rest);
	const config = loadConfig(process.env);
	const db = await openDatabase(config.database);
	try {
		return await run(db);
	} finally {
		await db.close();
	}
}

function attentionLine(i: AttentionItem): string {
	const line = `${i.at}  ${i.ref}  ¥${i.amount ?? '?'}  charge ${i.charge_id ?? '-'}  ${i.detail}`;
	if (!i.reviewed) return line;
	const by = i.reviewed.by ? ` by ${i.reviewed.by.name} (${i.reviewed.by.id})` : '';
	return `${line}\n    dealt with ${i.reviewed.at}${by}: ${i.reviewed.note}`;
}

main(process.argv.slice(2)).then(
	(code) => process.exit(code),
	(e: unknown) => {
		if (e instanceof UsageError) console.error(`${e.message}\n${USAGE}`);
		else if (e instanceof CsvFileError) console.error(`error: ${issueWords(e.issue)}`);
		else if (
			e instanceof AdminError ||
			e instanceof ConfigError ||
			e instanceof CsvFileError ||
			e instanceof RangeError ||
			e instanceof ReviewError
		)
			console.error(`error: ${e.message}`);
		else console.error(e);
		process.exit(e instanceof UsageError ? 64 : 1);
	}
);
