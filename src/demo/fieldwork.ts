/**
 * Explosive ordnance risk education sessions in the demo settlements, and quality-assurance
 * visits to clearance work with the non-conformities inspectors raise.
 */
import { DEMO_TODAY, day, isoDate, timestamp } from './dates.ts';
import type { Gazetteer } from './gazetteer.ts';
import { ewktPoint, LocalFrame, scale, unitFromAzimuth } from './geometry.ts';
import type { Random } from './randomStreams.ts';
import type { ActivityPlan } from './release.ts';

export const RISK_EDUCATION_COLUMNS = [
  'id', 'held_on', 'geom', 'settlement_id', 'organisation_id', 'method', 'girls', 'boys', 'women', 'men', 'source', 'created_at', 'updated_at',
] as const;

export function* riskEducationRows(rng: Random, count: number, g: Gazetteer, organisationIds: readonly string[], source: string): Generator<unknown[]> {
  for (let i = 0; i < count; i++) {
    const settlement = rng.pick(g.settlements);
    const heldOn = rng.int(day('2008-01-01'), DEMO_TODAY);
    const method = rng.weighted([['presentation', 40], ['interpersonal', 25], ['mass_media', 5], ['digital', 5], ['training_of_trainers', 10], ['other', 5]] as const);
    const atSchool = rng.chance(0.4);
    const place = new LocalFrame(settlement.position).toLonLat(scale(unitFromAzimuth(rng.between(0, 360)), rng.between(0, 300)));
    yield [
      rng.uuid(),
      isoDate(heldOn),
      ewktPoint(place),
      settlement.id,
      organisationIds[rng.int(1, organisationIds.length - 1)],
      method,
      atSchool ? rng.int(10, 40) : rng.int(0, 8),
      atSchool ? rng.int(10, 40) : rng.int(0, 8),
      atSchool ? rng.int(0, 3) : rng.int(3, 30),
      atSchool ? rng.int(0, 3) : rng.int(3, 30),
      source,
      timestamp(heldOn, 16),
      timestamp(heldOn, 16),
    ];
  }
}

export interface QaVisitPlan {
  id: string;
  activityId: string;
  day: number;
  inspector: string;
  outcome: 'satisfactory' | 'corrective_action_required' | 'suspended';
  nonconformities: { id: string; description: string; severity: 'minor' | 'major' | 'critical'; correctiveAction: string; closedOn: number | null }[];
}

const FINDINGS: readonly (readonly [string, string])[] = [
  ['Worksite marking incomplete on the northern boundary', 'Complete marking before work resumes'],
  ['Detector not tested against the test piece at the start of the day', 'Test detectors each morning and record the test'],
  ['Safety distance between deminers under 25 m', 'Brief teams on safety distances; supervisor to check hourly'],
  ['Casualty evacuation plan not rehearsed', 'Rehearse the evacuation plan this week'],
  ['Clearance depth not verified in sampled lanes', 'Re-verify depth in the sampled lanes'],
  ['Find records missing positions for two items', 'Complete the find records from the field notes'],
];

/** A quarter of clearance activities get a visit; most pass, some need corrective action. */
export function planQaVisits(rng: Random, activities: readonly ActivityPlan[]): QaVisitPlan[] {
  const visits: QaVisitPlan[] = [];
  for (const activity of activities) {
    if (activity.kind !== 'clearance' || activity.startDay === null || !rng.chance(0.25)) continue;
    const visitDay = rng.int(activity.startDay, activity.endDay ?? DEMO_TODAY);
    const outcome = rng.weighted([['satisfactory', 70], ['corrective_action_required', 25], ['suspended', 5]] as const);
    const findings = outcome === 'satisfactory' ? [] : rng.shuffle(FINDINGS).slice(0, rng.int(1, 3));
    visits.push({
      id: rng.uuid(),
      activityId: activity.id,
      day: visitDay,
      inspector: `Demo Inspector ${rng.int(1, 8)}`,
      outcome,
      nonconformities: findings.map(([description, correctiveAction], k) => {
        const closed = visitDay + rng.int(7, 60);
        return {
          id: rng.uuid(),
          description,
          severity: outcome === 'suspended' && k === 0 ? 'critical' : rng.chance(0.3) ? 'major' : 'minor',
          correctiveAction,
          closedOn: closed <= DEMO_TODAY && rng.chance(0.85) ? closed : null,
        };
      }),
    });
  }
  return visits;
}

export const QA_VISIT_COLUMNS = ['id', 'activity_id', 'visited_on', 'inspector', 'organisation_id', 'outcome', 'notes', 'source', 'created_at', 'updated_at'] as const;

export function* qaVisitRows(visits: readonly QaVisitPlan[], authorityId: string, source: string): Generator<unknown[]> {
  for (const v of visits) {
    const notes = v.outcome === 'satisfactory' ? 'Demo QA visit: work conforms to the national standards.' : `Demo QA visit: ${v.nonconformities.length} non-conformities raised.`;
    yield [v.id, v.activityId, isoDate(v.day), v.inspector, authorityId, v.outcome, notes, source, timestamp(v.day, 15), timestamp(v.day, 15)];
  }
}

export const QA_NONCONFORMITY_COLUMNS = ['id', 'qa_visit_id', 'description', 'severity', 'corrective_action', 'closed_on'] as const;

export function* qaNonconformityRows(visits: readonly QaVisitPlan[]): Generator<unknown[]> {
  for (const v of visits) {
    for (const n of v.nonconformities) yield [n.id, v.id, n.description, n.severity, n.correctiveAction, n.closedOn === null ? null : isoDate(n.closedOn)];
  }
}
