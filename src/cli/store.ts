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

/** Migrations, country outlines and the ordnance catalogue every store has; says on stderr what it changed. */
export async function prepareStore(db: Db): Promise<void> {
  const applied = await migrate(db);
  if (applied.length > 0) process.stderr.write(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}\n`);
  const countries = await seedCountries(db);
  if (countries > 0) process.stderr.write(`Seeded ${countries} country outlines into the gazetteer\n`);
  const models = await seedOrdnanceCatalogue(db);
  if (models > 0) process.stderr.write(`Seeded ${models} ordnance models into the catalogue\n`);
}
