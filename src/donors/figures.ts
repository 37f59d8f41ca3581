/**
 * Donor figures: for each organisation (or one), over a period, what donors ask of it: land
 * released by method (geodesic m², cancelled / reduced / cleared, each piece of land counted
 * once), items found and destroyed by category, activities by kind, and risk education; with
 * the national total of each figure from the same statements, so the organisations add up to it
 * and the land figures to `report land --by organisation` for the same dates.
 *
 * The register has no projects or funding references (no table or column names one), so figures
 * are per organisation only: a product counts for its activity's organisation, a find for the
 * organisation that reported it, else its activity's.
 */
import ExcelJS from 'exceljs';
import { UserError } from '../errors.ts';
import { RELEASE_METHODS, type ReleaseMethod } from '../land/rules.ts';
import { ensureLandPieces } from '../land/statistics.ts';
import type { Queryable } from '../store/db.ts';
import { activitiesByOrganisation, type DonorFilter, itemsByOrganisation, type Organisation, organisations, releasedByOrganisation, riskEducationByOrganisation } from './store.ts';

export interface Figures {
  releasedM2: Record<ReleaseMethod | 'total', number>;
  releaseProducts: number;
  items: { category: string; found: number; destroyed: number }[];
  activities: { kind: string; active: number; completed: number }[];
  riskEducation: { sessions: number; girls: number; boys: number; women: number; men: number };
}

export interface DonorFigures {
  from: string;
  to: string;
  unit: 'm2';
  /** Each organisation with a figure in the period; `organisation` null holds finds reported by no organisation. */
  organisations: ({ organisation: Organisation | null } & Figures)[];
  /** Over every organisation (or the one asked for). */
  total: Figures;
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

function empty(): Figures {
  return {
    releasedM2: { cancelled: 0, reduced: 0, cleared: 0, total: 0 },
    releaseProducts: 0,
    items: [],
    activities: [],
    riskEducation: { sessions: 0, girls: 0, boys: 0, women: 0, men: 0 },
  };
}

export async function donorFigures(db: Queryable, filter: DonorFilter): Promise<DonorFigures> {
  if (filter.from > filter.to) throw new UserError(`from ${filter.from} is after to ${filter.to}`, 'bad_input');
  await ensureLandPieces(db);
  const released = await releasedByOrganisation(db, filter);
  const items = await itemsByOrganisation(db, filter);
  const activities = await activitiesByOrganisation(db, filter);
  const education = await riskEducationByOrganisation(db, filter);
  const total = empty();
  const byOrganisation = new Map<string | null, Figures>();
  const of = (row: { organisation_id: string | null; total: boolean }): Figures => {
    if (row.total) return total;
    const figures = byOrganisation.get(row.organisation_id) ?? empty();
    byOrganisation.set(row.organisation_id, figures);
    return figures;
  };
  for (const r of released) {
    const f = of(r);
    f.releasedM2[r.method] = r.area_m2;
    f.releaseProducts += r.products;
  }
  for (const r of items) of(r).items.push({ category: r.category, found: r.found, destroyed: r.destroyed });
  for (const r of activities) of(r).activities.push({ kind: r.kind, active: r.active, completed: r.completed });
  for (const r of education) of(r).riskEducation = { sessions: r.sessions, girls: r.girls, boys: r.boys, women: r.women, men: r.men };
  for (const f of [total, ...byOrganisation.values()]) f.releasedM2.total = round4(RELEASE_METHODS.reduce((s, m) => s + f.releasedM2[m], 0));
  const names = new Map((await organisations(db, [...byOrganisation.keys()].filter((id): id is string => id !== null))).map((o) => [o.id, o]));
  return {
    from: filter.from,
    to: filter.to,
    unit: 'm2',
    organisations: [...byOrganisation]
      .map(([id, figures]) => ({ organisation: id === null ? null : (names.get(id) ?? { id, name: id, acronym: null }), ...figures }))
      .sort((a, b) => (a.organisation?.name ?? '\uffff').localeCompare(b.organisation?.name ?? '\uffff')),
    total,
  };
}

/** One line per figure: organisation, measure, breakdown, value; the national total under organisation "(total)". */
export function donorFigureRows(figures: DonorFigures): (string | number)[][] {
  const rows: (string | number)[][] = [['organisation', 'organisation_id', 'measure', 'breakdown', 'value']];
  const add = (name: string, id: string, f: Figures) => {
    for (const m of [...RELEASE_METHODS, 'total'] as const) rows.push([name, id, 'released_m2', m, f.releasedM2[m]]);
    rows.push([name, id, 'release_products', '', f.releaseProducts]);
    for (const i of f.items) rows.push([name, id, 'items_found', i.category, i.found], [name, id, 'items_destroyed', i.category, i.destroyed]);
    for (const a of f.activities) rows.push([name, id, 'activities_active', a.kind, a.active], [name, id, 'activities_completed', a.kind, a.completed]);
    for (const k of ['sessions', 'girls', 'boys', 'women', 'men'] as const) rows.push([name, id, k === 'sessions' ? 'risk_education_sessions' : 'risk_education_beneficiaries', k === 'sessions' ? '' : k, f.riskEducation[k]]);
  };
  for (const o of figures.organisations) add(o.organisation?.name ?? '(no organisation)', o.organisation?.id ?? '', o);
  add('(total)', '', figures.total);
  return rows;
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function donorFiguresCsv(figures: DonorFigures): string {
  return donorFigureRows(figures).map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export async function donorFiguresXlsx(figures: DonorFigures, version: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = `Safeground ${version}`;
  const sheet = workbook.addWorksheet('figures');
  sheet.addRow([`Figures per organisation, ${figures.from} to ${figures.to}; areas in m² (geodesic, WGS84)`]).font = { bold: true };
  sheet.addRow([]);
  const [header, ...rest] = donorFigureRows(figures);
  sheet.addRow(header!).font = { bold: true };
  for (const r of rest) sheet.addRow(r);
  sheet.getColumn(1).width = 32;
  sheet.getColumn(3).width = 28;
  sheet.getColumn(5).numFmt = '#,##0.####';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
