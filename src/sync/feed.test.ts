import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS, permissionsOf } from '../access/permissions.ts';
import type { Db } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';
import { changesFeed, type FeedLine } from './feed.ts';

const reader = { ...ANONYMOUS, roles: ['analyst' as const], permissions: permissionsOf(['analyst']) };

async function lines(db: Db, since: string | undefined, limit: number, bbox?: [number, number, number, number], types?: string[]): Promise<FeedLine[]> {
  const out: FeedLine[] = [];
  for await (const line of changesFeed(db, reader, since, limit, { bbox, types })) out.push(JSON.parse(line) as FeedLine);
  return out;
}

for (const backend of testBackends()) {
  describe(`the changes feed on ${backend.name}`, () => {
    let db: Db;
    before(async () => {
      db = await backend.open();
      // 1,205 versions: change numbers of one to four digits, and pages of the feed (1,000) cut inside them.
      await db.query(
        `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data)
         SELECT 'find', gen_random_uuid(), 1, now(), jsonb_build_object('n', n) FROM generate_series(1, 1205) AS n`,
      );
    });
    after(() => db?.close());

    test('gives every version once, in change order (numbers, not text), across pages', async () => {
      const all = await lines(db, undefined, 1_000_000);
      const changes = all.filter((l) => l.type === 'change');
      assert.equal(changes.length, 1205);
      const numbers = changes.map((c) => Number(c.cursor.slice(3)));
      assert.ok(numbers.every((n, i) => i === 0 || n > numbers[i - 1]!), 'strictly increasing');
      assert.deepEqual(all.at(-1), { type: 'end', cursor: changes.at(-1)!.cursor, more: false });
    });

    test('a limit ends with more: true, and its cursor resumes exactly after the last change', async () => {
      const first = await lines(db, undefined, 700);
      const end = first.at(-1) as { type: 'end'; cursor: string; more: boolean };
      assert.equal(end.more, true);
      const rest = await lines(db, end.cursor, 1_000_000);
      const ids = [...first, ...rest].filter((l) => l.type === 'change').map((c) => c.entityId);
      assert.equal(ids.length, 1205);
      assert.equal(new Set(ids).size, 1205);
    });

    test('an area keeps the versions whose geometry meets its box and every one without a geometry; its cursor resumes', async () => {
      await db.query(
        `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom)
         SELECT 'hazard', gen_random_uuid(), 1, now(), jsonb_build_object('place', place), ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(lon, 45), 4326), 0.001))
         FROM (VALUES ('inside', 30.0), ('across the edge', 30.5), ('outside', 31.0)) AS p (place, lon)`,
      );
      const area: [number, number, number, number] = [29.9, 44.9, 30.5, 45.1];
      const all = await lines(db, undefined, 1_000_000, area);
      const changes = all.filter((l) => l.type === 'change');
      const places = changes.filter((c) => c.entityType === 'hazard').map((c) => (c.data as { place: string }).place);
      assert.deepEqual(places, ['inside', 'across the edge']);
      assert.equal(changes.filter((c) => c.entityType === 'find').length, 1205, 'versions without a geometry are all there');
      const end = all.at(-1) as { type: 'end'; cursor: string; more: boolean };
      assert.deepEqual(await lines(db, end.cursor, 10, area), [{ type: 'start', instance: (all[0] as { instance: string }).instance, since: end.cursor }, { type: 'end', cursor: end.cursor, more: false }]);
    });

    test('record types narrow the feed (an area package takes the register, not the finds), with an area too', async () => {
      const area: [number, number, number, number] = [29.9, 44.9, 30.5, 45.1];
      const hazards = (await lines(db, undefined, 1_000_000, undefined, ['hazard'])).filter((l) => l.type === 'change');
      assert.equal(hazards.length, 3);
      assert.ok(hazards.every((c) => c.entityType === 'hazard'));
      const inArea = (await lines(db, undefined, 1_000_000, area, ['hazard', 'activity'])).filter((l) => l.type === 'change');
      assert.deepEqual(inArea.map((c) => (c.data as { place: string }).place), ['inside', 'across the edge']);
      const finds = (await lines(db, undefined, 1_000_000, area, ['find'])).filter((l) => l.type === 'change');
      assert.equal(finds.length, 1205);
    });

    test('a cursor from elsewhere is refused before anything streams', async () => {
      await assert.rejects(lines(db, 'yesterday', 10), /query\.since: "yesterday" is not a cursor/);
    });
  });
}
