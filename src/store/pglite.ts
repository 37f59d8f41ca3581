import { PGlite, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { batches, insertBatchSize, multiRowInsert, type Db, type Queryable } from './db.ts';

type PgliteLike = PGlite | Transaction;

function queryable(pg: PgliteLike): Queryable {
  return {
    async query<T extends object>(sql: string, params: readonly unknown[] = []) {
      const result = await pg.query<T>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string) {
      await pg.exec(sql);
    },
    async bulkLoad(table, columns, rows) {
      let count = 0;
      for await (const batch of batches(rows, insertBatchSize(columns.length))) {
        await pg.query(multiRowInsert(table, columns, batch.length), batch.flat());
        count += batch.length;
      }
      return count;
    },
  };
}

/**
 * Opens the embedded store. `dataDir` undefined means in memory (tests). PGlite serialises
 * access itself: a query waits while a transaction holds the single connection.
 */
export interface PgliteDb extends Db {
  /** The whole data directory as a tarball, to clone a migrated template in tests. */
  dump(): Promise<Blob>;
  /** The database itself, for the PostgreSQL wire socket (src/store/socket.ts). */
  readonly pglite: PGlite;
}

export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<PgliteDb> {
  const pg = await PGlite.create({ dataDir, extensions: { postgis }, ...(loadDataDir ? { loadDataDir } : {}) });
  const base = queryable(pg);
  return {
    backend: 'pglite',
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    close: () => pg.close(),
    dump: async () => (await pg.dumpDataDir('none')),
    pglite: pg,
  };
}
