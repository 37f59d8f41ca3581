import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../errors.ts';
import { parseCql2 } from './cql2.ts';

const property = (name: string, at: number) => ({ kind: 'property', name, at });

test('comparisons, AND, OR and NOT nest with the usual precedence', () => {
  assert.deepEqual(parseCql2("kind = 'cha' AND NOT status <> 'released' OR estimatedAreaM2 >= 1.5e3"), {
    kind: 'or',
    operands: [
      {
        kind: 'and',
        operands: [
          { kind: 'comparison', op: '=', left: property('kind', 1), right: { kind: 'string', value: 'cha', at: 8 } },
          { kind: 'not', operand: { kind: 'comparison', op: '<>', left: property('status', 22), right: { kind: 'string', value: 'released', at: 32 } } },
        ],
      },
      { kind: 'comparison', op: '>=', left: property('estimatedAreaM2', 46), right: { kind: 'number', value: 1500, at: 65 } },
    ],
  });
});

test('parentheses override precedence; keywords are case-insensitive', () => {
  const tree = parseCql2("(a = 1 or b = 2) and c = 'x'");
  assert.equal(tree.kind, 'and');
  assert.equal(tree.kind === 'and' && tree.operands[0]!.kind, 'or');
});

test('LIKE, BETWEEN, IN and IS NULL, each negated too', () => {
  assert.deepEqual(parseCql2("reference NOT LIKE 'DEMO-H-%'"), {
    kind: 'like',
    negated: true,
    value: property('reference', 1),
    pattern: { kind: 'string', value: 'DEMO-H-%', at: 20 },
  });
  assert.deepEqual(parseCql2('depthCm BETWEEN -5 AND 20'), {
    kind: 'between',
    negated: false,
    value: property('depthCm', 1),
    low: { kind: 'number', value: -5, at: 17 },
    high: { kind: 'number', value: 20, at: 24 },
  });
  const list = parseCql2("category NOT IN ('ap_mine', 'at_mine')");
  assert.equal(list.kind === 'in' && list.negated && list.list.length, 2);
  assert.deepEqual(parseCql2('releaseDate IS NOT NULL'), { kind: 'isNull', negated: true, value: property('releaseDate', 1) });
});

test('DATE and TIMESTAMP literals, quoted names, doubled quotes in strings', () => {
  assert.deepEqual(parseCql2(`"foundOn" >= DATE('2020-02-29') AND note = 'O''Brien'`), {
    kind: 'and',
    operands: [
      { kind: 'comparison', op: '>=', left: property('foundOn', 1), right: { kind: 'date', value: '2020-02-29', at: 14 } },
      { kind: 'comparison', op: '=', left: property('note', 37), right: { kind: 'string', value: "O'Brien", at: 44 } },
    ],
  });
  const instant = parseCql2("updatedAt < TIMESTAMP('2024-03-01T12:00:00Z')");
  assert.equal(instant.kind === 'comparison' && instant.right.kind, 'timestamp');
});

test('S_INTERSECTS with WKT and BBOX literals becomes GeoJSON in the filter axis order', () => {
  assert.deepEqual(parseCql2('S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))'), {
    kind: 'spatial',
    op: 'S_INTERSECTS',
    left: property('geometry', 14),
    right: { kind: 'geometry', at: 24, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } },
  });
  const bbox = parseCql2('s_intersects(geometry, BBOX(-75.5, 6.8, -75.2, 7.1))');
  assert.deepEqual(bbox.kind === 'spatial' && bbox.right, {
    kind: 'geometry',
    at: 24,
    geometry: { type: 'Polygon', coordinates: [[[-75.5, 6.8], [-75.2, 6.8], [-75.2, 7.1], [-75.5, 7.1], [-75.5, 6.8]]] },
  });
  const multi = parseCql2('S_WITHIN(geometry, MULTIPOINT((1 2), (3 4)))');
  assert.deepEqual(multi.kind === 'spatial' && multi.right.kind === 'geometry' && multi.right.geometry, { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
  const point = parseCql2('S_INTERSECTS(POINT Z (1 2 3), geometry)');
  assert.deepEqual(point.kind === 'spatial' && point.left.kind === 'geometry' && point.left.geometry, { type: 'Point', coordinates: [1, 2, 3] });
});

/** The message and the 1-based position a malformed filter is refused with. */
function refusal(text: string): { message: string; position: number } {
  try {
    parseCql2(text);
  } catch (error) {
    assert.ok(error instanceof UserError);
    assert.equal(error.code, 'invalid_request');
    return { message: error.message, position: (error.details as { position: number }).position };
  }
  assert.fail(`${text} was accepted`);
}

test('malformed filters are refused with what is wrong and where', () => {
  const cases: [string, number, RegExp][] = [
    ["kind = 'cha", 8, /unterminated string/],
    ["kind == 'cha'", 7, /expected a property name or a value, found "="/],
    ['kind = ', 8, /found the end of the filter/],
    ["(kind = 'cha'", 14, /expected '\)' to close the parenthesis/],
    ["kind = 'cha' status = 'active'", 14, /expected AND, OR or the end/],
    ['kind', 5, /expected a comparison/],
    ["kind ~ 'x'", 6, /unexpected character "~"/],
    ['foundOn > DATE(2020)', 16, /expected a quoted date/],
    ["foundOn > DATE('2021-02-29')", 16, /not a date/],
    ["updatedAt > TIMESTAMP('2021-01-01 10:00')", 23, /not a timestamp/],
    ['S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))', 32, /at least 4 positions/],
    ['S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 2 2)))', 32, /must end where it starts/],
    ['S_INTERSECTS(geometry, BBOX(1, 2, 3))', 29, /BBOX takes 4 or 6 numbers, got 3/],
    ['S_NEAR(geometry, POINT(1 2))', 1, /unknown function S_NEAR/],
    ['', 1, /empty/],
    ['a IN ()', 7, /expected a property name or a value/],
    ['a = AND', 5, /found the keyword AND/],
  ];
  for (const [text, position, message] of cases) {
    const got = refusal(text);
    assert.equal(got.position, position, `${text}: ${got.message}`);
    assert.match(got.message, message, text);
    assert.match(got.message, new RegExp(`^filter: .* at position ${position}$`), text);
  }
});
