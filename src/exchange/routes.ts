import { z } from 'zod';
import { isNational } from '../access/permissions.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import { UserError } from '../errors.ts';
import { historyRoute } from '../http/readRoutes.ts';
import { route } from '../http/route.ts';
import type { ReportRow } from '../reports/store.ts';
import { reportJson } from '../reports/workflow.ts';
import { findExportStream, geoPackageExportStream } from './exportFinds.ts';
import type { ImportFormat } from './formats.ts';
import { reportFindImport } from './findFileReport.ts';
import type { Db } from '../store/db.ts';
import { type ImportReport, importFinds, parseAcceptList } from './findImporter.ts';
import { importActivities, importHazards, type LandImportOptions } from './landImporter.ts';
import { ActivityMapping, DEFAULT_ACTIVITY_MAPPING, DEFAULT_HAZARD_MAPPING, HazardMapping } from './landMapping.ts';
import { DEFAULT_MAPPING, Mapping } from './mapping.ts';
import { countrySetting, setCountrySetting } from './store.ts';
import { attachment, exportQuery, importQuery, mappingOfQuery, withUpload } from './transfer.ts';

/** The query of an import of hazards or activities: the common one, with a default organisation. */
const landImportQuery = z.strictObject({
  dryRun: importQuery.dryRun,
  format: importQuery.format,
  name: importQuery.name,
  mapping: importQuery.mapping,
  organisation: z.string().max(200).optional(),
});

/** POST /api/imports/{hazards|activities}: a dry run for anyone who reports, a commit for national roles, as for accidents. */
function landImportRoute<M>(what: 'hazards' | 'activities', summary: string, schema: z.ZodType<M>, defaultMapping: M, run: (db: Db, options: LandImportOptions<M>) => Promise<ImportReport>) {
  return route({
    method: 'POST',
    path: `/api/imports/${what}`,
    longRunning: true,
    summary: `${summary}. A dry run lists every problem, the ignored columns and what would change; only national roles commit, all or nothing`,
    tag: 'exchange',
    permission: 'report.write',
    query: landImportQuery,
    async handler({ db, actor, query, body, request }) {
      const mapping = query.mapping ? mappingOfQuery(schema, query.mapping) : defaultMapping;
      return withUpload(request, body, query, actor, async (path, file, format) => run(db, { path, file, format, mapping, dryRun: query.dryRun, actor, organisation: query.organisation }));
    },
  });
}

export const exchangeRoutes = [
  landImportRoute(
    'hazards',
    'Import hazardous areas from the request body (the formats of finds): polygons, or points and lines with an estimatedAreaM2, made position-only suspected hazards',
    HazardMapping,
    DEFAULT_HAZARD_MAPPING,
    importHazards,
  ),
  landImportRoute('activities', 'Import activities with the hazards they work on (by reference) from the request body (the formats of finds)', ActivityMapping, DEFAULT_ACTIVITY_MAPPING, importActivities),
  route({
    method: 'GET',
    path: '/api/settings/country',
    summary: "The instance's country, against which imported positions are checked (null when not set)",
    tag: 'exchange',
    permission: 'data.read',
    async handler({ db }) {
      return { country: await countrySetting(db) };
    },
  }),
  route({
    method: 'PUT',
    path: '/api/settings/country',
    summary: "Set the instance's country: a name, ISO numeric code or admin area id of a country in the gazetteer; kept as a new version",
    tag: 'exchange',
    permission: 'settings.write',
    body: z.strictObject({ country: z.string().min(1).max(200) }),
    async handler({ db, actor, body }) {
      return { country: await setCountrySetting(db, body.country, actor.userId) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/imports/finds',
    longRunning: true,
    summary:
      'Import finds from the request body (CSV, GeoJSON, GeoPackage, zipped shapefile, KML or XLSX, told by Content-Type or `format`). ' +
      'A dry run lists every problem and what would change. National roles commit directly, all or nothing; from other roles a file ' +
      'without problems is sent as a submitted report (202, `report`), imported when a national officer approves it',
    tag: 'exchange',
    permission: 'report.write',
    query: z
      .strictObject({
        ...importQuery,
        organisation: z.string().max(200).optional(),
        /** Flagged duplicates to import all the same: row numbers or externalIds, comma-separated. */
        acceptDuplicates: z.string().max(100_000).transform(parseAcceptList).optional(),
        /** Why the accepted duplicates are kept; stored in each find's history. */
        reason: z.string().trim().min(1).max(1000).optional(),
      })
      .refine((q) => (q.acceptDuplicates === undefined) === (q.reason === undefined), { error: 'acceptDuplicates and reason go together: which flagged rows to keep, and why' }),
    async handler({ db, actor, query, body, request, reply }) {
      const mapping = query.mapping ? mappingOfQuery(Mapping, query.mapping) : DEFAULT_MAPPING;
      const options = (path: string, file: string, format: ImportFormat) => ({
        path,
        file,
        format,
        mapping,
        ...(query.organisation ? { organisation: query.organisation } : {}),
        ...(query.activity ? { activity: query.activity } : {}),
        ...(query.acceptDuplicates && query.reason ? { acceptDuplicates: { rows: query.acceptDuplicates, reason: query.reason } } : {}),
      });
      if (query.dryRun || isNational(actor)) return withUpload(request, body, query, actor, async (...file) => importFinds(db, { ...options(...file), dryRun: query.dryRun, actor }));
      let sent: ReportRow | null = null;
      const checked = await withUpload(request, body, { ...query, dryRun: true }, actor, async (...file) => {
        const result = await reportFindImport(db, actor, options(...file));
        sent = result.report;
        return result.import;
      });
      if (!sent) throw new UserError(`${checked.problemCount} problem(s) in ${checked.file}; nothing was sent`, 'bad_input', checked);
      reply.code(202);
      return { ...checked, report: reportJson(sent, actor) };
    },
  }),
  historyRoute(
    { tag: 'exchange', permission: 'data.read' },
    '/api/finds/{id}/history',
    "Every version of a find with who changed it and why (an import's reason, and why a flagged duplicate was kept)",
    { entityType: 'find', noun: 'Find', idKey: 'findId' },
  ),
  route({
    method: 'GET',
    path: '/api/exports/finds',
    summary: 'Export finds as GeoJSON, CSV, GeoPackage, KML or XLSX, streamed; the same filters as the finds list',
    tag: 'exchange',
    permission: 'data.read',
    longRunning: true,
    query: z.strictObject({
      ...exportQuery,
      activity: z.uuid().optional(),
      category: z.enum(FIND_CATEGORIES).optional(),
    }),
    async handler({ db, query, reply }) {
      const filter = { bbox: query.bbox, from: query.from, to: query.to, organisationId: query.organisation, activityId: query.activity, category: query.category };
      const format = query.format;
      attachment(reply, format, 'finds');
      return format === 'gpkg' ? geoPackageExportStream(db, filter) : findExportStream(db, format, filter);
    },
  }),
];
