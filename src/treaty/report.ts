/**
 * Treaty reports for a year: the land-release, contamination, destruction, risk-education and
 * victim tables of the Anti-Personnel Mine Ban Convention's Article 7 report, the Convention on
 * Cluster Munitions' Article 7 report and the national report under CCW Protocol V, from the same
 * figures as `report land` and `report casualties`. Every table names the statement, API link or
 * command that produced it, and the last table reconciles the national totals with those reports.
 */
import { landStatistics } from '../land/statistics.ts';
import { labels } from '../land/statisticsStore.ts';
import type { ReleaseMethod } from '../land/rules.ts';
import { casualtyStatistics } from '../statistics/casualties.ts';
import { AGE_GROUPS } from '../statistics/ageGroups.ts';
import { VICTIM_GROUPS, VICTIM_SEXES } from '../casualties/accident.ts';
import type { Queryable } from '../store/db.ts';
import { itemsFound, mapOutlines, type Outline, releasedByYear, remainingAtYearEnd, remainingCheck, riskEducation } from './store.ts';

export const CONVENTIONS = {
  apmbc: {
    name: 'Anti-Personnel Mine Ban Convention',
    report: 'Article 7 report',
    contamination: 'ap_mine',
    areas: 'mined areas (containing or suspected to contain anti-personnel mines)',
    items: ['ap_mine'],
    itemWords: 'anti-personnel mines',
    devices: ['ap_mine'],
  },
  ccm: {
    name: 'Convention on Cluster Munitions',
    report: 'Article 7 report',
    contamination: 'cluster_munition',
    areas: 'cluster munition contaminated areas',
    items: ['submunition'],
    itemWords: 'cluster munition remnants (submunitions)',
    devices: ['submunition'],
  },
  ccw5: {
    name: 'Convention on Certain Conventional Weapons, Protocol V on Explosive Remnants of War',
    report: 'national report',
    contamination: 'erw_uxo',
    areas: 'areas affected by explosive remnants of war',
    items: ['uxo', 'axo'],
    itemWords: 'explosive remnants of war (unexploded and abandoned ordnance)',
    devices: ['uxo', 'axo'],
  },
} as const;
export type Convention = keyof typeof CONVENTIONS;
export const CONVENTION_NAMES = Object.keys(CONVENTIONS) as Convention[];

export type Cell = string | number | null;

/** Where a table's figures come from: the statement as run, and the API link or command giving the same figures. */
export interface Source {
  sql?: string;
  api?: string;
  cli?: string;
}

export interface TreatyTable {
  id: string;
  title: string;
  note?: string;
  columns: string[];
  rows: Cell[][];
  source: Source;
}

export interface TreatyReport {
  convention: Convention;
  name: string;
  reportName: string;
  year: number;
  generatedAt: string;
  tables: TreatyTable[];
  /** The national totals of this report against `report land` and `report casualties` for the same year. */
  reconciliation: { figure: string; treaty: number; register: number; agrees: boolean }[];
  map: { outlines: Outline[]; extent: [number, number, number, number] | null };
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/** The order of the treaties' tables: cancelled, reduced, cleared. */
const METHODS: readonly ReleaseMethod[] = ['cancelled', 'reduced', 'cleared'];

export async function treatyReport(db: Queryable, convention: Convention, year: number, now = new Date()): Promise<TreatyReport> {
  const c = CONVENTIONS[convention];
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  // landStatistics first: it brings the stored pieces up to date, which the queries below read.
  const land = await landStatistics(db, { by: [], period: 'year', from, to });
  const releasedSince = await landStatistics(db, { by: [], period: 'none', from: `${year + 1}-01-01` });
  const groupings = 'deviceCategory;deviceCategory,sex;deviceCategory,ageGroup;deviceCategory,victimGroup';
  const casualties = await casualtyStatistics(db, {
    groupings: [['deviceCategory'], ['deviceCategory', 'sex'], ['deviceCategory', 'ageGroup'], ['deviceCategory', 'victimGroup']],
    period: 'year',
    from,
    to,
  });
  const remaining = await remainingAtYearEnd(db, c.contamination, year);
  const released = await releasedByYear(db, c.contamination, year);
  const allReleased = await releasedByYear(db, null, year);
  const check = await remainingCheck(db, year);
  const items = await itemsFound(db, c.items, c.contamination, year);
  const education = await riskEducation(db, year);
  const areaIds = [...new Set([...remaining.rows.map((r) => r.admin1_id), ...released.rows.map((r) => r.admin1_id)].filter((id): id is string => id !== null))];
  const names = await labels(db, areaIds, []);
  const region = (id: string | null) => (id ? (names.get(id)?.name ?? id) : '(no region)');

  const remainingTotal = remaining.rows.find((r) => r.total);
  const tables: TreatyTable[] = [];
  tables.push({
    id: 'remaining',
    title: `Remaining ${c.areas}, by region`,
    note: `On 31 December ${year}: the hazardous areas the register held then (from their history) whose contamination included ${c.contamination}, minus the land released from them up to that day (land-release accounting, IMAS). Areas in m².`,
    columns: ['Region', 'Suspected hazardous areas (SHA)', 'Confirmed hazardous areas (CHA)', 'Remaining area (m²)'],
    rows: [
      ...remaining.rows.filter((r) => !r.total).map((r) => [region(r.admin1_id), r.sha, r.cha, r.area_m2]),
      ['Total', remainingTotal?.sha ?? 0, remainingTotal?.cha ?? 0, remainingTotal?.area_m2 ?? 0],
    ],
    source: { sql: remaining.sql.replaceAll('$1::text', `'${c.contamination}'::text`).replaceAll('$2::int', String(year)) },
  });

  const byRegion = new Map<string | null, Record<ReleaseMethod, number>>();
  for (const r of released.rows.filter((r) => !r.national)) {
    const row = byRegion.get(r.admin1_id) ?? { cancelled: 0, reduced: 0, cleared: 0 };
    row[r.method] += r.area_m2;
    byRegion.set(r.admin1_id, row);
  }
  const methodCells = (m: Record<ReleaseMethod, number>) => [...METHODS.map((k) => round4(m[k])), round4(METHODS.reduce((s, k) => s + m[k], 0))];
  const perYear = new Map<string, Record<ReleaseMethod, number>>();
  for (const r of released.rows.filter((r) => r.national)) {
    const row = perYear.get(r.year) ?? { cancelled: 0, reduced: 0, cleared: 0 };
    row[r.method] += r.area_m2;
    perYear.set(r.year, row);
  }
  const yearTotal = perYear.get(String(year)) ?? { cancelled: 0, reduced: 0, cleared: 0 };
  const releasedSql = released.sql.replace('$1::text', `'${c.contamination}'`).replaceAll('$2::int', String(year)).replace('$3', `'${year}'`);
  tables.push({
    id: 'released-in-year',
    title: `Land released in ${year} from ${c.areas}, by region and method`,
    note: 'Cancelled through non-technical survey, reduced through technical survey, cleared; each piece of land counted once (cleared > reduced > cancelled). Areas in m².',
    columns: ['Region', 'Cancelled (m²)', 'Reduced (m²)', 'Cleared (m²)', 'Total released (m²)'],
    rows: [...[...byRegion].map(([id, m]) => [region(id), ...methodCells(m)]), ['Total', ...methodCells(yearTotal)]],
    source: { sql: releasedSql },
  });
  tables.push({
    id: 'released-per-year',
    title: `Land released from ${c.areas} per year, up to ${year}`,
    columns: ['Year', 'Cancelled (m²)', 'Reduced (m²)', 'Cleared (m²)', 'Total released (m²)'],
    rows: [...perYear].map(([y, m]) => [y, ...methodCells(m)]),
    source: { sql: releasedSql },
  });
  tables.push({
    id: 'items',
    title: `${c.itemWords[0]!.toUpperCase()}${c.itemWords.slice(1)} found and destroyed in ${year}`,
    note: `"In these areas": found by activities working on ${c.areas}. "Destroyed": destroyed in situ or removed and destroyed.`,
    columns: ['Category', 'Found', 'Found in these areas', 'Destroyed'],
    rows: [
      ...items.rows.map((r) => [r.category, r.items, r.in_areas, r.destroyed]),
      ['Total', ...(['items', 'in_areas', 'destroyed'] as const).map((k) => items.rows.reduce((s, r) => s + r[k], 0))],
    ],
    source: { sql: items.sql.replace('$1::text[]', `ARRAY[${c.items.map((i) => `'${i}'`).join(', ')}]`).replace('$2::text', `'${c.contamination}'`).replace('$3', String(year)) },
  });
  const re = education.rows[0] ?? { sessions: 0, girls: 0, boys: 0, women: 0, men: 0 };
  tables.push({
    id: 'risk-education',
    title: `Explosive ordnance risk education in ${year}`,
    note: 'All risk-education sessions recorded for the year (sessions are not recorded per kind of ordnance).',
    columns: ['Sessions', 'Girls', 'Boys', 'Women', 'Men', 'Beneficiaries'],
    rows: [[re.sessions, re.girls, re.boys, re.women, re.men, re.girls + re.boys + re.women + re.men]],
    source: { sql: education.sql.replace('$1', String(year)) },
  });

  const devices = c.devices as readonly string[];
  const ofDevices = (grouping: string, dimension: 'sex' | 'ageGroup' | 'victimGroup', value: string) =>
    casualties.rows.filter((r) => r.grouping.join(',') === grouping && devices.includes(r.deviceCategory ?? '') && r[dimension] === value);
  const sum = (rows: { killed: number; injured: number; victims: number }[]) => [rows.reduce((s, r) => s + r.killed, 0), rows.reduce((s, r) => s + r.injured, 0), rows.reduce((s, r) => s + r.victims, 0)];
  const deviceRows = casualties.rows.filter((r) => r.grouping.join(',') === 'deviceCategory');
  const casualtiesApi = `/api/statistics/casualties?by=${encodeURIComponent(groupings)}&from=${from}&to=${to}`;
  tables.push({
    id: 'victims',
    title: `Casualties in ${year}`,
    note: `Victims of accidents in ${year}: all devices, then those of ${devices.join(', ')} by sex, age group (children under 18) and group. Ages reported as a range count in an age group only when the whole range lies in it.`,
    columns: ['Breakdown', 'Killed', 'Injured', 'Casualties'],
    rows: [
      ['All devices', casualties.total.killed, casualties.total.injured, casualties.total.victims],
      ...deviceRows.map((r) => [`Device: ${r.deviceCategory ?? 'unknown'}`, r.killed, r.injured, r.victims]),
      [devices.join(' + '), ...sum(deviceRows.filter((r) => devices.includes(r.deviceCategory ?? '')))],
      ...VICTIM_SEXES.map((s) => [`  sex: ${s}`, ...sum(ofDevices('deviceCategory,sex', 'sex', s))]),
      ...AGE_GROUPS.map((a) => [`  age group: ${a}`, ...sum(ofDevices('deviceCategory,ageGroup', 'ageGroup', a))]),
      ...VICTIM_GROUPS.map((g) => [`  group: ${g}`, ...sum(ofDevices('deviceCategory,victimGroup', 'victimGroup', g))]),
    ],
    source: { api: casualtiesApi, cli: `safeground report casualties --by '${groupings}' --from ${from} --to ${to}`, sql: casualties.query.replaceAll('$1::date', `'${from}'::date`).replaceAll('$2::date', `'${to}'::date`) },
  });

  // National totals over all contamination, from this report's statements and from report land / report casualties.
  const allYear = { cancelled: 0, reduced: 0, cleared: 0 };
  for (const r of allReleased.rows.filter((r) => r.national && r.year === String(year))) allYear[r.method] += r.area_m2;
  const checked = check.rows[0]!;
  const reconciliation = [
    ...METHODS.map((m) => ({ figure: `Land ${m} in ${year} (m², all contamination)`, treaty: round4(allYear[m]), register: round4(land.totals.releasedM2[m]) })),
    {
      figure: `Remaining on 31 December ${year} in hazardous areas not redrawn since (m², all contamination)`,
      treaty: round4(checked.at_year_end_m2),
      register: round4(land.totals.remainingM2 + METHODS.reduce((s, m) => s + releasedSince.totals.releasedM2[m], 0) - checked.not_then_m2),
    },
    { figure: `Casualties in ${year}`, treaty: sum(deviceRows)[2]!, register: casualties.total.victims },
    { figure: `Killed in ${year}`, treaty: sum(deviceRows)[0]!, register: casualties.total.killed },
  ].map((r) => ({ ...r, agrees: Math.abs(r.treaty - r.register) < 0.01 }));
  tables.push({
    id: 'reconciliation',
    title: 'National totals, reconciled with the register',
    note:
      'Each figure twice: summed from the tables’ statements over every hazardous area (or device), and as `report land` and `report casualties` give it for the same year. ' +
      `What remained on 31 December ${year} is checked against report land: what remains now plus what was released after that day (report land from ${year + 1}-01-01), ` +
      `less the ${checked.not_then} hazardous areas recorded or redrawn since (${round4(checked.not_then_m2)} m² of that). ` +
      `${checked.changed} hazardous areas of that day were redrawn or removed since; their ${round4(checked.changed_m2)} m² remaining then are cut from their outline then, which the register of today cannot confirm.`,
    columns: ['Figure', 'This report', 'Register', 'Agrees'],
    rows: reconciliation.map((r) => [r.figure, r.treaty, r.register, r.agrees ? 'yes' : 'NO']),
    source: {
      api: `/api/statistics/land?by=none&period=year&from=${from}&to=${to}, /api/statistics/land?by=none&period=none&from=${year + 1}-01-01 and ${casualtiesApi}`,
      cli: `safeground report land --by none --period year --from ${from} --to ${to} --format json; safeground report land --by none --period none --from ${year + 1}-01-01 --format json; safeground report casualties --by none --from ${from} --to ${to}`,
      sql: check.sql.replaceAll('$1::text', 'NULL::text').replaceAll('$2::int', String(year)),
    },
  });
  return {
    convention,
    name: c.name,
    reportName: c.report,
    year,
    generatedAt: now.toISOString(),
    tables,
    reconciliation,
    map: await mapOutlines(db, c.contamination, year),
  };
}
