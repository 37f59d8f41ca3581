import type { StoreConfig } from './store/open.ts';

/** Where Safeground keeps its data: PostgreSQL when DATABASE_URL is set, else the embedded store. */
export function storeConfig(options: { databaseUrl?: string; dataDir?: string }, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const databaseUrl = options.databaseUrl ?? env.DATABASE_URL;
  if (databaseUrl) return { databaseUrl };
  return { dataDir: options.dataDir ?? env.SAFEGROUND_DATA ?? './safeground-data' };
}

export function portFrom(value: string | undefined, fallback = 8080): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Unexpected port: ${JSON.stringify(value)} (want 0-65535)`);
  return port;
}
