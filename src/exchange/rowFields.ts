/**
 * A row's values by field, as every record type's row check reads them: each column to its field
 * through the mapping or the type's aliases (remembered per column), empty cells left out, the
 * mapping's defaults for fields the row lacks, and text values through the mapping's value maps.
 */
import { fieldByName, mapValue } from './mapping.ts';

export interface FieldMapping<F extends string> {
  fields: Record<string, F>;
  values: Partial<Record<string, Record<string, string>>>;
  defaults: Partial<Record<F, string | number>>;
}

export class RowFields<F extends string> {
  private readonly fields = new Map<string, F | null>();

  constructor(
    private readonly mapping: FieldMapping<F>,
    private readonly aliases: Readonly<Record<string, F>>,
  ) {}

  /** The columns seen so far that feed no field, for formats that declare no columns up front. */
  ignoredColumns(): string[] {
    return [...this.fields].filter(([, field]) => field === null).map(([column]) => column);
  }

  fieldOf(column: string): F | null {
    let field = this.fields.get(column);
    if (field === undefined) {
      field = fieldByName(column, this.mapping, this.aliases);
      this.fields.set(column, field);
    }
    return field;
  }

  /**
   * The row's non-empty values by field, then the defaults of the fields it lacks: each one
   * `takesDefault` accepts, given the row's values so far (accidents take victim defaults only
   * in rows that describe a victim).
   */
  values(properties: Record<string, unknown>, takesDefault: (field: F, values: ReadonlyMap<F, unknown>) => boolean = () => true): Map<F, unknown> {
    const values = new Map<F, unknown>();
    for (const [column, value] of Object.entries(properties)) {
      const field = this.fieldOf(column);
      if (field && !(value === null || value === undefined || (typeof value === 'string' && value.trim() === ''))) values.set(field, value);
    }
    for (const [field, value] of Object.entries(this.mapping.defaults) as [F, unknown][]) if (!values.has(field) && takesDefault(field, values)) values.set(field, value);
    return values;
  }

  /** A field's value as text, through the mapping's value map; null when the row has none. */
  text(values: ReadonlyMap<F, unknown>, field: F): string | null {
    const value = values.get(field);
    if (value === undefined) return null;
    const raw = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim();
    return mapValue(this.mapping, field, raw);
  }
}
