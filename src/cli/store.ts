import type { Command } from 'commander';
import { storeConfig } from '../config.ts';
import { seedCountries } from '../gazetteer/countries.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import type { Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/open.ts';

export interface StoreOptions {
  databaseUrl?: string;
  dataDir?: string;
}

/** The options every command that opens the store takes. */
export function storeOptions(command: Command): Command {
  return command
    .option('--database-url <url>', 'PostgreSQL + PostGIS database (default: $DATABASE_URL, else the embedded store)')
    .option('--data-dir <folder>', 'folder of the embedded store (default: $SAFEGROUND_DATA or ./safeground-data)');
}

/** A subcommand that opens the store: its name, what it does, and the store's options. */
export function storeCommand(parent: Command, name: string, description: string): Command {
  return storeOptions(parent.command(name)).description(description);
}

/** Opens, migrates and seeds the store, runs fn, and always closes the store (PGlite flushes on close). */
export async function withStore<T>(options: StoreOptions, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openStore(storeConfig(options));
  try {
    await prepareStore(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * The action of a command that opens the store: `run` gets the store, then what commander passes
 * an action (the command's arguments, its options, the command), and the store is closed after.
 */
export function inStore<A extends unknown[]>(run: (db: Db, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    // Commander passes the options second to last, before the command itself.
    const options = args.at(-2) as StoreOptions;
    await withStore(options, (db) => run(db, ...args));
  };
}

/** Migrations, country outlines and the ordnance catalogue every store has; says on stderr what it changed. */
export async function prepareStore(db: Db): Promise<void> {
  const applied = await migrate(db);
  if (applied.length > 0) process.stderr.write(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}\n`);
  const countries = await seedCountries(db);
  if (countries > 0) process.stderr.write(`Seeded ${countries} country outlines into the gazetteer\n`);
  const models = await seedOrdnanceCatalogue(db);
  if (models > 0) process.stderr.write(`Seeded ${models} ordnance models into the catalogue\n`);
}
