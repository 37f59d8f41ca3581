/** A report's payload as a reviewer reads it: each field labelled and its value in words. */
import type { Geometry } from '../geojson.ts';
import { formatArea, formatDate, type MessageKey, t } from '../i18n/index.ts';

const LABELS: Record<string, MessageKey> = {
  reference: 'field.reference',
  kind: 'field.hazardKind',
  status: 'field.status',
  estimatedAreaM2: 'field.estimatedArea',
  evidence: 'field.evidence',
  contamination: 'field.contamination',
  blockages: 'field.blockages',
  organisationId: 'field.organisation',
  adminAreaId: 'field.adminArea',
  description: 'field.description',
  source: 'field.source',
  releaseDate: 'field.releaseDate',
  minefieldRecordIds: 'nav.records',
  geometry: 'report.geometry',
};

/** Fields whose list values are codes with a message of their own (evidence.detonation, …). */
const CODE_PREFIX: Record<string, string> = { kind: 'kind', status: 'status', evidence: 'evidence', contamination: 'contamination', blockages: 'blockage' };

/** Keys in the order a reviewer reads them (the order of the labels above); unknown keys last. */
export function inReadingOrder(keys: readonly string[]): string[] {
  const order = Object.keys(LABELS);
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function fieldLabel(key: string): string {
  const label = LABELS[key];
  return label ? t(label) : key;
}

export function fieldValue(key: string, value: unknown, organisations: ReadonlyMap<string, string>): string {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return '—';
  const prefix = CODE_PREFIX[key];
  if (prefix) {
    const codes = Array.isArray(value) ? value : [value];
    return codes.map((code) => t(`${prefix}.${String(code)}` as MessageKey)).join(', ');
  }
  if (key === 'organisationId' && typeof value === 'string') return organisations.get(value) ?? value;
  if (key === 'estimatedAreaM2' && typeof value === 'number') return formatArea(value);
  if (key === 'releaseDate' && typeof value === 'string') return formatDate(value);
  if (key === 'geometry') {
    const g = value as Geometry;
    return g.type;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
