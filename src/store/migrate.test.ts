import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { testBackends } from '../../test/support/backends.ts';
import { pruneTileChanges } from '../tiles/cache.ts';
import type { Db } from './db.ts';
import { FIRST_CONTIGUOUS_MIGRATION, loadMigrations, migrate, type Migration, NO_TRANSACTION, splitStatements } from './migrate.ts';

/**
 * Numbers given to work not yet merged; a reserved number may be missing without counting as a
 * gap. Remove each here once its migration is in the tree, or once its work is dropped (then the
 * next migration takes it).
 */
const RESERVED = new Set<number>();

function migration(version: number, sql: string): Migration {
  const name = `${version}_test.sql`;
  return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex'), transaction: sql.split('\n', 1)[0] !== NO_TRANSACTION };
}

test('migration numbers continue without gaps from 0020 on (deployed stores keep the earlier ones as they are)', async () => {
  const versions = (await loadMigrations()).map((m) => m.version).filter((v) => v >= FIRST_CONTIGUOUS_MIGRATION);
  assert.equal(versions[0], FIRST_CONTIGUOUS_MIGRATION);
  const gaps: number[] = [];
  for (let v = FIRST_CONTIGUOUS_MIGRATION; v <= versions.at(-1)!; v++) if (!versions.includes(v) && !RESERVED.has(v)) gaps.push(v);
  assert.deepEqual(gaps, [], `missing migration numbers: ${gaps.join(', ')}; number the next migration ${versions.at(-1)! + 1}`);
});

test('a script splits into statements at semicolons outside quotes, dollar quotes and comments', () => {
  const sql = `-- a comment; not a statement
CREATE TABLE a (t text DEFAULT 'x;y', "odd;name" int);
/* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
DO $$ BEGIN PERFORM 'it''s;'; END $$;
-- trailing comment`;
  assert.deepEqual(
    splitStatements(sql).map((s) => s.trim()),
    [
      `-- a comment; not a statement
CREATE TABLE a (t text DEFAULT 'x;y', "odd;name" int);`,
      '/* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;',
      "DO $$ BEGIN PERFORM 'it''s;'; END $$;",
    ],
  );
});

test('the no-transaction marker is read from the first line only', async () => {
  const migrations = await loadMigrations();
  assert.equal(migrations.find((m) => m.version === 21)?.transaction, false);
  assert.equal(migrations.find((m) => m.version === 20)?.transaction, true);
});

for (const backend of testBackends()) {
  describe(`migrations outside a transaction on ${backend.name}`, () => {
    let db: Db;
    before(async () => {
      db = await backend.open();
    });
    after(async () => {
      await db?.close();
    });

    test('an index built CONCURRENTLY, which a transaction refuses; the record is written after it', async () => {
      await db.exec('CREATE TABLE online_test (id integer PRIMARY KEY, v integer)');
      const body = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS online_test_v_idx ON online_test (v);';
      await assert.rejects(migrate(db, [migration(9990, body)]), /CONCURRENTLY cannot run inside a transaction block/);
      assert.deepEqual(await migrate(db, [migration(9991, `${NO_TRANSACTION}\n${body}`)]).then((a) => a.map((m) => m.version)), [9991]);
      const [index] = await db.query<{ valid: boolean }>("SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = 'online_test_v_idx'::regclass");
      assert.equal(index?.valid, true);
      const recorded = await db.query<{ version: number }>('SELECT version FROM schema_migration WHERE version IN (9990, 9991) ORDER BY version');
      assert.deepEqual(recorded.map((r) => r.version), [9991]);
    });

    test('a failing one is not recorded, keeps what ran before the failure, and runs again from its start once fixed', async () => {
      const broken = migration(9992, `${NO_TRANSACTION}\nCREATE TABLE IF NOT EXISTS online_half (id integer);\nSELECT no_such_function();`);
      await assert.rejects(migrate(db, [broken]), /9992_test\.sql failed: .*no_such_function/);
      assert.equal((await db.query("SELECT 1 FROM pg_class WHERE relname = 'online_half'")).length, 1, 'the statement before the failure stays');
      assert.equal((await db.query('SELECT 1 FROM schema_migration WHERE version = 9992')).length, 0);
      const fixed = migration(9992, `${NO_TRANSACTION}\nCREATE TABLE IF NOT EXISTS online_half (id integer);\nSELECT 1;`);
      assert.deepEqual((await migrate(db, [fixed])).map((m) => m.version), [9992]);
      assert.deepEqual(await migrate(db, [fixed]), [], 'applied once');
    });

    test('safeground_backfill fills a new nullable column in batches, each committed on its own, before the constraint', async () => {
      await db.exec('CREATE TABLE backfill_test (id integer PRIMARY KEY); INSERT INTO backfill_test SELECT generate_series(1, 1000)');
      const steps = migration(
        9993,
        `${NO_TRANSACTION}
ALTER TABLE backfill_test ADD COLUMN IF NOT EXISTS twice integer;
CALL safeground_backfill('backfill_test', 'twice = id * 2', 'twice IS NULL', 100);
ALTER TABLE backfill_test ALTER COLUMN twice SET NOT NULL;`,
      );
      assert.deepEqual((await migrate(db, [steps])).map((m) => m.version), [9993]);
      const [result] = await db.query<{ wrong: number; transactions: number }>(
        'SELECT count(*) FILTER (WHERE twice <> id * 2)::int AS wrong, count(DISTINCT xmin::text)::int AS transactions FROM backfill_test',
      );
      assert.deepEqual(result, { wrong: 0, transactions: 10 });
      const [column] = await db.query<{ nullable: string }>("SELECT is_nullable AS nullable FROM information_schema.columns WHERE table_name = 'backfill_test' AND column_name = 'twice'");
      assert.equal(column?.nullable, 'NO');
    });

    test('tile_change keeps a day of changes: older ones are pruned in batches', async () => {
      await db.exec('DELETE FROM tile_change');
      await db.query(
        `INSERT INTO tile_change (layer, at, bbox)
         SELECT 'finds', now() - make_interval(hours => h), ST_MakeEnvelope(0, 0, 1, 1, 4326) FROM generate_series(0, 47) h`,
      );
      assert.equal(await pruneTileChanges(db, { batchSize: 5 }), 24);
      const [left] = await db.query<{ n: number; oldest: boolean }>("SELECT count(*)::int AS n, bool_and(at > now() - interval '24 hours') AS oldest FROM tile_change");
      assert.deepEqual(left, { n: 24, oldest: true });
    });
  });
}
