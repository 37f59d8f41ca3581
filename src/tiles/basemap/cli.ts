/**
 * `safeground basemap extract`: a small PMTiles archive of an area, cut from a national or planet
 * basemap (PMTiles or MBTiles), for a field office or a phone; `safeground basemap info`: what a
 * basemap file holds and how Safeground will draw it.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { MultiPolygon, Polygon } from 'geojson';
import { UserError } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { type StoreOptions, storeOptions, withStore } from '../../cli/store.ts';
import { openBasemap } from './archive.ts';
import { type Bbox, type ExtractArea, extractBasemap } from './extract.ts';

/** A bar on stderr when it is a terminal, at most five times a second. */
function progressBar(out: NodeJS.WriteStream = process.stderr): { update(done: number, total: number): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (!out.isTTY || (now - last < 200 && done < total)) return;
      last = now;
      shown = true;
      const share = total > 0 ? Math.min(1, done / total) : 1;
      const width = 30;
      const filled = Math.round(share * width);
      out.write(`\rExtracting [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en')} / ${total.toLocaleString('en')} tiles\x1b[K`);
    },
    done() {
      if (shown) out.write('\n');
    },
  };
}

function parseZoom(value: string): number {
  const zoom = Number(value);
  if (!Number.isInteger(zoom) || zoom < 0 || zoom > 22) throw new InvalidArgumentError(`Unexpected zoom ${JSON.stringify(value)}: want a whole number from 0 to 22`);
  return zoom;
}

/** "west,south,east,north" in degrees, or null when the text is not four numbers. */
export function parseBbox(text: string): Bbox | null {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => p === '' || !Number.isFinite(Number(p)))) return null;
  const [west, south, east, north] = parts.map(Number) as Bbox;
  if (west < -180 || east > 180 || south < -90 || north > 90 || west >= east || south >= north) {
    throw new UserError(`The box ${text} is not west,south,east,north in degrees with west < east and south < north`, 'bad_input');
  }
  return [west, south, east, north];
}

/**
 * The admin area named (by any of its names, in any language, case aside) or given by id, with
 * its outline; several areas of one name are an error listing them, never a guess.
 */
export async function adminArea(db: Db, text: string): Promise<ExtractArea> {
  const rows = await db.query<{ id: string; level: number; name: string; shape: string; west: number; south: number; east: number; north: number }>(
    `SELECT a.id, a.level, (SELECT pn.name FROM place_name pn WHERE pn.admin_area_id = a.id ORDER BY pn.kind <> 'official', pn.name LIMIT 1) AS name,
       ST_AsGeoJSON(ST_Buffer(ST_SimplifyPreserveTopology(a.geom, 0.0005), 0.001)) AS shape,
       ST_XMin(a.geom) AS west, ST_YMin(a.geom) AS south, ST_XMax(a.geom) AS east, ST_YMax(a.geom) AS north
     FROM admin_area a
     WHERE a.id::text = $1 OR EXISTS (SELECT 1 FROM place_name pn WHERE pn.admin_area_id = a.id AND lower(pn.name) = lower($1))
     ORDER BY a.level, name`,
    [text],
  );
  if (rows.length === 0) throw new UserError(`No admin area is called ${JSON.stringify(text)} (give a name, an id, or a box west,south,east,north)`, 'not_found');
  if (rows.length > 1) {
    throw new UserError(`${rows.length} admin areas are called ${JSON.stringify(text)}: ${rows.map((r) => `${r.name} (level ${r.level}, id ${r.id})`).join('; ')}; give the id`, 'bad_input');
  }
  const area = rows[0]!;
  return { bbox: [area.west - 0.001, area.south - 0.001, area.east + 0.001, area.north + 0.001], shape: JSON.parse(area.shape) as Polygon | MultiPolygon, label: `${area.name} (${area.id})` };
}

export function basemapCommand(): Command {
  const command = new Command('basemap').description('Basemap files: what they hold, and small extracts of an area for the field');

  command
    .command('info <file>')
    .description('What a PMTiles or MBTiles basemap holds, and how Safeground draws it')
    .action(async (file: string) => {
      const archive = await openBasemap(file);
      try {
        const lines = [
          `${file}: ${archive.kind}, ${archive.format} tiles, zooms ${archive.minzoom}-${archive.maxzoom}`,
          `bounds: ${archive.bounds.map((n) => n.toFixed(5)).join(', ')}`,
          `drawn as: ${archive.schema}${archive.vectorLayers.length > 0 ? ` (layers: ${archive.vectorLayers.map((l) => l.id).join(', ')})` : ''}`,
          `name: ${archive.name}`,
          `attribution: ${archive.attribution || '(none given)'}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await archive.close();
      }
    });

  storeOptions(
    command
      .command('extract <in> <out>')
      .description('Cut an area out of a PMTiles or MBTiles basemap into a PMTiles archive')
      .requiredOption('--area <area>', 'an admin area of the gazetteer (a name or an id), or a box west,south,east,north in degrees')
      .requiredOption('--maxzoom <zoom>', 'deepest zoom to keep', parseZoom)
      .option('--minzoom <zoom>', 'shallowest zoom to keep (default: the basemap\'s)', parseZoom),
  ).action(async (input: string, output: string, options: StoreOptions & { area: string; maxzoom: number; minzoom?: number }) => {
    if (!output.endsWith('.pmtiles')) throw new UserError(`The extract is written as PMTiles: name it *.pmtiles, not ${output}`, 'bad_input');
    const bbox = parseBbox(options.area);
    const area: ExtractArea = bbox ? { bbox, label: `the box ${bbox.join(',')}` } : await withStore(options, (db) => adminArea(db, options.area));
    const source = await openBasemap(input);
    const bar = progressBar();
    try {
      const summary = await extractBasemap(source, output, { area, maxzoom: options.maxzoom, minzoom: options.minzoom, onProgress: (done, total) => bar.update(done, total) });
      bar.done();
      const mb = (summary.bytes / 2 ** 20).toFixed(1);
      process.stdout.write(
        `Wrote ${output}: ${summary.addressedTiles.toLocaleString('en')} tiles (${summary.tileContents.toLocaleString('en')} distinct), zooms ${summary.minzoom}-${summary.maxzoom}, ${mb} MB` +
          `${summary.missing > 0 ? `; the basemap had no tile at ${summary.missing.toLocaleString('en')} places of the area` : ''}\n`,
      );
    } catch (error) {
      bar.done();
      throw error instanceof UserError ? error : new UserError((error as Error).message, 'bad_input');
    } finally {
      await source.close();
    }
  });
  return command;
}
