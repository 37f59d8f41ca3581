import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTile } from './mvt.ts';
import { decodeTile, ringArea } from './test-helpers.ts';

test('an empty tile is zero bytes, as ST_AsMVT gives it', () => {
  assert.equal(encodeTile('finds', [], 4096).byteLength, 0);
  assert.equal(encodeTile('finds', [{ properties: {}, geometry: { type: 'GeometryCollection', geometries: [] } }], 4096).byteLength, 0);
});

test('points, lines and attributes of every type decode as written, nulls left out', () => {
  const bytes = encodeTile(
    'finds',
    [
      { properties: { id: 'a', quantity: 3, depth: -12, ratio: 0.25, armed: true, note: null }, geometry: { type: 'Point', coordinates: [10, 20] } },
      { properties: { id: 'b', quantity: 3 }, geometry: { type: 'MultiPoint', coordinates: [[-64, 4160], [5, 5]] } },
      { properties: { id: 'c' }, geometry: { type: 'MultiLineString', coordinates: [[[0, 0], [10, 0], [10, 10]], [[100, 100], [90, 80]]] } },
    ],
    4096,
  );
  const layer = decodeTile(bytes).finds!;
  assert.equal(layer.version, 2);
  assert.equal(layer.extent, 4096);
  assert.deepEqual(layer.features.map((f) => f.type), ['Point', 'Point', 'LineString']);
  assert.deepEqual(layer.features[0]!.properties, { id: 'a', quantity: 3, depth: -12, ratio: 0.25, armed: true });
  assert.deepEqual(layer.features[0]!.geometry, [[{ x: 10, y: 20 }]]);
  assert.deepEqual(layer.features[1]!.geometry, [[{ x: -64, y: 4160 }], [{ x: 5, y: 5 }]]);
  assert.deepEqual(layer.features[2]!.geometry, [
    [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }],
    [{ x: 100, y: 100 }, { x: 90, y: 80 }],
  ]);
});

test('polygon rings get the spec winding whatever they arrive with: exterior positive, holes negative', () => {
  const counterClockwiseOnScreen = [[0, 0], [0, 100], [100, 100], [100, 0], [0, 0]];
  const holeSameWay = [[20, 20], [20, 40], [40, 40], [40, 20], [20, 20]];
  const bytes = encodeTile('hazards', [{ properties: { kind: 'cha' }, geometry: { type: 'Polygon', coordinates: [counterClockwiseOnScreen, holeSameWay] } }], 4096);
  const [feature] = decodeTile(bytes).hazards!.features;
  assert.equal(feature!.type, 'Polygon');
  const [exterior, hole] = feature!.geometry;
  assert.ok(ringArea(exterior!) > 0, 'exterior ring must have positive area');
  assert.ok(ringArea(hole!) < 0, 'hole must have negative area');
  assert.equal(ringArea(exterior!), 2 * 100 * 100);
  assert.equal(ringArea(hole!), -2 * 20 * 20);
});

test('rings without area are dropped, and a polygon whose exterior collapsed goes with its holes', () => {
  const bytes = encodeTile(
    'hazards',
    [
      { properties: { id: 'flat' }, geometry: { type: 'Polygon', coordinates: [[[0, 0], [5, 0], [10, 0], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 1]]] } },
      { properties: { id: 'kept' }, geometry: { type: 'MultiPolygon', coordinates: [[[[0, 0], [0, 1], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [7, 5], [5, 5]]]] } },
    ],
    4096,
  );
  const features = decodeTile(bytes).hazards!.features;
  assert.deepEqual(features.map((f) => f.properties.id), ['kept']);
  assert.equal(features[0]!.geometry.length, 1);
});

test('a geometry collection with parts is refused, naming it', () => {
  assert.throws(
    () => encodeTile('hazards', [{ properties: {}, geometry: { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 1] }] } }], 4096),
    /geometry collection of 1 parts/,
  );
});
