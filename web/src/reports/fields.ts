/** A report's payload as a reviewer reads it: each field labelled and its value in words. */
import type { Geometry } from '../geojson.ts';
import { formatArea, formatDate, formatNumber, type MessageKey, t } from '../i18n/index.ts';

const LABELS: Record<string, MessageKey> = {
  reference: 'field.reference',
  kind: 'field.hazardKind',
  status: 'field.status',
  estimatedAreaM2: 'field.estimatedArea',
  evidence: 'field.evidence',
  contamination: 'field.contamination',
  blockages: 'field.blockages',
  organisationId: 'field.organisation',
  team: 'field.team',
  startDate: 'field.startDate',
  endDate: 'field.endDate',
  hazardIds: 'report.hazardsWorked',
  activityId: 'field.activity',
  reportDate: 'field.reportDate',
  areaProcessedM2: 'field.areaProcessed',
  notes: 'field.notes',
  hazardId: 'field.hazard',
  method: 'field.method',
  technicalAssets: 'field.technicalAssets',
  clearanceDepthCm: 'field.clearanceDepthCm',
  heldOn: 'field.heldOn',
  settlementId: 'field.settlement',
  girls: 'field.girls',
  boys: 'field.boys',
  women: 'field.women',
  men: 'field.men',
  occurredOn: 'field.occurredOn',
  foundOn: 'field.foundOn',
  category: 'field.category',
  deviceCategory: 'field.deviceCategory',
  ordnanceModel: 'field.ordnanceModel',
  quantity: 'field.quantity',
  depthCm: 'field.depthCm',
  condition: 'field.condition',
  disposalMethod: 'field.disposalMethod',
  deminingRelated: 'field.deminingRelated',
  locationPrecisionM: 'field.locationPrecision',
  victims: 'report.victims',
  adminAreaId: 'field.adminArea',
  description: 'field.description',
  source: 'field.source',
  releaseDate: 'field.releaseDate',
  minefieldRecordIds: 'nav.records',
  geometry: 'report.geometry',
  file: 'field.file',
  rowCount: 'field.rowCount',
  rows: 'report.findRows',
};

/** Fields whose values are codes with a message of their own (evidence.detonation, …), by entity type where they differ. */
const CODE_PREFIX: Record<string, string> = {
  kind: 'kind',
  status: 'status',
  evidence: 'evidence',
  contamination: 'contamination',
  blockages: 'blockage',
  category: 'findCategory',
  deviceCategory: 'findCategory',
  condition: 'condition',
  disposalMethod: 'disposal',
  method: 'method',
};
/** Codes whose messages differ by entity type. */
const ENTITY_CODE_PREFIX: Record<string, Record<string, string>> = {
  activity: { kind: 'activity', status: 'activityStatus' },
  risk_education_session: { method: 'riskEducationMethod' },
};

/** Keys in the order a reviewer reads them (the order of the labels above); unknown keys last. */
export function inReadingOrder(keys: readonly string[]): string[] {
  const order = Object.keys(LABELS);
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function fieldLabel(key: string, entityType = 'hazard'): string {
  if (entityType === 'activity' && key === 'kind') return t('field.activityKind');
  const label = LABELS[key];
  return label ? t(label) : key;
}

/** One victim in a line: outcome, sex, age, group; an identity only as the fact that one was given. */
function victimSummary(victim: Record<string, unknown>): string {
  const parts = [
    t(`outcome.${String(victim.outcome)}` as MessageKey),
    victim.sex ? t(`sex.${String(victim.sex)}` as MessageKey) : null,
    typeof victim.age === 'number' ? t('report.victimAge', { age: victim.age }) : typeof victim.ageReported === 'string' ? victim.ageReported : null,
    t(`victimGroup.${String(victim.victimGroup)}` as MessageKey),
    victim.identity ? t('report.identityGiven') : null,
  ];
  return parts.filter(Boolean).join(', ');
}

/** One row of a file of finds in a line: its row in the file, what was found, how many, when and where. */
function findRowSummary(row: Record<string, unknown>): string {
  const what = typeof row.ordnanceModel === 'string' ? row.ordnanceModel : t(`findCategory.${String(row.category)}` as MessageKey);
  const date = formatDate(typeof row.foundOn === 'string' ? row.foundOn : null);
  return `${t('report.findRow', { row: String(row.row) })}: ${what} ×${String(row.quantity ?? 1)}, ${date}, ${String(row.latitude)}, ${String(row.longitude)}`;
}

export function fieldValue(key: string, value: unknown, organisations: ReadonlyMap<string, string>, entityType = 'hazard'): string {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return '—';
  const prefix = ENTITY_CODE_PREFIX[entityType]?.[key] ?? CODE_PREFIX[key];
  if (prefix) {
    const codes = Array.isArray(value) ? value : [value];
    return codes.map((code) => t(`${prefix}.${String(code)}` as MessageKey)).join(', ');
  }
  if (key === 'organisationId' && typeof value === 'string') return organisations.get(value) ?? value;
  if ((key === 'estimatedAreaM2' || key === 'areaProcessedM2') && typeof value === 'number') return formatArea(value);
  if (['releaseDate', 'startDate', 'endDate', 'foundOn', 'occurredOn', 'heldOn', 'reportDate'].includes(key) && typeof value === 'string') return formatDate(value);
  if ((key === 'deminingRelated' || key === 'technicalAssets') && typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
  if (key === 'victims' && Array.isArray(value)) return value.map((v, i) => `${i + 1}. ${victimSummary(v as Record<string, unknown>)}`).join('; ');
  if (key === 'rows' && entityType === 'find_import' && Array.isArray(value)) return value.map((row) => findRowSummary(row as Record<string, unknown>)).join('; ');
  if (key === 'geometry') {
    const g = value as Geometry;
    return g.type;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * What names a report in the queue: a record's reference, a file of finds by its name and size,
 * or for a record without a reference what it is and when: a find (what was found), a risk
 * education session (its method), a day's progress (the area processed), land released (its method).
 */
export function reportTitle(entityType: string, payload: Record<string, unknown>): string | null {
  if (typeof payload.reference === 'string') return payload.reference;
  if (entityType === 'find_import' && typeof payload.file === 'string') {
    const count = typeof payload.rowCount === 'number' ? payload.rowCount : Array.isArray(payload.rows) ? payload.rows.length : 0;
    return t('report.findImportTitle', { file: payload.file, count: formatNumber(count) });
  }
  if (entityType === 'risk_education_session' && typeof payload.heldOn === 'string') {
    const method = typeof payload.method === 'string' ? t(`riskEducationMethod.${payload.method}` as MessageKey) : '';
    return `${method}, ${formatDate(payload.heldOn)}`;
  }
  if (entityType === 'progress_report' && typeof payload.reportDate === 'string') {
    return `${formatDate(payload.reportDate)}, ${typeof payload.areaProcessedM2 === 'number' ? formatArea(payload.areaProcessedM2) : '—'}`;
  }
  if (entityType === 'release_product' && typeof payload.method === 'string') {
    return `${t(`method.${payload.method}` as MessageKey)}, ${formatDate(typeof payload.releaseDate === 'string' ? payload.releaseDate : null)}`;
  }
  if (entityType === 'find') {
    const what = typeof payload.ordnanceModel === 'string' ? payload.ordnanceModel : payload.category ? t(`findCategory.${String(payload.category)}` as MessageKey) : '';
    return `${what} ×${String(payload.quantity ?? 1)}, ${formatDate(typeof payload.foundOn === 'string' ? payload.foundOn : null)}`;
  }
  return null;
}
