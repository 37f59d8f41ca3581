/**
 * Accidents with their victims as an entity type of the reports workflow, as the field records of
 * src/ops/handlers.ts are. Victims' identifying details arrive under `victims[].identity` and are
 * written to victim_identity only; `read()` never returns them, because the handler cannot know
 * who reads, and what `read()` returns is what the history (record_version) keeps and what anyone
 * with data.read sees there. So identities live in victim_identity and in the report that brought
 * them, nowhere else; GET /api/accidents/{id}?include=identity (restricted.read, logged) is the
 * way to read them; and a report's payload is shown through `accidentPayloadForReader`.
 */
import { UserError } from '../errors.ts';
import { activityOrganisation, lock, ordnanceModel, requireRow } from '../ops/handlers.ts';
import { checkCategory } from '../ops/rules.ts';
import { type EntityHandler, registerEntityHandler } from '../reports/handlers.ts';
import { AccidentPayload, accidentPayloadForReader } from './rules.ts';
import * as store from './store.ts';

export const accidentHandler: EntityHandler<AccidentPayload> = {
  entityType: 'accident',
  table: 'accident',
  schema: AccidentPayload,
  payloadForReader: (payload, reader) => accidentPayloadForReader(payload, reader),
  async read(tx, id, options) {
    await lock(tx, 'accident', id, options);
    return store.readAccidentPayload(tx, id);
  },
  async organisationOf(tx, accident) {
    return activityOrganisation(tx, accident.activityId);
  },
  async validate(tx, change) {
    if (change.action === 'delete') return;
    const accident = change.payload!;
    const taken = await store.accidentWithReference(tx, accident.reference, change.entityId);
    if (taken) throw new UserError(`payload.reference: accident ${taken} already has the reference ${accident.reference}`, 'conflict', { field: 'reference' });
    await requireRow(tx, 'activityId', 'activity', accident.activityId);
    await requireRow(tx, 'adminAreaId', 'admin_area', accident.adminAreaId);
    checkCategory('deviceCategory', accident.deviceCategory, await ordnanceModel(tx, 'ordnanceModel', accident.ordnanceModel));
    const ids = accident.victims.flatMap((v, i) => (v.id ? [{ id: v.id, i }] : []));
    const seen = new Set<string>();
    for (const { id, i } of ids) {
      if (seen.has(id)) throw new UserError(`payload.victims.${i}.id: victim ${id} is listed twice`, 'bad_input', { field: `victims.${i}.id` });
      seen.add(id);
    }
    if (ids.length > 0) {
      const [elsewhere] = await store.victimsOfOtherAccidents(tx, ids.map((v) => v.id), change.entityId);
      if (elsewhere) {
        const i = ids.find((v) => v.id === elsewhere)!.i;
        throw new UserError(`payload.victims.${i}.id: victim ${elsewhere} belongs to another accident`, 'bad_input', { field: `victims.${i}.id` });
      }
    }
  },
  async apply(tx, change) {
    if (change.action === 'delete') {
      await store.deleteAccident(tx, change.entityId);
      return;
    }
    const accident = change.payload!;
    const model = await ordnanceModel(tx, 'ordnanceModel', accident.ordnanceModel);
    await store.writeAccident(tx, {
      id: change.entityId,
      payload: accident,
      deviceCategory: accident.deviceCategory ?? model?.category ?? null,
      ordnanceModelId: model?.id ?? null,
      version: change.version,
      actorId: change.actor.userId,
    });
  },
};

registerEntityHandler(accidentHandler);
