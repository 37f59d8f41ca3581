import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MagneticModelRangeError, wmmDeclination } from './magnetic.ts';

/**
 * NOAA's published WMM-2020 and WMM-2025 test values (from the WMM reports, as shipped in the
 * geomagnetism package's test/values.csv): decimal year, altitude km, lat, lon, declination °.
 * Copied here so a package upgrade that changed the numbers would be caught.
 */
const noaaTestValues: Array<[number, number, number, number, number, string]> = [
  [2020.0, 65, 43, 93, 0.71, 'WMM-2020'],
  [2020.0, 51, -33, 109, -5.78, 'WMM-2020'],
  [2021.0, 34, -19, 43, -14.32, 'WMM-2020'],
  [2025.0, 65, 43, 93, 0.5, 'WMM-2025'],
  [2025.5, 44, 33, -118, 11.1, 'WMM-2025'],
  [2025.5, 8, -52, -75, 14.91, 'WMM-2025'],
];

function fromDecimalYear(year: number): Date {
  const whole = Math.floor(year);
  return new Date(Date.UTC(whole, 0, 1) + (year - whole) * 365 * 24 * 3600 * 1000);
}

test('WMM declination matches NOAA test values to 0.01°, and names the model', () => {
  for (const [year, altKm, lat, lon, decl, model] of noaaTestValues) {
    const r = wmmDeclination({ lat, lon }, fromDecimalYear(year), altKm);
    assert.ok(Math.abs(r.declinationDeg - decl) < 0.01, `${year} ${lat},${lon}: ${r.declinationDeg} vs ${decl}`);
    assert.equal(r.model, model);
    assert.equal(r.epoch, Number(model.slice(4)));
    assert.ok(r.validFrom < r.date && r.date < r.validTo);
  }
});

test('a laying date before the first shipped model is refused, not extrapolated', () => {
  assert.throws(
    () => wmmDeclination({ lat: 44.5, lon: 18.6 }, new Date('1993-05-14')),
    (e: unknown) => e instanceof MagneticModelRangeError && /1993-05-14/.test(e.message) && /state the declination/.test(e.message),
  );
});
