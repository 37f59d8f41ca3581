import { z } from 'zod';
import { logRestrictedAccess } from '../access/store.ts';
import { UserError } from '../errors.ts';
import { AccidentMapping, DEFAULT_ACCIDENT_MAPPING } from '../exchange/mapping.ts';
import { attachment, exportQuery, importQuery, mappingOfQuery, withUpload } from '../exchange/transfer.ts';
import { found, Id, readRoute } from '../http/readRoutes.ts';
import { route } from '../http/route.ts';
import { listQuery, OPERATIONS } from '../ops/routes.ts';
import { DEVICE_CATEGORIES } from './accident.ts';
import { accidentExportStream, accidentGeoPackageStream } from './export.ts';
import { importAccidents } from './import.ts';
import './handlers.ts';
import * as store from './store.ts';
import type { IdentityReader } from './store.ts';

const Include = z.enum(['identity']).optional();

type Accident = { victims: { id: string }[] } & Record<string, unknown>;

/**
 * Victims' identifying details join the answer only when the caller holds restricted.read and
 * asks for them; each victim read is logged before the answer leaves.
 */
async function withIdentities(context: { db: Parameters<typeof store.victimIdentities>[0]; actor: Parameters<typeof logRestrictedAccess>[1] }, accidents: Accident[], purpose: string): Promise<Accident[]> {
  const { db, actor } = context;
  if (!actor.permissions.has('restricted.read')) throw new UserError('Victims’ identifying details need the restricted.read permission', 'forbidden');
  const victimIds = accidents.flatMap((a) => a.victims.map((v) => v.id));
  const identities = new Map((await store.victimIdentities(db, victimIds)).map((i) => [i.victimId, i]));
  await logRestrictedAccess(db, actor, 'victim', victimIds, purpose);
  return accidents.map((a) => ({
    ...a,
    victims: a.victims.map((v) => {
      const identity = identities.get(v.id);
      return { ...v, identity: identity ? { fullName: identity.fullName, dateOfBirth: identity.dateOfBirth, address: identity.address, contact: identity.contact } : null };
    }),
  }));
}

/** Accidents and their victims: the list, one accident, and in and out of files. */
export const casualtyRoutes = [
  readRoute(OPERATIONS, {
    path: '/api/accidents',
    summary: 'Accidents with their victims, newest first; identifying details only with include=identity and restricted.read (logged)',
    query: z.strictObject({
      ...listQuery,
      deviceCategory: z.enum(DEVICE_CATEGORIES).optional(),
      deminingRelated: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      include: Include,
    }),
    async handler({ db, actor, query }) {
      if (query.include !== 'identity') return store.listAccidentsJson(db, { ...query, organisationId: query.organisation });
      const result = await store.listAccidents(db, { ...query, organisationId: query.organisation });
      return { ...result, items: await withIdentities({ db, actor }, result.items as unknown as Accident[], 'GET /api/accidents?include=identity') };
    },
  }),
  readRoute(OPERATIONS, {
    path: '/api/accidents/{id}',
    summary: 'One accident with its victims; identifying details only with include=identity and restricted.read (logged)',
    params: Id,
    query: z.strictObject({ include: Include }),
    async handler({ db, actor, params, query }) {
      const accident = found(await store.getAccident(db, params.id), 'accident') as Accident;
      if (query.include !== 'identity') return accident;
      const [withIdentity] = await withIdentities({ db, actor }, [accident], 'GET /api/accidents/{id}?include=identity');
      return withIdentity;
    },
  }),
  route({
    method: 'POST',
    path: '/api/imports/accidents',
    longRunning: true,
    summary:
      'Import accidents with their victims (one row per victim, grouped by the accident reference) from the request body, in the formats finds are imported from. ' +
      'A dry run lists every problem and what would change; only national roles commit directly, all or nothing; victims’ identifying details need restricted.read',
    tag: 'exchange',
    permission: 'report.write',
    query: z.strictObject(importQuery),
    async handler({ db, actor, query, body, request }) {
      const mapping = query.mapping ? mappingOfQuery(AccidentMapping, query.mapping) : DEFAULT_ACCIDENT_MAPPING;
      return withUpload(request, body, query, actor, async (path, file, format) =>
        importAccidents(db, { path, file, format, mapping, dryRun: query.dryRun, actor, ...(query.activity ? { activity: query.activity } : {}) }),
      );
    },
  }),
  route({
    method: 'GET',
    path: '/api/exports/accidents',
    summary:
      'Export accidents, one row per victim, as GeoJSON, CSV, GeoPackage, KML or XLSX, streamed; the filters of the accidents list. ' +
      'Victims’ identifying details only with include=identity and restricted.read, and each read is logged',
    tag: 'exchange',
    permission: 'data.read',
    longRunning: true,
    query: z.strictObject({
      ...exportQuery,
      deviceCategory: z.enum(DEVICE_CATEGORIES).optional(),
      deminingRelated: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      include: z.enum(['identity']).optional(),
    }),
    async handler({ db, actor, query, reply }) {
      const filter = { bbox: query.bbox, from: query.from, to: query.to, organisationId: query.organisation, deviceCategory: query.deviceCategory, deminingRelated: query.deminingRelated };
      let identityReader: IdentityReader | null = null;
      if (query.include === 'identity') {
        if (!actor.permissions.has('restricted.read')) throw new UserError('Victims’ identifying details need the restricted.read permission', 'forbidden');
        identityReader = { actor, purpose: 'GET /api/exports/accidents?include=identity' };
      }
      const format = query.format;
      attachment(reply, format, 'accidents');
      return format === 'gpkg' ? accidentGeoPackageStream(db, filter, identityReader) : accidentExportStream(db, format, filter, identityReader);
    },
  }),
];
