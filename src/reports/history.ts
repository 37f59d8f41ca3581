/** Every version of a record (record_version) with who changed it, why, and the report that did. */
import { geodesicArea } from '../geodesy/sql.ts';
import type { Queryable } from '../store/db.ts';

export interface HistoryEntry {
  version: number;
  validFrom: Date;
  validTo: Date | null;
  deleted: boolean;
  data: Record<string, unknown>;
  geometry: unknown;
  areaM2: number | null;
  changedBy: { id: string; username: string } | null;
  reason: string | null;
  report: { id: string; action: string; reportedBy: string | null; undoesReportId: string | null } | null;
}

export async function history(tx: Queryable, entityType: string, entityId: string): Promise<HistoryEntry[]> {
  const rows = await tx.query<{
    version: number;
    valid_from: Date;
    valid_to: Date | null;
    deleted: boolean;
    data: Record<string, unknown>;
    geometry: unknown;
    area_m2: number | null;
    changed_by: string | null;
    changed_by_username: string | null;
    change_reason: string | null;
    report_id: string | null;
    report_action: string | null;
    reported_by: string | null;
    undoes_report_id: string | null;
  }>(
    `SELECT rv.version, rv.valid_from, rv.valid_to, rv.deleted, rv.data, ST_AsGeoJSON(rv.geom, 15)::jsonb AS geometry,
       ${geodesicArea('rv.geom')} AS area_m2, rv.changed_by, u.username AS changed_by_username, rv.change_reason,
       rv.report_id, r.action AS report_action, ru.username AS reported_by, r.undoes_report_id
     FROM record_version rv
     LEFT JOIN app_user u ON u.id = rv.changed_by
     LEFT JOIN report r ON r.id = rv.report_id
     LEFT JOIN app_user ru ON ru.id = r.created_by
     WHERE rv.entity_type = $1 AND rv.entity_id = $2 ORDER BY rv.version`,
    [entityType, entityId],
  );
  return rows.map((r) => ({
    version: r.version,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    deleted: r.deleted,
    data: r.data,
    geometry: r.geometry,
    areaM2: r.area_m2,
    changedBy: r.changed_by ? { id: r.changed_by, username: r.changed_by_username ?? '' } : null,
    reason: r.change_reason,
    report: r.report_id ? { id: r.report_id, action: r.report_action ?? '', reportedBy: r.reported_by, undoesReportId: r.undoes_report_id } : null,
  }));
}
