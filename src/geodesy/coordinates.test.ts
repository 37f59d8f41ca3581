import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPosition, latLonToMgrs, latLonToUtm, mgrsToLatLon, utmToLatLon, utmZoneOf } from './coordinates.ts';
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

test('a position as text: hemisphere letters, UTM in the given zone, MGRS grouped; the MGRS of a square centre is that square', () => {
  // 34TCQ 61360 31130: zone 34 lies in 100 km column set 1 (A-H), so C is the third column (E 300 km);
  // even zones count rows from F, so Q is row 9 (N 900 km in the 2000 km cycle; band T puts it at 4 900 km).
  const centre = mgrsToLatLon('34TCQ 61360 31130');
  const f = formatPosition(centre);
  assert.equal(f.mgrs, '34T CQ 61360 31130');
  assert.equal(f.utm, 'zone 34N, E 361360.5 m, N 4931130.5 m');
  assert.match(f.latLon, /^44\.\d{7}° N, 19\.\d{7}° E$/);
  assert.equal(formatPosition(centre, { zone: 33, hemisphere: 'N' }).utm.slice(0, 9), 'zone 33N,');
  assert.equal(formatPosition({ lat: -13.25, lon: -34.3 }).latLon, '13.2500000° S, 34.3000000° W');
  assert.equal(formatPosition({ lat: -0.00000001, lon: -0.00000004 }).latLon, '0.0000000° N, 0.0000000° E');
});
