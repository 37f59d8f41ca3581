import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../errors.ts';
import { isCalendarDate, isTimestamp, parseCql2, parseCql2Json } from './cql2.ts';
import { parseDatetime } from './query.ts';

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

test('CASEI and ACCENTI wrap a value or a property, nested, in any comparison', () => {
  assert.deepEqual(parseCql2("CASEI(reference) = casei('demo-ha-0001')"), {
    kind: 'comparison',
    op: '=',
    left: { kind: 'function', name: 'CASEI', argument: property('reference', 7), at: 1 },
    right: { kind: 'function', name: 'CASEI', argument: { kind: 'string', value: 'demo-ha-0001', at: 26 }, at: 20 },
  });
  const nested = parseCql2("ACCENTI(CASEI(name)) LIKE 'bogota%'");
  assert.equal(nested.kind === 'like' && nested.value.kind === 'function' && nested.value.argument.kind, 'function');
  const list = parseCql2("CASEI(category) IN (CASEI('AP_MINE'), 'at_mine')");
  assert.equal(list.kind === 'in' && list.list[0]!.kind, 'function');
  assert.match(refusal('LOWER(name) = 1').message, /unknown function LOWER; this server knows CASEI, ACCENTI/);
});

test('CQL2 JSON gives the same trees as CQL2 text, positions replaced by JSON paths', () => {
  const json = parseCql2Json(
    JSON.stringify({
      op: 'and',
      args: [
        { op: '=', args: [{ property: 'kind' }, 'cha'] },
        { op: 'not', args: [{ op: 'like', args: [{ property: 'reference' }, 'DEMO-H-%'] }] },
        { op: 'between', args: [{ property: 'depthCm' }, -5, 20] },
        { op: 'in', args: [{ op: 'casei', args: [{ property: 'category' }] }, ['ap_mine', 'at_mine']] },
        { op: 'isNull', args: [{ property: 'releaseDate' }] },
        { op: '>=', args: [{ property: 'foundOn' }, { date: '2020-02-29' }] },
        { op: 's_intersects', args: [{ property: 'geometry' }, { bbox: [-75.5, 6.8, -75.2, 7.1] }] },
        { op: 's_within', args: [{ property: 'geometry' }, { type: 'Point', coordinates: [1, 2] }] },
        true,
      ],
    }),
  );
  assert.equal(json.kind, 'and');
  const operands = json.kind === 'and' ? json.operands : [];
  assert.deepEqual(operands[0], { kind: 'comparison', op: '=', left: { kind: 'property', name: 'kind', at: '$.args[0].args[0]' }, right: { kind: 'string', value: 'cha', at: '$.args[0].args[1]' } });
  assert.deepEqual(operands[1], { kind: 'not', operand: { kind: 'like', negated: false, value: { kind: 'property', name: 'reference', at: '$.args[1].args[0].args[0]' }, pattern: { kind: 'string', value: 'DEMO-H-%', at: '$.args[1].args[0].args[1]' } } });
  assert.equal(operands[2]!.kind, 'between');
  assert.deepEqual(operands[3]!.kind === 'in' && operands[3]!.value, { kind: 'function', name: 'CASEI', argument: { kind: 'property', name: 'category', at: '$.args[3].args[0].args[0]' }, at: '$.args[3].args[0]' });
  assert.equal(operands[4]!.kind, 'isNull');
  assert.deepEqual(operands[5]!.kind === 'comparison' && operands[5]!.right, { kind: 'date', value: '2020-02-29', at: '$.args[5].args[1]' });
  assert.deepEqual(operands[6]!.kind === 'spatial' && operands[6]!.right, {
    kind: 'geometry',
    at: '$.args[6].args[1]',
    geometry: { type: 'Polygon', coordinates: [[[-75.5, 6.8], [-75.2, 6.8], [-75.2, 7.1], [-75.5, 7.1], [-75.5, 6.8]]] },
  });
  assert.equal(operands[7]!.kind === 'spatial' && operands[7]!.op, 'S_WITHIN');
  assert.deepEqual(operands[8], { kind: 'literal', value: true });
});

test('malformed CQL2 JSON is refused with what is wrong and the path to it', () => {
  const cases: [string, RegExp][] = [
    ['{"op": "=", "args": [', /not JSON/],
    ['{"op": "~", "args": [1, 2]}', /unknown operator "~" at \$$/],
    ['{"op": "=", "args": [{"property": "kind"}]}', /"=" takes 2 arguments in "args" at \$$/],
    ['{"op": "and", "args": [true, {"op": "=", "args": [{"prop": "x"}, 1]}]}', /expected a property .* at \$\.args\[1\]\.args\[0\]$/],
    ['{"op": ">", "args": [{"property": "foundOn"}, {"date": "2021-02-29"}]}', /not a date .* at \$\.args\[1\]$/],
    ['{"op": "in", "args": [{"property": "kind"}, []]}', /non-empty array/],
    ['{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [1, 2, 3]}]}', /"bbox" takes 4 or 6 numbers/],
    ['{"op": "=", "args": [{"op": "lower", "args": [{"property": "kind"}]}, "x"]}', /unknown function "lower"/],
    ['"kind"', /expected \{"op": \.\.\., "args": \[\.\.\.\]\} or a boolean/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseCql2Json(text), (error: unknown) => error instanceof UserError && error.code === 'invalid_request' && message.test(error.message), text);
  }
});

test('year 0000 is refused as a date, a timestamp and a datetime parameter, since PostgreSQL has no year zero (the fuzz test found a 500)', () => {
  assert.equal(isCalendarDate('0000-01-01'), false);
  assert.equal(isCalendarDate('0001-01-01'), true);
  assert.equal(isTimestamp('0000-01-01T00:00:00Z'), false);
  assert.throws(() => parseCql2("d > DATE('0000-01-01')"), /"0000-01-01" is not a date/);
  assert.throws(() => parseDatetime('0000-01-01'), /query\.datetime: "0000-01-01" is neither a date/);
  assert.throws(() => parseDatetime('0000-01-01T00:00:00Z/..'), /query\.datetime/);
});
