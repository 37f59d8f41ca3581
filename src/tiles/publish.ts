/**
 * Who may read a tile layer. Operational layers need `data.read`. Hazard outlines and released
 * land are public only where the authority publishes them, which is an instance setting
 * (`publish`, e.g. {"hazards": false, "releaseProducts": true}) read on every request, so
 * publishing or withdrawing a layer takes effect at once.
 */
import { z } from 'zod';
import type { Actor } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import type { Queryable } from '../store/db.ts';
import { TILE_LAYER, TILE_LAYERS, type PublishKey, type TileLayer, type TileLayerName } from './layers.ts';

const PublishSetting = z.object({ hazards: z.boolean().optional(), releaseProducts: z.boolean().optional() });

/** The layers the instance publishes. A setting that is missing or malformed publishes nothing. */
export async function publishedKeys(db: Queryable): Promise<Set<PublishKey>> {
  const [row] = await db.query<{ value: unknown }>("SELECT value FROM setting WHERE key = 'publish'");
  const setting = PublishSetting.safeParse(row?.value);
  if (!setting.success) return new Set();
  return new Set((Object.keys(setting.data) as PublishKey[]).filter((key) => setting.data[key] === true));
}

/**
 * Refuses an actor who may not read the layer, and says whether anyone may (so shared caches may
 * keep its tiles). An unpublished layer is, to those who may not read it, one that does not exist.
 */
export async function layerAudience(db: Queryable, actor: Actor, layer: TileLayer): Promise<'public' | 'private'> {
  const published = layer.publishedAs !== null && (await publishedKeys(db)).has(layer.publishedAs);
  if (!published && !actor.permissions.has('data.read')) throw new UserError(`No tile layer ${layer.name} is published`, 'not_found');
  return published ? 'public' : 'private';
}

export async function readableLayers(db: Queryable, actor: Actor): Promise<TileLayerName[]> {
  if (actor.permissions.has('data.read')) return [...TILE_LAYERS];
  const published = await publishedKeys(db);
  return TILE_LAYERS.filter((name) => {
    const key = TILE_LAYER[name].publishedAs;
    return key !== null && published.has(key);
  });
}
