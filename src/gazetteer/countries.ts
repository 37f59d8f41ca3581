import { createRequire } from 'node:module';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { feature } from 'topojson-client';
import type { Db } from '../store/db.ts';

const require = createRequire(import.meta.url);

/**
 * Natural Earth draws some territories apart from the states that claim them; they are kept as
 * drawn, with the source named on every row, so that the gazetteer takes no side of its own.
 */
export const COUNTRY_SOURCE = 'Natural Earth 1:50m admin 0 (public domain), via world-atlas 2.0';

/** Seeds country outlines (level-0 admin areas) into an empty gazetteer; returns how many. */
export async function seedCountries(db: Db): Promise<number> {
  const [existing] = await db.query<{ n: number }>('SELECT count(*) AS n FROM admin_area WHERE level = 0');
  if ((existing?.n ?? 0) > 0) return 0;
  const topology = require('world-atlas/countries-50m.json') as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const countries = feature(topology, topology.objects.countries).features;
  return db.transaction(async (tx) => {
    for (const country of countries) {
      const [row] = await tx.query<{ id: string }>(
        `INSERT INTO admin_area (level, code, geom, source)
         VALUES (0, $1, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)), 3)), $3)
         RETURNING id`,
        [country.id ?? null, JSON.stringify(country.geometry), COUNTRY_SOURCE],
      );
      await tx.query(
        `INSERT INTO place_name (admin_area_id, name, language, kind, source) VALUES ($1, $2, 'en', 'conventional', $3)`,
        [row!.id, country.properties.name, COUNTRY_SOURCE],
      );
    }
    return countries.length;
  });
}
