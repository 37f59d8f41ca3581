import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PMTiles, tileIdToZxy, zxyToTileId } from 'pmtiles';
import { decodeTile, tileOf } from '../test-helpers.ts';
import { type BasemapArchive, NodeFileSource, openBasemap } from './archive.ts';
import { extractBasemap, PACKAGE_TILE_BUDGET, packageZooms } from './extract.ts';
import { buildDirectories, PmtilesWriter, TileType, Compression } from './pmtilesWriter.ts';
import { openMapTilesFixture, protomapsFixture, rasterFixture, VILLAGES } from './test-fixtures.ts';

/** Every tile an archive holds in its zooms over a box, by the archive's own reader. */
async function tilesOver(archive: BasemapArchive, box: readonly number[], minzoom: number, maxzoom: number): Promise<Map<string, Uint8Array>> {
  const tiles = new Map<string, Uint8Array>();
  for (let z = minzoom; z <= maxzoom; z++) {
    const a = tileOf(box[0]!, box[3]!, z);
    const b = tileOf(box[2]!, box[1]!, z);
    for (let x = a.x; x <= b.x; x++) {
      for (let y = a.y; y <= b.y; y++) {
        const tile = await archive.tile(z, x, y);
        if (tile) tiles.set(`${z}/${x}/${y}`, tile.encoding === 'gzip' ? gunzipSync(tile.data) : tile.data);
      }
    }
  }
  return tiles;
}

describe('basemap archives made by GDAL, and extracts read back by the pmtiles library', () => {
  let dir: string;
  let omt: string;
  let protomaps: string;
  let raster: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'safeground-basemap-'));
    omt = openMapTilesFixture(dir);
    protomaps = protomapsFixture(dir);
    raster = rasterFixture(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('MBTiles: the format, zooms, schema and layers come from the metadata; tiles are gzipped MVT with every name', async () => {
    const archive = await openBasemap(omt);
    try {
      assert.equal(archive.kind, 'mbtiles');
      assert.equal(archive.format, 'mvt');
      assert.equal(archive.schema, 'openmaptiles');
      assert.deepEqual([archive.minzoom, archive.maxzoom], [0, 10]);
      assert.deepEqual(archive.vectorLayers.map((l) => l.id).sort(), ['boundary', 'place', 'transportation', 'water', 'waterway']);
      const village = VILLAGES[0];
      const at = tileOf(village.at[0], village.at[1], 9);
      const stored = await archive.tile(at.z, at.x, at.y);
      assert.equal(stored?.encoding, 'gzip');
      const places = decodeTile(gunzipSync(stored.data)).place!.features;
      const riverbend = places.find((f) => f.properties.name === 'Riverbend');
      assert.equal(riverbend?.properties['name:hy'], 'Ռիվերբենդ');
      assert.equal(riverbend?.properties['name:ru'], 'Ривербенд');
      assert.equal(await archive.tile(9, 0, 0), null, 'no tile far from the data');
    } finally {
      await archive.close();
    }
    const pm = await openBasemap(protomaps);
    assert.equal(pm.schema, 'protomaps');
    await pm.close();
    const sheet = await openBasemap(raster);
    try {
      assert.equal(sheet.format, 'png');
      assert.equal(sheet.schema, 'raster');
      const at = tileOf(-75.45, 7.05, sheet.maxzoom);
      const png = await sheet.tile(at.z, at.x, at.y);
      assert.deepEqual([...png!.data.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
      assert.equal(png!.encoding, null);
    } finally {
      await sheet.close();
    }
  });

  test('an extract of a box keeps every tile of the box, byte for byte as the pmtiles library reads it back', async () => {
    const source = await openBasemap(omt);
    const out = join(dir, 'box.pmtiles');
    const box = [-75.6, 6.9, -75.1, 7.2] as const;
    const progress: number[] = [];
    const summary = await extractBasemap(source, out, { area: { bbox: [...box], label: 'a box' }, maxzoom: 9, onProgress: (done) => progress.push(done) });
    const expected = await tilesOver(source, box, 0, 9);
    await source.close();
    assert.ok(progress.length > 0 && progress.at(-1)! >= summary.addressedTiles);
    assert.equal(summary.addressedTiles, expected.size);
    assert.equal(summary.bytes, statSync(out).size);

    const fileSource = await NodeFileSource.open(out);
    try {
      const reader = new PMTiles(fileSource);
      const header = await reader.getHeader();
      assert.equal(header.specVersion, 3);
      assert.equal(header.tileType, TileType.Mvt);
      assert.equal(header.tileCompression, Compression.Gzip);
      assert.deepEqual([header.minZoom, header.maxZoom], [0, 9]);
      assert.ok(Math.abs(header.minLon - box[0]) < 1e-6 && Math.abs(header.maxLat - box[3]) < 1e-6);
      assert.equal(header.clustered, true);
      const metadata = (await reader.getMetadata()) as { vector_layers: { id: string }[]; description: string };
      assert.ok(metadata.vector_layers.some((l) => l.id === 'place'));
      assert.match(metadata.description, /extract of a box, zooms 0-9/);
      for (const [key, bytes] of expected) {
        const [z, x, y] = key.split('/').map(Number) as [number, number, number];
        const read = await reader.getZxy(z, x, y);
        assert.ok(read, `tile ${key} missing from the extract`);
        assert.deepEqual(new Uint8Array(read.data), new Uint8Array(bytes), `tile ${key} differs`);
      }
      assert.equal(await reader.getZxy(9, 0, 0), undefined);
    } finally {
      await fileSource.close();
    }
    const again = await openBasemap(out);
    assert.equal(again.kind, 'pmtiles');
    assert.equal(again.schema, 'openmaptiles');
    await again.close();
  });

  test('an extract by shape keeps fewer tiles than its box, all of them meeting the shape', async () => {
    const source = await openBasemap(omt);
    const triangle = { type: 'Polygon' as const, coordinates: [[[-75.9, 6.6], [-74.9, 6.6], [-74.9, 7.4], [-75.9, 6.6]]] };
    const byBox = await extractBasemap(source, join(dir, 'bbox.pmtiles'), { area: { bbox: [-75.9, 6.6, -74.9, 7.4], label: 'box' }, maxzoom: 10 });
    const byShape = await extractBasemap(source, join(dir, 'shape.pmtiles'), { area: { bbox: [-75.9, 6.6, -74.9, 7.4], shape: triangle, label: 'triangle' }, maxzoom: 10 });
    await source.close();
    assert.ok(byShape.addressedTiles < byBox.addressedTiles, `${byShape.addressedTiles} tiles by shape, ${byBox.addressedTiles} by box`);
    const reader = await openBasemap(join(dir, 'shape.pmtiles'));
    const corner = tileOf(-75.85, 7.35, 10);
    assert.equal(await reader.tile(corner.z, corner.x, corner.y), null, 'the tile of the corner outside the triangle is left out');
    const inside = tileOf(-75.0, 6.7, 10);
    assert.ok(await reader.tile(inside.z, inside.x, inside.y));
    await reader.close();
  });

  test('an extract outside the basemap, or of zooms it lacks, is refused with the reason', async () => {
    const source = await openBasemap(omt);
    await assert.rejects(extractBasemap(source, join(dir, 'none.pmtiles'), { area: { bbox: [100, 10, 101, 11], label: 'far away' }, maxzoom: 5 }), /far away .* lies outside the basemap's bounds/);
    await assert.rejects(extractBasemap(source, join(dir, 'none.pmtiles'), { area: { bbox: [-88, -30, -87.9, -29.9], label: 'open sea' }, maxzoom: 10, minzoom: 8 }), /has no tiles in open sea/);
    await assert.rejects(extractBasemap(source, join(dir, 'none.pmtiles'), { area: { bbox: [-75.6, 6.9, -75.1, 7.2], label: 'box' }, maxzoom: 12, minzoom: 11 }), /No zoom to extract/);
    await source.close();
  });
});

describe('the zooms of an area package\'s extract', () => {
  /** Tiles of a box at one zoom, counted independently of the code under test. */
  const tilesAt = ([w, s, e, n]: number[], z: number) => {
    const [a, b] = [tileOf(w!, n!, z), tileOf(e!, s!, z)];
    return (b.x - a.x + 1) * (b.y - a.y + 1);
  };
  const total = (box: number[], { minzoom, maxzoom }: { minzoom: number; maxzoom: number }) => {
    let sum = 0;
    for (let z = minzoom; z <= maxzoom; z++) sum += tilesAt(box, z);
    return sum;
  };

  test('from two zooms above the area\'s own down to the deepest within the budget', () => {
    const village: [number, number, number, number] = [-75.5, 7.0, -75.4, 7.1];
    const zooms = packageZooms(village, { minzoom: 0, maxzoom: 22 });
    assert.ok(tilesAt(village, zooms.minzoom + 2) <= 4 && tilesAt(village, zooms.minzoom + 3) > 4, `the area fits in 2 by 2 tiles at ${zooms.minzoom + 2}, not deeper`);
    assert.ok(total(village, zooms) <= PACKAGE_TILE_BUDGET, `${total(village, zooms)} tiles`);
    assert.ok(total(village, { ...zooms, maxzoom: zooms.maxzoom + 1 }) > PACKAGE_TILE_BUDGET, 'one zoom deeper is past the budget');
    assert.deepEqual(packageZooms(village, { minzoom: 0, maxzoom: 12 }), { minzoom: zooms.minzoom, maxzoom: 12 }, 'no deeper than the source');
    assert.deepEqual(packageZooms(village, { minzoom: 11, maxzoom: 12 }), { minzoom: 11, maxzoom: 12 }, 'no higher than the source');
    const region: [number, number, number, number] = [-76.5, 6.0, -74.3, 8.0];
    assert.ok(packageZooms(region, { minzoom: 0, maxzoom: 22 }).maxzoom < zooms.maxzoom, 'a larger area goes less deep');
  });
});

describe('PMTiles writer', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'safeground-pmtiles-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('past 16 kB of root directory, entries go to leaf directories, and the library finds every tile', async () => {
    const out = join(dir, 'many.pmtiles');
    const writer = await PmtilesWriter.create(out, {
      tileType: TileType.Png, tileCompression: Compression.None, minzoom: 0, maxzoom: 8,
      bounds: [-180, -85, 180, 85], center: [0, 0, 2], metadata: { name: 'many' },
    });
    const count = 40_000;
    const content = (id: number) => new TextEncoder().encode(id % 7 === 0 ? 'sea' : `tile ${id}`);
    // Every id but a stretch of ids run together (identical, consecutive) and a few left out.
    const ids = Array.from({ length: count }, (_, i) => i).filter((i) => i % 1000 !== 999);
    for (const id of ids) {
      const [z, x, y] = tileIdToZxy(id);
      await writer.add(z, x, y, id >= 20_000 && id < 20_100 ? new TextEncoder().encode('run') : content(id));
    }
    const summary = await writer.finish();
    assert.equal(summary.addressedTiles, ids.length);
    assert.ok(summary.tileEntries < ids.length, 'runs of one content are one entry');
    assert.ok(summary.tileContents < summary.tileEntries, 'one content stored once');
    const source = await NodeFileSource.open(out);
    try {
      const reader = new PMTiles(source);
      const header = await reader.getHeader();
      assert.ok(header.rootDirectoryOffset + header.rootDirectoryLength <= 16_384);
      assert.ok((header.leafDirectoryLength ?? 0) > 0, 'leaf directories were written');
      for (const id of ids) {
        const [z, x, y] = tileIdToZxy(id);
        const read = await reader.getZxy(z, x, y);
        const want = id >= 20_000 && id < 20_100 ? 'run' : new TextDecoder().decode(content(id));
        assert.equal(read && new TextDecoder().decode(read.data), want, `tile id ${id}`);
      }
      for (const missing of [999, 1999, 39_999]) {
        const [z, x, y] = tileIdToZxy(missing);
        assert.equal(await reader.getZxy(z, x, y), undefined, `tile id ${missing} was never written`);
      }
    } finally {
      await source.close();
    }
  });

  test('tiles out of order are refused; an archive without tiles is not written', async () => {
    const writer = await PmtilesWriter.create(join(dir, 'order.pmtiles'), {
      tileType: TileType.Mvt, tileCompression: Compression.Gzip, minzoom: 0, maxzoom: 2, bounds: [-1, -1, 1, 1], center: [0, 0, 0], metadata: {},
    });
    await writer.add(1, 0, 0, new Uint8Array([1]));
    await assert.rejects(writer.add(0, 0, 0, new Uint8Array([1])), /ascending tile id order/);
    await writer.abort();
    const empty = await PmtilesWriter.create(join(dir, 'empty.pmtiles'), {
      tileType: TileType.Mvt, tileCompression: Compression.Gzip, minzoom: 0, maxzoom: 2, bounds: [-1, -1, 1, 1], center: [0, 0, 0], metadata: {},
    });
    await assert.rejects(empty.finish(), /No tiles to write/);
    assert.throws(() => statSync(join(dir, 'empty.pmtiles')));
  });

  test('a directory that fits stays in the root', () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ tileId: zxyToTileId(7, i, 3), offset: i * 10, length: 10, runLength: 1 })).sort((a, b) => a.tileId - b.tileId);
    const { leaves } = buildDirectories(entries);
    assert.equal(leaves.length, 0);
  });
});
