import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readGeometry, readPoints } from '../../web/src/reports/geometryInput.ts';

/**
 * How the report forms read a pasted or uploaded shape: plain functions of the web app, tested
 * here without a browser, beside the browser tests that use them through the forms.
 */
describe('report shapes read from GeoJSON, WKT or latitude, longitude lines', () => {
  const square = [[-75.401, 7.3], [-75.4, 7.3], [-75.4, 7.301], [-75.401, 7.3]];

  test('GeoJSON geometries, Features and FeatureCollections', () => {
    assert.deepEqual(readGeometry(JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [square] } })), { geometry: { type: 'Polygon', coordinates: [square] } });
    const collection = { type: 'FeatureCollection', features: [1, 2].map((x) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [x, 7] } })) };
    assert.deepEqual(readPoints(JSON.stringify(collection)), { points: [{ type: 'Point', coordinates: [1, 7] }, { type: 'Point', coordinates: [2, 7] }] });
    assert.deepEqual(readPoints(JSON.stringify({ type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] })), { points: [{ type: 'Point', coordinates: [1, 2] }, { type: 'Point', coordinates: [3, 4] }] });
  });

  test('WKT, with or without SRID and Z, and MULTIPOINT with or without brackets round each point', () => {
    assert.deepEqual(readGeometry('POLYGON ((-75.401 7.3, -75.4 7.3, -75.4 7.301, -75.401 7.3))'), { geometry: { type: 'Polygon', coordinates: [square] } });
    const multi = readGeometry('SRID=4326;MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))');
    assert.ok('geometry' in multi && multi.geometry.type === 'MultiPolygon' && multi.geometry.coordinates.length === 2);
    const two = { points: [{ type: 'Point', coordinates: [-75.4, 7.3] }, { type: 'Point', coordinates: [-75.41, 7.31] }] };
    assert.deepEqual(readPoints('MULTIPOINT ((-75.4 7.3), (-75.41 7.31))'), two);
    assert.deepEqual(readPoints('multipoint (-75.4 7.3, -75.41 7.31)'), two);
    assert.deepEqual(readPoints('POINT Z (-75.4 7.3 12.5)'), { points: [{ type: 'Point', coordinates: [-75.4, 7.3] }] });
  });

  test('latitude, longitude lines become [longitude, latitude]; a header line is skipped; an outline is closed', () => {
    assert.deepEqual(readPoints('lat,lon\n7.3004, -75.4004\n7.3006;-75.4006\n7.3008\t-75.4008\n'), {
      points: [
        { type: 'Point', coordinates: [-75.4004, 7.3004] },
        { type: 'Point', coordinates: [-75.4006, 7.3006] },
        { type: 'Point', coordinates: [-75.4008, 7.3008] },
      ],
    });
    assert.deepEqual(readGeometry('7.3, -75.401\n7.3, -75.4\n7.301, -75.4'), { geometry: { type: 'Polygon', coordinates: [square] } });
  });

  test('what cannot be read is refused, saying why', () => {
    assert.deepEqual(readPoints('  '), { problem: 'empty' });
    assert.deepEqual(readPoints('{not json'), { problem: 'unreadable' });
    assert.deepEqual(readPoints('somewhere near the bridge'), { problem: 'unreadable' });
    assert.deepEqual(readPoints(JSON.stringify({ type: 'Polygon', coordinates: [square] })), { problem: 'type', found: 'Polygon' });
    assert.deepEqual(readGeometry('POINT (1 2)'), { problem: 'type', found: 'Point' });
    assert.deepEqual(readPoints('95, 10'), { problem: 'range', found: '10, 95' }, 'latitude 95 is off the world');
  });
});
