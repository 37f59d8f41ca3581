import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMigrations, migrate } from './migrate.ts';
import { storeInfo } from './open.ts';
import { cancelledAtTimeout } from './postgres.ts';
import { storeFor, testBackends } from '../../test/support/backends.ts';

for (const backend of testBackends()) {
  describe(`store on ${backend.name}`, () => {
    const db = storeFor(backend);

    test('names its backend and PostGIS version', async () => {
      const info = await storeInfo(db);
      assert.equal(info.backend, backend.name);
      assert.match(info.postgisVersion, /^3\.\d+/);
      assert.match(info.postgresVersion, /^\d+/);
    });

    test('parameterised queries return the same JS types on both backends', async () => {
      const [row] = await db.query<{ n: number; big: number; t: string; d: Date; j: { a: number }; arr: string[]; b: boolean }>(
        "SELECT $1::int AS n, count(*) AS big, $2::text AS t, '2024-03-01'::date AS d, '{\"a\":1}'::jsonb AS j, ARRAY['x','y'] AS arr, true AS b FROM generate_series(1, 3)",
        [41, "O'Brien; DROP TABLE hazard"],
      );
      assert.deepEqual(row, { n: 41, big: 3, t: "O'Brien; DROP TABLE hazard", d: row!.d, j: { a: 1 }, arr: ['x', 'y'], b: true });
      assert.ok(row.d instanceof Date);
      assert.equal(row.d.toISOString().slice(0, 10), '2024-03-01');
    });

    test('json parameters: JSON text and objects both arrive as the object', async () => {
      const [row] = await db.query<{ a: unknown; b: unknown; kind: string }>(
        "SELECT $1::jsonb AS a, $2::json AS b, jsonb_typeof($1::jsonb) AS kind",
        [JSON.stringify({ x: [1, 'two'] }), JSON.stringify({ y: null })],
      );
      assert.deepEqual(row, { a: { x: [1, 'two'] }, b: { y: null }, kind: 'object' });
    });

    if (backend.name === 'postgres') {
      test('a statement cancelled at the statement timeout is told from other errors (the CLI names the setting)', async () => {
        const timedOut = await db
          .transaction(async (tx) => {
            await tx.exec('SET LOCAL statement_timeout = 50');
            await tx.query('SELECT pg_sleep($1)', [2]);
          })
          .catch((error: unknown) => error);
        assert.ok(cancelledAtTimeout(timedOut), String(timedOut));
        const other = await db.query('SELECT 1 / $1::int', [0]).catch((error: unknown) => error);
        assert.ok(other instanceof Error && !cancelledAtTimeout(other), String(other));
      });
    }

    test('a transaction that throws leaves nothing behind', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO organisation (name, kind) VALUES ('Rolled back', 'ngo')");
          throw new Error('stop');
        }),
        /stop/,
      );
      const rows = await db.query("SELECT 1 FROM organisation WHERE name = 'Rolled back'");
      assert.equal(rows.length, 0);
    });

    test('bulk load writes every row, geometries and awkward text included, inside a transaction', async () => {
      const awkward = "tab\there\nnew line \\N back\\ 'quoted'";
      function* rows() {
        for (let i = 0; i < 2500; i++) {
          yield [`F-${i}`, 'ap_mine', `SRID=4326;POINT(${46 + i * 1e-5} 40.1)`, `2023-05-0${1 + (i % 9)}`, awkward, i % 2 === 0 ? null : i];
        }
      }
      const count = await db.transaction((tx) => tx.bulkLoad('find', ['external_id', 'category', 'geom', 'found_on', 'source', 'depth_cm'], rows()));
      assert.equal(count, 2500);
      const [stats] = await db.query<{ n: number; nulls: number; x: number; same: number }>(
        "SELECT count(*) AS n, count(*) FILTER (WHERE depth_cm IS NULL) AS nulls, max(ST_X(geom)) AS x, count(*) FILTER (WHERE source = $1) AS same FROM find WHERE external_id LIKE 'F-%'",
        [awkward],
      );
      assert.deepEqual(stats, { n: 2500, nulls: 1250, x: 46 + 2499 * 1e-5, same: 2500 });
    });
  });
}

test('migrations are numbered and each has a checksum', async () => {
  const migrations = await loadMigrations();
  assert.ok(migrations.length >= 1);
  assert.deepEqual(migrations.map((m) => m.version), [...migrations.map((m) => m.version)].sort((a, b) => a - b));
});

for (const backend of testBackends()) {
  test(`migrating twice changes nothing, and a failing migration leaves the database as it was (${backend.name})`, async () => {
    const db = await backend.open();
    try {
      const schema = async () => db.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2");
      const before = await schema();
      assert.deepEqual(await migrate(db), []);
      assert.deepEqual(await schema(), before);
      const broken = [...(await loadMigrations()), { version: 9999, name: '9999_broken.sql', checksum: 'x', transaction: true, sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' }];
      await assert.rejects(migrate(db, broken), /9999_broken\.sql failed/);
      assert.deepEqual(await schema(), before);
      const [row] = await db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migration WHERE version = 9999');
      assert.equal(row!.n, 0);
    } finally {
      await db.close();
    }
  });
}
