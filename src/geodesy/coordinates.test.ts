import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latLonToMgrs, latLonToUtm, mgrsToLatLon, utmToLatLon, utmZoneOf } from './coordinates.ts';
import { inverse } from './geodesic.ts';

const places = [
  { lat: 44.53461, lon: 18.67012 },
  { lat: -13.25, lon: 34.3 },
  { lat: 36.7, lon: 68.9 },
  { lat: 60.2, lon: 5.3 },
  { lat: 0.1, lon: -77.9 },
];

test('UTM round trip stays within 1 mm', () => {
  for (const p of places) {
    const u = latLonToUtm(p);
    const back = utmToLatLon(u);
    const d = inverse(p, back).distanceM;
    assert.ok(d < 1e-3, `${JSON.stringify(p)} -> ${JSON.stringify(u)} -> off by ${d} m`);
  }
});

test('UTM zone follows the Norway exception and the hemisphere', () => {
  assert.deepEqual(utmZoneOf({ lat: 60.2, lon: 5.3 }), { zone: 32, hemisphere: 'N' });
  assert.deepEqual(utmZoneOf({ lat: -13.25, lon: 34.3 }), { zone: 36, hemisphere: 'S' });
  assert.deepEqual(utmZoneOf({ lat: 44.5, lon: 18.6 }), { zone: 34, hemisphere: 'N' });
});

test('a known UTM coordinate: central meridian on the equator is easting 500000, northing 0', () => {
  const u = latLonToUtm({ lat: 0, lon: 21 });
  assert.equal(u.zone, 34);
  assert.ok(Math.abs(u.easting - 500000) < 1e-6);
  assert.ok(Math.abs(u.northing) < 1e-6);
});

test('MGRS round trip at 1 m precision stays within the square (0.71 m)', () => {
  for (const p of places) {
    const ref = latLonToMgrs(p);
    assert.match(ref, /^\d{1,2}[C-X][A-Z]{2}\d{10}$/);
    const back = mgrsToLatLon(ref);
    const d = inverse(p, back).distanceM;
    assert.ok(d <= 0.75, `${ref}: off by ${d} m`);
    assert.equal(latLonToMgrs(back), ref);
  }
});

test('MGRS and UTM agree: the same square, written with spaces or not', () => {
  const p = { lat: 44.53461, lon: 18.67012 };
  const ref = latLonToMgrs(p);
  const spaced = `${ref.slice(0, 3)} ${ref.slice(3, 5)} ${ref.slice(5, 10)} ${ref.slice(10)}`;
  assert.deepEqual(mgrsToLatLon(spaced), mgrsToLatLon(ref));
  const u = latLonToUtm(mgrsToLatLon(ref));
  assert.equal(Math.floor(u.easting) % 100000, Number(ref.slice(5, 10)));
  assert.equal(Math.floor(u.northing) % 100000, Number(ref.slice(10)));
});

test('bad coordinates are refused with the value in the message', () => {
  assert.throws(() => mgrsToLatLon('99ZZZ123'), /invalid MGRS reference "99ZZZ123"/);
  assert.throws(() => utmToLatLon({ zone: 61, hemisphere: 'N', easting: 500000, northing: 0 }), /zone.*61/);
  assert.throws(() => utmToLatLon({ zone: 34, hemisphere: 'N', easting: 50, northing: 0 }), /easting.*50/);
  assert.throws(() => utmZoneOf({ lat: 85, lon: 0 }), /85.*UPS/);
});
