/**
 * The prioritisation service: reads the instance's settings, has the store measure every active
 * hazard, adds record reliability from the minefield-record audit, and hands the figures to the
 * pure rules (criteria.ts, plan.ts).
 */
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { auditBatch } from '../records/store.ts';
import type { Db, Queryable } from '../store/db.ts';
import {
  CLEARANCE_METHODS, CRITERIA, checkWeights, compareRankings, DEFAULT_PRESETS, type ClearanceMethod, type HazardFacts, type Preset, type PriorityContext,
  type RankMove, resolveWeights, type ScoredHazard, scoreHazards, type Weights,
} from './criteria.ts';
import { type Plan, planClearance } from './plan.ts';
import * as store from './store.ts';

export const SETTING_KEYS = ['priority_presets', 'clearance_productivity', 'priority_parameters'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

const PositiveNumber = z.number().positive();
const WeightsSchema = z.partialRecord(z.enum(CRITERIA), z.number().min(0));
export const PresetSchema = z.strictObject({ label: z.string().min(1), description: z.string().default(''), weights: WeightsSchema });

export const ParametersSchema = z.strictObject({
  casualtyRadiusM: PositiveNumber.max(50_000),
  casualtyYears: z.number().int().min(1).max(50),
  settlementRadiusM: PositiveNumber.max(50_000),
  returnHorizonMonths: z.number().int().min(0).max(240),
  searchRadiusM: PositiveNumber.max(50_000),
  blockedWithinM: z.number().min(0).max(5000),
  recordToleranceM: PositiveNumber.max(100),
});
export type Parameters = z.infer<typeof ParametersSchema>;

/** What each setting may hold; a write is checked against it. */
export const SETTING_SCHEMAS: Record<SettingKey, z.ZodType> = {
  priority_presets: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/), PresetSchema),
  clearance_productivity: z.strictObject(Object.fromEntries(CLEARANCE_METHODS.map((m) => [m, PositiveNumber])) as Record<ClearanceMethod, typeof PositiveNumber>),
  priority_parameters: ParametersSchema,
};

export const DEFAULT_PARAMETERS: Parameters = {
  casualtyRadiusM: 2000,
  casualtyYears: 5,
  settlementRadiusM: 2000,
  returnHorizonMonths: 24,
  searchRadiusM: 5000,
  blockedWithinM: 100,
  recordToleranceM: 5,
};

/**
 * Placeholders until the instance sets its own: m² per team-day, averaged over the year. Manual
 * teams clear hundreds of m² a day, machines and battle area clearance thousands; operators'
 * reported figures should replace these.
 */
export const DEFAULT_PRODUCTIVITY: Record<ClearanceMethod, number> = { manual: 500, mechanical: 3000, bac: 10_000 };

export interface PrioritySettings {
  presets: Record<string, Preset>;
  productivity: Record<ClearanceMethod, number>;
  parameters: Parameters;
  versions: Partial<Record<SettingKey, number>>;
}

/** The instance's settings over the defaults: a preset the instance defines replaces the built-in one of that name. */
export async function prioritySettings(db: Queryable): Promise<PrioritySettings> {
  const stored = await store.readSettings(db, SETTING_KEYS);
  const value = (key: SettingKey): unknown => stored.get(key)?.value;
  return {
    presets: { ...DEFAULT_PRESETS, ...(value('priority_presets') as Record<string, Preset> | undefined) },
    productivity: { ...DEFAULT_PRODUCTIVITY, ...(value('clearance_productivity') as Record<ClearanceMethod, number> | undefined) },
    parameters: { ...DEFAULT_PARAMETERS, ...(value('priority_parameters') as Parameters | undefined) },
    versions: Object.fromEntries([...stored.entries()].map(([k, v]) => [k, v.version])),
  };
}

/**
 * Replaces one setting, as a new version with its reason. `version` is the one the caller read
 * (null when the setting was never written): a write over someone else's change is refused.
 */
export async function updateSetting(db: Db, key: SettingKey, value: unknown, options: { actorId: string | null; reason: string | null; version?: number | null | undefined }): Promise<number> {
  const parsed = SETTING_SCHEMAS[key].safeParse(value);
  if (!parsed.success) throw new UserError(`setting ${key} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`);
  if (key === 'priority_presets') for (const [name, preset] of Object.entries(parsed.data as Record<string, Preset>)) checkWeights(preset.weights, `preset ${name}`);
  return db.transaction(async (tx) => {
    const current = await store.lockSetting(tx, key);
    if (options.version !== undefined && options.version !== current) {
      throw new UserError(`setting ${key} is at version ${current ?? 'none'}, not ${options.version}: someone changed it since you read it`, 'version_conflict');
    }
    return store.writeSetting(tx, key, parsed.data, options.actorId, options.reason);
  });
}

function contextOf(settings: PrioritySettings): PriorityContext {
  return { productivity: settings.productivity, blockedWithinM: settings.parameters.blockedWithinM };
}

/**
 * Each record's reliability: its own A(τ) when clearance has found mines in its land, else its
 * handover batch's pooled A(τ); null when neither has found mines. The audit is the records
 * module's, run over every record, so it is only run when a weight asks for it.
 */
async function recordReliabilities(db: Queryable, toleranceM: number): Promise<Map<string, number | null>> {
  const audits = await auditBatch(db, { tolerance: toleranceM });
  const atTolerance = (curve: ReadonlyArray<{ toleranceM: number; share: number | null }>) => curve.find((p) => p.toleranceM === toleranceM)?.share ?? null;
  const byBatch = new Map(audits.batches.map((b) => [b.key, atTolerance(b.positionalAccuracy)]));
  return new Map(audits.records.map((r) => [r.id, atTolerance(r.audit.positionalAccuracy) ?? byBatch.get(r.audit.handoverBatch ?? '(none)') ?? null]));
}

/** Every active hazard's criteria as of a day. */
export async function measureHazards(db: Queryable, settings: PrioritySettings, options: { asOf: string; withRecordReliability: boolean }): Promise<HazardFacts[]> {
  const rows = await store.hazardFacts(db, settings.parameters, options.asOf);
  const withRecords = rows.filter((r) => r.recordIds.length > 0);
  const reliability = options.withRecordReliability && withRecords.length > 0 ? await recordReliabilities(db, settings.parameters.recordToleranceM) : new Map<string, number | null>();
  const labels = await store.recordLabels(db, [...new Set(withRecords.flatMap((r) => r.recordIds))]);
  return rows.map(({ recordIds, ...row }) => {
    const best = recordIds
      .map((id) => ({ id, share: reliability.get(id) ?? null }))
      .reduce<{ id: string; share: number | null } | null>((top, r) => (top === null || (r.share ?? -1) > (top.share ?? -1) ? r : top), null);
    return { ...row, recordReliability: best?.share ?? null, recordReference: best ? (labels.get(best.id)?.reference ?? null) : null };
  });
}

const usesReliability = (...weights: Weights[]) => weights.some((w) => (w.recordReliability ?? 0) > 0);

export interface Ranking {
  preset: string;
  weights: Weights;
  asOf: string;
  parameters: Parameters;
  productivity: Record<ClearanceMethod, number>;
  hazards: ScoredHazard[];
}

export async function rankHazards(db: Queryable, options: { preset: string; asOf: string }): Promise<Ranking> {
  const settings = await prioritySettings(db);
  const { name, weights } = resolveWeights(options.preset, settings.presets);
  const facts = await measureHazards(db, settings, { asOf: options.asOf, withRecordReliability: usesReliability(weights) });
  return { preset: name, weights, asOf: options.asOf, parameters: settings.parameters, productivity: settings.productivity, hazards: scoreHazards(facts, weights, contextOf(settings)) };
}

export interface Comparison {
  a: { name: string; weights: Weights };
  b: { name: string; weights: Weights };
  asOf: string;
  /** Hazards whose rank differs. */
  moved: number;
  hazards: RankMove[];
}

export async function compareWeights(db: Queryable, options: { a: string; b: string; asOf: string }): Promise<Comparison> {
  const settings = await prioritySettings(db);
  const a = resolveWeights(options.a, settings.presets);
  const b = resolveWeights(options.b, settings.presets);
  const facts = await measureHazards(db, settings, { asOf: options.asOf, withRecordReliability: usesReliability(a.weights, b.weights) });
  const hazards = compareRankings(facts, a.weights, b.weights, contextOf(settings));
  return { a, b, asOf: options.asOf, moved: hazards.filter((h) => h.move !== 0).length, hazards };
}

export async function planForPreset(
  db: Queryable,
  options: { preset: string; asOf: string; start: string; teams: Partial<Record<ClearanceMethod, number>>; productivity?: Partial<Record<ClearanceMethod, number>> },
): Promise<Plan & { preset: string }> {
  const ranking = await rankHazards(db, { preset: options.preset, asOf: options.asOf });
  const settings = await prioritySettings(db);
  const settlements = await store.settlementHazards(db, settings.parameters.settlementRadiusM);
  const plan = planClearance({
    hazards: ranking.hazards.map((h) => ({ hazardId: h.hazardId, reference: h.reference, rank: h.rank, method: h.method, remainingAreaM2: h.remainingAreaM2 })),
    settlements,
    teams: options.teams,
    productivity: { ...ranking.productivity, ...options.productivity },
    start: options.start,
  });
  return { preset: ranking.preset, ...plan };
}
