import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MinefieldRecordFormatError, parseLegsCsv, parseMinefieldRecord, validateMinefieldRecord } from './format.ts';

function example(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('./fixtures/example-record.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}

test('the example record is valid and keeps its values', () => {
  const record = parseMinefieldRecord(example());
  assert.equal(record.reference, 'MF 34-117/93');
  assert.equal(record.angleUnit, 'mils');
  assert.equal(record.legs.length, 10);
  assert.equal(record.rows[1]?.mineModel, 'TM-62M');
  assert.equal(record.provenance.statedMineTotal, 48);
});

test('a format error names the record, the field path and the value', () => {
  const input = example();
  const points = input.referencePoints as Array<Record<string, unknown>>;
  points[0] = { name: 'RP1', coordinates: { system: 'latlon', lat: 91, lon: 18 } };
  const r = validateMinefieldRecord(input);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.issues[0]?.path, 'referencePoints[0].coordinates.lat');
  assert.equal(r.issues[0]?.value, 91);
  assert.match(r.message, /minefield record "MF 34-117\/93"/);
  assert.match(r.message, /referencePoints\[0\]\.coordinates\.lat: .*\(got 91\)/);
});

test('a misspelt field is refused, not silently dropped', () => {
  const input = example();
  const legs = input.legs as Array<Record<string, unknown>>;
  legs[2] = { from: 'TP1', to: 'TP2', azimut: 1550, distance: 120 };
  assert.throws(
    () => parseMinefieldRecord(input),
    (e: unknown) =>
      e instanceof MinefieldRecordFormatError &&
      e.reference === '"MF 34-117/93"' &&
      e.issues.some((i) => i.path === 'legs[2]' && /azimut/.test(i.message)) &&
      e.issues.some((i) => i.path === 'legs[2].azimuth' && i.value === undefined),
  );
});

test('a record without a reference is named by its id', () => {
  const input = { ...example(), reference: '', id: 'c0ffee' };
  const r = validateMinefieldRecord(input);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /^minefield record id c0ffee: .*\n {2}reference: /);
});

test('a wrong format version is refused', () => {
  const r = validateMinefieldRecord({ ...example(), format: 'safeground/minefield-record@2' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.issues[0]?.path, 'format');
});

test('a mine must be placed by exactly one of leg or coordinates', () => {
  const input = example();
  input.mines = [{ id: 'M9', leg: { from: 'TP3', azimuth: 10, distance: 2 }, coordinates: { system: 'latlon', lat: 44, lon: 18 } }];
  const r = validateMinefieldRecord(input);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /mines\[0\]: a mine needs exactly one of "leg" or "coordinates"/);
});

test('legs CSV: quoted names, optional unit, north and check columns', () => {
  const csv = 'from,to,azimuth,distance,unit,north,check\r\n' + 'RP1,"TP 1, corner",1250,84.5,,,\r\n' + '"TP 1, corner",TP2,92.5,120,degrees,true,\r\n' + '\r\n' + 'TP2,"TP 1, corner",4700,119.8,mils,grid,true\r\n';
  const legs = parseLegsCsv(csv, 'MF 1');
  assert.deepEqual(legs, [
    { from: 'RP1', to: 'TP 1, corner', azimuth: 1250, distance: 84.5 },
    { from: 'TP 1, corner', to: 'TP2', azimuth: 92.5, distance: 120, unit: 'degrees', north: 'true' },
    { from: 'TP2', to: 'TP 1, corner', azimuth: 4700, distance: 119.8, unit: 'mils', north: 'grid', check: true },
  ]);
});

test('legs CSV errors name the record, the line and the column', () => {
  const csv = 'from,to,azimuth,distance,north\nRP1,TP1,12x0,84.5,\nTP1,TP2,100,,magnetc\nTP2,TP3,100\n';
  assert.throws(
    () => parseLegsCsv(csv, 'MF 1'),
    (e: unknown) => {
      const m = (e as Error).message;
      return (
        m.startsWith('minefield record "MF 1": legs CSV has 4 problems') &&
        m.includes('line 2, column azimuth: not a number (got "12x0")') &&
        m.includes('line 3, column distance: not a number (got "")') &&
        m.includes('line 3, column north: expected true, grid or magnetic (got "magnetc")') &&
        m.includes('line 4: 3 fields, but the header has 5')
      );
    },
  );
  assert.throws(() => parseLegsCsv('from,to,bearing,distance\n', 'MF 1'), /line 1, column 3: unknown column "bearing".*\n.*missing column "azimuth"/);
});

test('the worked example in docs/minefield-record-format.md is the fixture, and its CSV gives the same legs', () => {
  const doc = readFileSync(new URL('../../docs/minefield-record-format.md', import.meta.url), 'utf8');
  const block = (marker: string, language: string): string => {
    const at = doc.indexOf(`<!-- example: ${marker}`);
    assert.ok(at >= 0, `marker ${marker} missing from the doc`);
    const match = new RegExp('```' + language + '\\n([\\s\\S]*?)\\n```').exec(doc.slice(at));
    assert.ok(match?.[1] !== undefined, `no ${language} block after ${marker}`);
    return match[1];
  };
  const documented: unknown = JSON.parse(block('minefield-record', 'json'));
  assert.deepEqual(documented, example());
  const record = parseMinefieldRecord(documented);
  assert.deepEqual(parseLegsCsv(block('legs-csv', 'csv'), record.reference), record.legs);
});
