/**
 * The risk map API: cells with the chance that explosive ordnance is found or hurts someone
 * there, each with the features and the contribution of each to its log-odds, and whether the map
 * shows the model or, when the model did not beat it in a backtest, the baseline (`shows`,
 * `verdict`). `data.read`: the map is derived from operational data and is not a published product.
 */
import { z } from 'zod';
import { Bbox, type Route, route } from '../http/route.ts';
import { todayUtc } from '../land/rules.ts';
import { DEFAULT_CELL_SIZE_M, DEFAULT_WINDOW_YEARS, riskMap } from './risk.ts';


export const riskRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/risk/grid',
    summary: 'Risk map: GeoJSON grid cells with the probability of an event in the coming window, the coefficients and each feature’s contribution per cell; `shows` says whether the model or the baseline is shown, `verdict` why',
    tag: 'risk',
    permission: 'data.read',
    query: z.strictObject({
      cellSize: z.coerce.number().min(50).max(50_000).default(DEFAULT_CELL_SIZE_M).describe('cell size in metres'),
      bbox: Bbox.optional().describe('west,south,east,north (default: around the events and hazards)'),
      asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('the map as known at the end of this day (default today)'),
      window: z.coerce.number().int().min(1).max(50).default(DEFAULT_WINDOW_YEARS).describe('years of events the model learns from'),
      dataset: z.string().min(1).max(200).optional().describe('events of an imported dataset instead of the register’s finds and accidents'),
      minProbability: z.coerce.number().min(0).max(1).default(0).describe('leave out cells below this probability'),
    }),
    async handler({ db, query }) {
      const map = await riskMap(db, { cellSizeM: query.cellSize, bbox: query.bbox, asOf: query.asOf ?? todayUtc(), windowYears: query.window, dataset: query.dataset ?? null });
      const { cells, ...about } = map;
      return {
        type: 'FeatureCollection',
        ...about,
        features: cells
          .filter((c) => c.probability >= query.minProbability)
          .map((c) => ({
            type: 'Feature',
            id: c.cell,
            geometry: c.polygon,
            properties: { probability: c.probability, contributions: Object.fromEntries(c.contributions.map((x) => [x.feature, { value: x.value, contribution: x.contribution }])) },
          })),
      };
    },
  }),
];
