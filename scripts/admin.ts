/**
 * Administration commands, with the same configuration (DATABASE_URL) as the server.
 * Pending migrations run first.
 *
 *   npm run admin -- create-till --store "…" --name "…"   prints {"store","till","token"}
 *   npm run admin -- migrate
 *   npm run admin -- attention [--json] [--all]          charges the owner must look at
 *   npm run admin -- review REF --note "…"               mark one dealt with
 *   npm run admin -- import-products FILE --store "…"    CSV: name,price,barcode[,category,pinyin,favourite]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../src/lib/server/config';
import { openDatabase } from '../src/lib/server/db';
import {
	chargesNeedingOwner,
	reviewAttentionItem,
	ReviewError,
	type AttentionItem
} from '../src/lib/server/charges/service';
import { createTill, findOrCreateStore, DEMO_STORE } from '../src/lib/server/tills';
import { CsvError, parseProductsCsv, upsertProducts } from '../src/lib/server/catalog';

const USAGE = `usage: npm run admin -- <command> [options]
  create-till --store NAME --name NAME   create a store (if new) and a till; prints its token as JSON
  migrate                                run pending database migrations
  attention [--json] [--all]             list what needs the owner (late, unknown, mismatched, orphan, paid without a sale, sale without its charge);
                                         --all: also those marked dealt with
  review REF --note TEXT                 mark an item dealt with (REF as attention prints it: late:ORDER, unsold:ORDER, orphan:ID, sale:ID…),
                                         saying what was done; it leaves the list unless its kind changes
  import-products FILE [--store NAME]    import or update products from a CSV file (default store: the demo store)`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
	const [command, ...rest] = argv;
	if (!command || command === 'help' || command === '--help') {
		console.log(USAGE);
		return command ? 0 : 64;
	}
	const config = loadConfig(process.env);
	const db = await openDatabase(config.database);
	try {
		switch (command) {
			case 'migrate': {
				console.log(JSON.stringify({ migrated: true, database: db.kind }));
				return 0;
			}
			case 'create-till': {
				const { values } = parseArgs({
					args: rest,
					options: { store: { type: 'string' }, name: { type: 'string' } }
				});
				if (!values.store) throw new UsageError('--store: the store name is required');
				if (!values.name) throw new UsageError('--name: the till name is required');
				const made = await createTill(db.db, { store: values.store, name: values.name });
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
			}
			case 'attention': {
				const { values } = parseArgs({
					args: rest,
					options: { json: { type: 'boolean' }, all: { type: 'boolean' } }
				});
				const items = await chargesNeedingOwner(db.db, Date.now(), {
					includeReviewed: values.all ?? false
				});
				if (values.json) console.log(JSON.stringify(items, null, 2));
				else if (items.length === 0) console.log('Nothing needs the owner.');
				else for (const i of items) console.log(attentionLine(i));
				return 0;
			}
			case 'review': {
				const { values, positionals } = parseArgs({
					args: rest,
					allowPositionals: true,
					options: { note: { type: 'string' }, json: { type: 'boolean' } }
				});
				const ref = positionals[0];
				if (!ref) throw new UsageError('REF: which item (as `attention` prints it) is required');
				if (values.note === undefined)
					throw new UsageError('--note: say what was done (for example "refunded in Teegon")');
				const item = await reviewAttentionItem(db.db, ref, values.note);
				console.log(values.json ? JSON.stringify(item) : attentionLine(item));
				return 0;
			}
			case 'import-products': {
				const { values, positionals } = parseArgs({
					args: rest,
					allowPositionals: true,
					options: { store: { type: 'string' } }
				});
				const file = positionals[0];
				if (!file) throw new UsageError('FILE: the CSV file to import is required');
				const products = parseProductsCsv(readFileSync(file, 'utf8'));
				const store = await findOrCreateStore(db.db, values.store ?? DEMO_STORE);
				const r = await upsertProducts(db.db, store.id, products);
				console.log(JSON.stringify({ store: store.name, ...r }));
				return 0;
			}
			default:
				throw new UsageError(`unknown command "${command}"`);
		}
	} finally {
		await db.close();
	}
}

function attentionLine(i: AttentionItem): string {
	const line = `${i.at}  ${i.ref}  ¥${i.amount ?? '?'}  charge ${i.charge_id ?? '-'}  ${i.detail}`;
	return i.reviewed ? `${line}\n    dealt with ${i.reviewed.at}: ${i.reviewed.note}` : line;
}

main(process.argv.slice(2)).then(
	(code) => process.exit(code),
	(e: unknown) => {
		if (e instanceof UsageError) console.error(`${e.message}\n${USAGE}`);
		else if (
			e instanceof ConfigError ||
			e instanceof CsvError ||
			e instanceof RangeError ||
			e instanceof ReviewError
		)
			console.error(`error: ${e.message}`);
		else console.error(e);
		process.exit(e instanceof UsageError ? 64 : 1);
	}
);
