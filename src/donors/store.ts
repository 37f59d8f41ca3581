/**
 * The SQL of the donor figures (figures.ts): per organisation, over a period, land released by
 * method (the stored pieces `report land` sums, each product counted for its activity's
 * organisation), items found and destroyed by category (a find counts for its own organisation,
 * else its activity's), activities by kind, and risk education. Each statement groups by
 * organisation with GROUPING SETS, so the national total comes from the same rows.
 */
import type { Queryable } from '../store/db.ts';
import type { ReleaseMethod } from '../land/rules.ts';

export interface DonorFilter {
  from: string;
  to: string;
  /** One organisation, or all of them. */
  organisationId: string | null;
}

export interface ReleasedRow {
  organisation_id: string | null;
  total: boolean;
  method: ReleaseMethod;
  area_m2: number;
  products: number;
}

export function releasedByOrganisation(db: Queryable, f: DonorFilter): Promise<ReleasedRow[]> {
  return db.query<ReleasedRow>(
    `SELECT a.organisation_id, GROUPING(a.organisation_id) <> 0 AS total, lp.method,
       sum(round(lp.counted_m2::numeric, 4))::float8 AS area_m2, count(*)::int AS products
     FROM land_release_piece lp JOIN activity a ON a.id = lp.activity_id
     WHERE lp.release_date BETWEEN $1::date AND $2::date AND ($3::uuid IS NULL OR a.organisation_id = $3::uuid)
     GROUP BY GROUPING SETS ((a.organisation_id, lp.method), (lp.method))
     ORDER BY total, a.organisation_id, lp.method`,
    [f.from, f.to, f.organisationId],
  );
}

export interface ItemsRow {
  organisation_id: string | null;
  total: boolean;
  category: string;
  found: number;
  destroyed: number;
}

/** Finds whose whole date, at its precision, lies in the period (as the casualty and find exports count them). */
export function itemsByOrganisation(db: Queryable, f: DonorFilter): Promise<ItemsRow[]> {
  return db.query<ItemsRow>(
    `SELECT coalesce(fd.organisation_id, a.organisation_id) AS organisation_id, GROUPING(coalesce(fd.organisation_id, a.organisation_id)) <> 0 AS total, fd.category,
       sum(fd.quantity)::int AS found,
       coalesce(sum(fd.quantity) FILTER (WHERE fd.disposal_method IN ('destroyed_in_situ', 'removed_and_destroyed')), 0)::int AS destroyed
     FROM find fd LEFT JOIN activity a ON a.id = fd.activity_id
     WHERE fd.found_on >= $1::date AND date_period_end(fd.found_on, fd.found_on_precision) <= $2::date
       AND ($3::uuid IS NULL OR coalesce(fd.organisation_id, a.organisation_id) = $3::uuid)
     GROUP BY GROUPING SETS ((coalesce(fd.organisation_id, a.organisation_id), fd.category), (fd.category))
     ORDER BY total, 1, fd.category`,
    [f.from, f.to, f.organisationId],
  );
}

export interface ActivitiesRow {
  organisation_id: string | null;
  total: boolean;
  kind: string;
  /** Worked in the period: started on or before its last day and not ended before its first (undated starts count). */
  active: number;
  /** Ended in the period with status completed. */
  completed: number;
}

export function activitiesByOrganisation(db: Queryable, f: DonorFilter): Promise<ActivitiesRow[]> {
  return db.query<ActivitiesRow>(
    `SELECT a.organisation_id, GROUPING(a.organisation_id) <> 0 AS total, a.kind,
       count(*)::int AS active,
       count(*) FILTER (WHERE a.status = 'completed' AND a.end_date BETWEEN $1::date AND $2::date)::int AS completed
     FROM activity a
     WHERE a.status <> 'cancelled' AND (a.start_date IS NULL OR a.start_date <= $2::date) AND (a.end_date IS NULL OR a.end_date >= $1::date)
       AND ($3::uuid IS NULL OR a.organisation_id = $3::uuid)
     GROUP BY GROUPING SETS ((a.organisation_id, a.kind), (a.kind))
     ORDER BY total, a.organisation_id, a.kind`,
    [f.from, f.to, f.organisationId],
  );
}

export interface RiskEducationRow {
  organisation_id: string | null;
  total: boolean;
  sessions: number;
  girls: number;
  boys: number;
  women: number;
  men: number;
}

export function riskEducationByOrganisation(db: Queryable, f: DonorFilter): Promise<RiskEducationRow[]> {
  return db.query<RiskEducationRow>(
    `SELECT s.organisation_id, GROUPING(s.organisation_id) <> 0 AS total, count(*)::int AS sessions,
       sum(s.girls)::int AS girls, sum(s.boys)::int AS boys, sum(s.women)::int AS women, sum(s.men)::int AS men
     FROM risk_education_session s
     WHERE s.held_on BETWEEN $1::date AND $2::date AND ($3::uuid IS NULL OR s.organisation_id = $3::uuid)
     GROUP BY GROUPING SETS ((s.organisation_id), ())
     ORDER BY total, s.organisation_id`,
    [f.from, f.to, f.organisationId],
  );
}

export interface Organisation {
  id: string;
  name: string;
  acronym: string | null;
}

/** An organisation by its id, name or acronym (case-insensitive), for the command line; null when none or several match. */
export async function findOrganisation(db: Queryable, key: string): Promise<Organisation | null> {
  const rows = await db.query<Organisation>(
    'SELECT id, name, acronym FROM organisation WHERE id::text = lower($1) OR lower(name) = lower($1) OR lower(acronym) = lower($1) ORDER BY name LIMIT 2',
    [key],
  );
  return rows.length === 1 ? rows[0]! : null;
}

export function organisations(db: Queryable, ids: readonly string[]): Promise<Organisation[]> {
  return db.query<Organisation>('SELECT id, name, acronym FROM organisation WHERE id = ANY($1::uuid[])', [ids]);
}
