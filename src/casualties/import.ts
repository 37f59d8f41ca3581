import type { Db } from '../store/db.ts';
import { accidentStagingRow, ACCIDENT_STAGING_COLUMNS, type AccidentMergeCounts, applyAccidentStaging, checkAccidentStaging, createAccidentStaging, resolveAccidentStaging } from './store.ts';
import { describeReport, type ImportReport } from '../exchange/findImporter.ts';
import { ACCIDENT_ALIASES, type AccidentField, type AccidentMapping, columnFieldsByName, DEFAULT_ACCIDENT_MAPPING, IDENTITY_FIELDS } from '../exchange/mapping.ts';
import type { Source } from '../exchange/source.ts';
import { Catalogue } from '../catalogue/match.ts';
import { loadCatalogue } from '../catalogue/store.ts';
import { countrySetting } from '../exchange/store.ts';
import { AccidentRowValidator } from './validate.ts';
import { withComposedFields } from '../exchange/compose.ts';
import { checkedRows, type ImportRun, runImport } from '../exchange/importer.ts';

export interface AccidentImportOptions extends ImportRun {
  mapping?: AccidentMapping;
  /** Activity reference for accidents that name none. */
  activity?: string;
  /** Today as YYYY-MM-DD, for the future-date check. */
  today?: string;
}

/** The finds import's report, its counts being accidents, with what happens to their victims. */
export interface AccidentImportReport extends ImportReport {
  victims: AccidentMergeCounts['victims'];
}

const IDENTITY_REFUSED =
  "are victims' identifying details (restricted personal data); importing them needs the restricted.read permission, which national information officers and administrators hold. Remove them to import the rest";

/** With columns known up front, a missing or refused field is one message for the file. */
function checkColumns(source: Source, mapping: AccidentMapping, file: string, identitiesAllowed: boolean): { ignored: string[]; problem: string | null } {
  if (!source.columns) return { ignored: [], problem: null };
  const { fields, ignored, clashes } = columnFieldsByName(source.columns, mapping, ACCIDENT_ALIASES);
  if (clashes.length > 0) return { ignored, problem: `${file}: ${clashes.join('; ')}; map only one of them` };
  const present = new Set<AccidentField>([...fields.values(), ...(Object.keys(mapping.defaults) as AccidentField[])]);
  const identity = [...fields].filter(([, field]) => (IDENTITY_FIELDS as readonly string[]).includes(field)).map(([column]) => JSON.stringify(column));
  if (identity.length > 0 && !identitiesAllowed) return { ignored, problem: `${file}: columns ${identity.join(', ')} ${IDENTITY_REFUSED}` };
  const missing = (['reference', 'occurredOn'] as const).filter((field) => !present.has(field));
  const hint = `; columns are ${source.columns.map((c) => JSON.stringify(c)).join(', ')}. Name them in a mapping file ("fields": {"column": "field"})`;
  return { ignored, problem: missing.length > 0 ? `${file}: no column gives ${missing.join(', ')}${hint}` : null };
}

/**
 * Imports accidents with their victims from a file in one transaction, as importFinds does finds:
 * every row is checked, the whole file against itself and the database, and only a file without
 * problems is written. An accident whose reference is already recorded is updated (a new
 * version) when anything about it or its victims changed; the file lists each accident's victims
 * in full.
 */
export async function importAccidents(db: Db, options: AccidentImportOptions): Promise<AccidentImportReport> {
  const base = withComposedFields(options.mapping ?? DEFAULT_ACCIDENT_MAPPING);
  const mapping: AccidentMapping = { ...base, defaults: { ...base.defaults, ...(options.activity ? { activity: options.activity } : {}) } };
  // Victims' identifying details import only from the command line (no actor) or for restricted.read.
  const identitiesAllowed = options.actor === null || options.actor.permissions.has('restricted.read');
  const country = await countrySetting(db);
  const validator = new AccidentRowValidator(mapping, new Catalogue(await loadCatalogue(db)), options.today ?? new Date().toISOString().slice(0, 10));
  return runImport<AccidentImportReport>(db, options, {
    entityType: 'accident',
    mapping,
    extra: { victims: { created: 0, updated: 0, deleted: 0, unchanged: 0, identities: 0 } },
    checkColumns: (source, file) => checkColumns(source, mapping, file, identitiesAllowed),
    async stage(tx, source, problems, onRow) {
      const checked = checkedRows(
        source,
        problems,
        (feature) => {
          const accident = validator.validate(feature, problems);
          if (!accident) return null;
          const identity = accident.victim?.identity;
          if (identity && !identitiesAllowed) {
            const given = IDENTITY_FIELDS.filter((field) => identity[field] !== null);
            problems.add({ row: feature.row, field: given.join(', '), value: undefined, message: IDENTITY_REFUSED });
            return null;
          }
          return accidentStagingRow(accident);
        },
        onRow,
      );
      await createAccidentStaging(tx);
      await tx.bulkLoad('import_accident', ACCIDENT_STAGING_COLUMNS, checked.rows);
      if (checked.failed()) return null;
      await tx.exec('ANALYZE import_accident');
      await checkAccidentStaging(tx, problems, country, source.rowLabel);
      return { counts: await resolveAccidentStaging(tx), ignoredColumns: validator.ignoredColumns() };
    },
    async commit(tx, report, change) {
      await applyAccidentStaging(tx, change);
      return { victims: report.victims };
    },
  });
}

/** The report as lines for a terminal: the finds import's summary (counting accidents), the victims, then every problem. */
export function describeAccidentReport(report: AccidentImportReport): string[] {
  const [summary, ...rest] = describeReport(report);
  const v = report.victims;
  const victims = `victims: ${v.created} new, ${v.updated} updated, ${v.deleted} removed, ${v.unchanged} unchanged${v.identities > 0 ? `; identifying details of ${v.identities} victim(s) ${report.committed ? 'written' : 'to write'}` : ''}`;
  return [`${summary!.replace(/: (\d+) new,/, ': accidents: $1 new,')}; ${victims}`, ...rest];
}
