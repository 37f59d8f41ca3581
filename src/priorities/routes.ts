/**
 * The priorities API: reference layers, ranked hazards with their breakdown, the comparison of
 * two weight sets, the clearance plan, and the settings behind them. Reading is `data.read`
 * (operational data); changing weights, productivity or parameters is `settings.write`.
 */
import { z } from 'zod';
import { type ReadArea, readRoute } from '../http/readRoutes.ts';
import { Bbox, type Route, route } from '../http/route.ts';
import { todayUtc } from '../land/rules.ts';
import { parseTeams } from './plan.ts';
import { compareWeights, planForPreset, prioritySettings, rankHazards, SETTING_KEYS, updateSetting } from './priorities.ts';
import { layerFeatures, listLayers, REFERENCE_LAYERS, settingHistory } from './store.ts';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const Spec = z.string().min(1).max(2000).describe('a preset name (threat, return, reconstruction, lis, or the instance\'s own) or criterion:weight pairs, e.g. casualties:2,roads:1');
const AsOf = IsoDate.optional().describe('casualty windows and return horizons count back and forward from this day (default today)');
const Top = z.coerce.number().int().min(1).max(100_000).optional().describe('only the first N');

/** Reading priorities is reading operational data. */
const PRIORITIES: ReadArea = { tag: 'priorities', permission: 'data.read' };

export const priorityRoutes: readonly Route[] = [
  readRoute(PRIORITIES, {
    path: '/api/layers',
    summary: 'Reference layers (roads, corridors, utilities, reconstruction, farmland, water): kinds, feature counts, sources and extents',
    async handler({ db }) {
      return { layers: await listLayers(db) };
    },
  }),
  readRoute(PRIORITIES, {
    path: '/api/layers/{layer}/features',
    summary: 'The features of one reference layer as GeoJSON, optionally in a box',
    params: z.object({ layer: z.enum(REFERENCE_LAYERS) }),
    query: z.strictObject({ bbox: Bbox.optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000), offset: z.coerce.number().int().min(0).default(0) }),
    async handler({ db, params, query }) {
      const features = await layerFeatures(db, { layer: params.layer, bbox: query.bbox, limit: query.limit, offset: query.offset });
      return { type: 'FeatureCollection', features: features.map(({ geometry, id, ...properties }) => ({ type: 'Feature', id, geometry, properties: { layer: params.layer, ...properties } })) };
    },
  }),
  readRoute(PRIORITIES, {
    path: '/api/priorities',
    summary: 'Active hazards ranked by a preset or weights, each with its score breakdown (raw value, normalised value, weight, contribution)',
    query: z.strictObject({ preset: Spec.default('threat'), asOf: AsOf, top: Top }),
    async handler({ db, query }) {
      const ranking = await rankHazards(db, { preset: query.preset, asOf: query.asOf ?? todayUtc() });
      return { ...ranking, total: ranking.hazards.length, hazards: ranking.hazards.slice(0, query.top ?? ranking.hazards.length) };
    },
  }),
  readRoute(PRIORITIES, {
    path: '/api/priorities/compare',
    summary: 'Two weight sets compared: which hazards move, by how many places, and which criteria drive each move',
    query: z.strictObject({ a: Spec, b: Spec, asOf: AsOf, top: Top }),
    async handler({ db, query }) {
      const comparison = await compareWeights(db, { a: query.a, b: query.b, asOf: query.asOf ?? todayUtc() });
      return { ...comparison, hazards: comparison.hazards.slice(0, query.top ?? comparison.hazards.length) };
    },
  }),
  readRoute(PRIORITIES, {
    path: '/api/priorities/plan',
    summary: 'Greedy clearance schedule in priority order: when each hazard, and the last hazard around each settlement, would be released',
    query: z.strictObject({
      preset: Spec.default('threat'),
      teams: z.string().min(1).max(200).default('1').describe('teams per method: a number for every method, or manual=4,mechanical=1,bac=2'),
      start: IsoDate.optional().describe('first working day (default today)'),
      asOf: AsOf,
    }),
    async handler({ db, query }) {
      const today = todayUtc();
      return planForPreset(db, { preset: query.preset, asOf: query.asOf ?? today, start: query.start ?? today, teams: parseTeams(query.teams) });
    },
  }),
  readRoute(PRIORITIES, {
    path: '/api/priorities/settings',
    summary: 'Presets and their weights, clearance productivity per method, criteria parameters, with the version of each stored setting',
    async handler({ db }) {
      return prioritySettings(db);
    },
  }),
  route({
    method: 'PUT',
    path: '/api/priorities/settings/{key}',
    summary: 'Replace one priority setting; kept as a new version with its reason. `version` is the one you read (omit it when the setting was never stored)',
    tag: 'priorities',
    permission: 'settings.write',
    params: z.object({ key: z.enum(SETTING_KEYS) }),
    body: z.strictObject({ value: z.unknown(), reason: z.string().min(1).max(2000), version: z.number().int().min(1).optional() }),
    async handler({ db, actor, params, body }) {
      const version = await updateSetting(db, params.key, body.value, { actorId: actor.userId, reason: body.reason, version: body.version ?? null });
      return { key: params.key, version };
    },
  }),
  readRoute(PRIORITIES, {
    path: '/api/priorities/settings/{key}/history',
    summary: 'Every version of a priority setting: value, who changed it, when and why',
    params: z.object({ key: z.enum(SETTING_KEYS) }),
    async handler({ db, params }) {
      return { key: params.key, versions: await settingHistory(db, params.key) };
    },
  }),
];
