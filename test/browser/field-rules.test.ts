import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { age, applyChange, averageFixes, type Bbox, type FeedChange, meetsBbox, type PackageRecord, validBbox } from '../../web/src/field/area.ts';

/** The field app's pure rules, without a browser: which records a package keeps, GPS averaging, ages. */
describe('field app rules', () => {
  const area: Bbox = [10, 20, 11, 21];
  const square = (x: number, y: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y]]] });
  const change = (over: Partial<FeedChange>): FeedChange => ({
    type: 'change', cursor: 'c1.1', entityType: 'hazard', entityId: 'h1', version: 1, validFrom: '2026-01-01T00:00:00Z', deleted: false, data: { reference: 'HA-1' }, geometry: square(10.5, 20.5), ...over,
  });

  test('a geometry is in the area when its box meets the area, whatever its type', () => {
    assert.equal(meetsBbox(square(10.5, 20.5), area), true);
    assert.equal(meetsBbox(square(10.95, 20.95), area), true, 'overlapping the edge');
    assert.equal(meetsBbox(square(12, 20.5), area), false);
    assert.equal(meetsBbox({ type: 'Point', coordinates: [10.2, 20.2] }, area), true);
    assert.equal(meetsBbox({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [0, 0] }, { type: 'Point', coordinates: [10.2, 20.2] }] }, area), true);
    assert.equal(meetsBbox(null, area), false, 'a record without a place is in no area');
  });

  test('changes of the feed: newer versions replace, moves out and deletions remove, repeats change nothing', () => {
    const records = new Map<string, PackageRecord>();
    applyChange(records, change({}), area);
    assert.equal(records.size, 1);
    applyChange(records, change({ version: 2, data: { reference: 'HA-1b' } }), area);
    assert.equal(records.get('hazard:h1')?.data.reference, 'HA-1b');
    applyChange(records, change({ version: 1, data: { reference: 'old' } }), area);
    assert.equal(records.get('hazard:h1')?.version, 2, 'an older version, as a resumed feed repeats it, is a no-op');
    applyChange(records, change({ version: 3, geometry: square(15, 25) }), area);
    assert.equal(records.has('hazard:h1'), false, 'moved out of the area');
    applyChange(records, change({ entityId: 'h2', version: 1 }), area);
    applyChange(records, change({ entityId: 'h2', version: 2, deleted: true }), area);
    assert.equal(records.has('hazard:h2'), false, 'deleted');
    applyChange(records, change({ entityType: 'accident', entityId: 'a1' }), area);
    assert.equal(records.has('accident:a1'), false, 'accidents (with their victims) are not kept in packages');
  });

  test('GPS fixes are averaged by their stated accuracy; the average is never claimed better than half the best fix', () => {
    const mean = averageFixes([
      { longitude: 10, latitude: 20, accuracy: 5 },
      { longitude: 10.001, latitude: 20.001, accuracy: 5 },
      { longitude: 11, latitude: 21, accuracy: 500 },
    ])!;
    assert.ok(Math.abs(mean.longitude - 10.0005) < 0.0002, `the poor fix barely moves the mean (${mean.longitude})`);
    assert.ok(mean.accuracy < 5 && mean.accuracy >= 2.5, `accuracy ${mean.accuracy}`);
    assert.equal(averageFixes([]), null);
    assert.equal(averageFixes([{ longitude: 1, latitude: 2, accuracy: 8 }])!.accuracy, 8);
  });

  test('boxes and ages', () => {
    assert.equal(validBbox([10, 20, 11, 21]), true);
    assert.equal(validBbox([11, 20, 10, 21]), false, 'west east of east');
    assert.equal(validBbox([10, 20, 11, 95]), false, 'beyond the pole');
    const now = new Date('2026-03-10T12:00:00Z');
    assert.deepEqual(age('2026-03-10T11:15:00Z', now), { unit: 'minutes', count: 45 });
    assert.deepEqual(age('2026-03-10T02:00:00Z', now), { unit: 'hours', count: 10 });
    assert.deepEqual(age('2026-03-01T12:00:00Z', now), { unit: 'days', count: 9 });
  });
});
