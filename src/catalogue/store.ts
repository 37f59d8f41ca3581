import type { Queryable } from '../store/db.ts';
import type { CatalogueEntry } from './match.ts';
import { CATALOGUE } from './ordnance.ts';

/**
 * Adds the catalogue models a store lacks; returns how many. Existing rows (edited by a catalogue
 * editor, or put there by the demo generator) are left as they are, so it is safe to run on every
 * start.
 */
export async function seedOrdnanceCatalogue(db: Queryable): Promise<number> {
  const rows = await db.query(
    `INSERT INTO ordnance_model (name, category, subcategory, explosive_mass_g, metal_content, fuze, notes)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::text[], $7::text[])
     ON CONFLICT (name) DO NOTHING RETURNING id`,
    [
      CATALOGUE.map((m) => m.name),
      CATALOGUE.map((m) => m.category),
      CATALOGUE.map((m) => m.subcategory),
      CATALOGUE.map((m) => m.explosiveMassG),
      CATALOGUE.map((m) => m.metalContent),
      CATALOGUE.map((m) => m.fuze),
      CATALOGUE.map((m) => m.notes),
    ],
  );
  return rows.length;
}

/** The catalogue's models, for matching the names files and reports give. */
export async function loadCatalogue(db: Queryable): Promise<CatalogueEntry[]> {
  return db.query<CatalogueEntry>('SELECT id, name, category FROM ordnance_model ORDER BY name');
}
