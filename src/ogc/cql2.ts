/**
 * CQL2 (OGC API – Features Part 3), text and JSON: basic CQL2, the advanced comparison
 * operators, CASEI and ACCENTI, and the spatial functions, parsed into one tree that the store
 * turns into parameterised SQL. Nothing here knows SQL; every literal stays a value, so no text
 * from a filter ever reaches a statement.
 *
 * Where an error is: a 1-based character offset into CQL2 text, or a path into CQL2 JSON
 * (`$.args[0].args[1]`).
 */
import type { Geometry, Position } from 'geojson';
import { UserError } from '../errors.ts';

export type ComparisonOp = '=' | '<>' | '<' | '>' | '<=' | '>=';

export const SPATIAL_FUNCTIONS = ['S_INTERSECTS', 'S_EQUALS', 'S_DISJOINT', 'S_TOUCHES', 'S_WITHIN', 'S_OVERLAPS', 'S_CROSSES', 'S_CONTAINS'] as const;
export type SpatialFunction = (typeof SPATIAL_FUNCTIONS)[number];

/** Case- and accent-insensitive comparison (CQL2 requirement classes of the same names). */
export const TEXT_FUNCTIONS = ['CASEI', 'ACCENTI'] as const;
export type TextFunction = (typeof TEXT_FUNCTIONS)[number];

/** A 1-based offset into CQL2 text, or a path into CQL2 JSON. */
export type At = number | string;

export type Scalar =
  | { kind: 'property'; name: string; at: At }
  | { kind: 'string'; value: string; at: At }
  | { kind: 'number'; value: number; at: At }
  | { kind: 'boolean'; value: boolean; at: At }
  | { kind: 'date'; value: string; at: At }
  | { kind: 'timestamp'; value: string; at: At }
  | { kind: 'function'; name: TextFunction; argument: Scalar; at: At };

export type GeometryOperand = { kind: 'property'; name: string; at: At } | { kind: 'geometry'; geometry: Geometry; at: At };

export type Filter =
  | { kind: 'and' | 'or'; operands: Filter[] }
  | { kind: 'not'; operand: Filter }
  | { kind: 'literal'; value: boolean }
  | { kind: 'comparison'; op: ComparisonOp; left: Scalar; right: Scalar }
  | { kind: 'like'; negated: boolean; value: Scalar; pattern: Scalar }
  | { kind: 'between'; negated: boolean; value: Scalar; low: Scalar; high: Scalar }
  | { kind: 'in'; negated: boolean; value: Scalar; list: Scalar[] }
  | { kind: 'isNull'; negated: boolean; value: Scalar }
  | { kind: 'spatial'; op: SpatialFunction; left: GeometryOperand; right: GeometryOperand };

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based offset of the token's first character. */
  at: number;
}

/** A problem in the filter, saying where. */
export function filterError(message: string, at: At): UserError {
  return typeof at === 'number'
    ? new UserError(`filter: ${message} at position ${at}`, 'invalid_request', { position: at })
    : new UserError(`filter: ${message} at ${at}`, 'invalid_request', { path: at });
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the filter' : JSON.stringify(token.text);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const at = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.:]*/.exec(text.slice(i))![0];
      tokens.push({ kind: 'word', text: match, at });
      i += match.length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i))![0];
      tokens.push({ kind: 'number', text: match, at });
      i += match.length;
    } else if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw filterError(`unterminated ${c === "'" ? 'string' : 'quoted name'} starting`, at);
        const d = text[j]!;
        if (d === c && text[j + 1] === c) {
          value += c;
          j += 2;
        } else if (c === "'" && d === '\\' && text[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (d === c) {
          j++;
          break;
        } else {
          value += d;
          j++;
        }
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text: value, at });
      i = j;
    } else {
      const symbol = ['<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '-', '+'].find((s) => text.startsWith(s, i));
      if (!symbol) throw filterError(`unexpected character ${JSON.stringify(c)}`, at);
      tokens.push({ kind: 'symbol', text: symbol, at });
      i += symbol.length;
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length + 1 });
  return tokens;
}

const RESERVED = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);
const COMPARISONS: readonly string[] = ['=', '<>', '<', '>', '<=', '>='];
const GEOMETRY_TYPES = ['POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON', 'GEOMETRYCOLLECTION', 'BBOX'];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Whether a YYYY-MM-DD text names a real day (no 31 February). Year 0000 is not one: RFC 3339's
 * grammar allows it, but PostgreSQL has no year zero (1 BC follows AD 1) and refuses it.
 */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match || match[1] === '0000') return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export function isTimestamp(text: string): boolean {
  return TIMESTAMP.test(text) && isCalendarDate(text.slice(0, 10)) && !Number.isNaN(new Date(text).getTime());
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private get token(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.token;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private isWord(word: string, offset = 0): boolean {
    const token = this.tokens[this.index + offset];
    return token?.kind === 'word' && token.text.toUpperCase() === word;
  }

  private isSymbol(symbol: string, offset = 0): boolean {
    const token = this.tokens[this.index + offset];
    return token?.kind === 'symbol' && token.text === symbol;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.index++;
    return true;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw filterError(`expected ${word}, found ${describe(this.token)}`, this.token.at);
  }

  private expectSymbol(symbol: string, context: string): void {
    if (!this.isSymbol(symbol)) throw filterError(`expected '${symbol}' ${context}, found ${describe(this.token)}`, this.token.at);
    this.index++;
  }

  parse(): Filter {
    if (this.token.kind === 'end') throw filterError('the filter is empty', this.token.at);
    const filter = this.orExpression();
    const rest: Token = this.token;
    if (rest.kind !== 'end') throw filterError(`expected AND, OR or the end of the filter, found ${describe(rest)}`, rest.at);
    return filter;
  }

  private orExpression(): Filter {
    const operands = [this.andExpression()];
    while (this.acceptWord('OR')) operands.push(this.andExpression());
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private andExpression(): Filter {
    const operands = [this.notExpression()];
    while (this.acceptWord('AND')) operands.push(this.notExpression());
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private notExpression(): Filter {
    if (this.acceptWord('NOT')) return { kind: 'not', operand: this.notExpression() };
    return this.primary();
  }

  private primary(): Filter {
    if (this.isSymbol('(')) {
      this.index++;
      const inner = this.orExpression();
      this.expectSymbol(')', 'to close the parenthesis');
      return inner;
    }
    const word = this.token.kind === 'word' ? this.token.text.toUpperCase() : '';
    if ((SPATIAL_FUNCTIONS as readonly string[]).includes(word) && this.isSymbol('(', 1)) return this.spatial(word as SpatialFunction);
    if (/^[ST]_[A-Z]+$/.test(word) && this.isSymbol('(', 1)) {
      throw filterError(`unknown function ${this.token.text}; this server knows ${SPATIAL_FUNCTIONS.join(', ')}`, this.token.at);
    }
    return this.predicate();
  }

  private spatial(op: SpatialFunction): Filter {
    this.index += 2;
    const left = this.geometryOperand();
    this.expectSymbol(',', `between the arguments of ${op}`);
    const right = this.geometryOperand();
    this.expectSymbol(')', `to close ${op}`);
    return { kind: 'spatial', op, left, right };
  }

  private predicate(): Filter {
    const value = this.scalar();
    const token = this.token;
    if (token.kind === 'symbol' && COMPARISONS.includes(token.text)) {
      this.index++;
      return { kind: 'comparison', op: token.text as ComparisonOp, left: value, right: this.scalar() };
    }
    if (this.acceptWord('IS')) {
      const negated = this.acceptWord('NOT');
      this.expectWord('NULL');
      return { kind: 'isNull', negated, value };
    }
    const negated = this.isWord('NOT') && (this.isWord('LIKE', 1) || this.isWord('BETWEEN', 1) || this.isWord('IN', 1));
    if (negated) this.index++;
    if (this.acceptWord('LIKE')) return { kind: 'like', negated, value, pattern: this.scalar() };
    if (this.acceptWord('BETWEEN')) {
      const low = this.scalar();
      this.expectWord('AND');
      return { kind: 'between', negated, value, low, high: this.scalar() };
    }
    if (this.acceptWord('IN')) {
      this.expectSymbol('(', 'to open the IN list');
      const list = [this.scalar()];
      while (this.isSymbol(',')) {
        this.index++;
        list.push(this.scalar());
      }
      this.expectSymbol(')', 'to close the IN list');
      return { kind: 'in', negated, value, list };
    }
    if (value.kind === 'boolean') return { kind: 'literal', value: value.value };
    throw filterError(`expected a comparison (=, <>, <, >, <=, >=), LIKE, BETWEEN, IN or IS NULL, found ${describe(token)}`, token.at);
  }

  private scalar(): Scalar {
    const token = this.token;
    if (token.kind === 'string') {
      this.index++;
      return { kind: 'string', value: token.text, at: token.at };
    }
    if (token.kind === 'number' || (token.kind === 'symbol' && (token.text === '-' || token.text === '+'))) {
      return { kind: 'number', value: this.number(), at: token.at };
    }
    if (token.kind === 'quoted') {
      this.index++;
      return { kind: 'property', name: token.text, at: token.at };
    }
    if (token.kind === 'word') {
      const word = token.text.toUpperCase();
      if (word === 'TRUE' || word === 'FALSE') {
        this.index++;
        return { kind: 'boolean', value: word === 'TRUE', at: token.at };
      }
      if ((word === 'DATE' || word === 'TIMESTAMP') && this.isSymbol('(', 1)) return this.instant(word);
      if ((TEXT_FUNCTIONS as readonly string[]).includes(word) && this.isSymbol('(', 1)) {
        this.index += 2;
        const argument = this.scalar();
        this.expectSymbol(')', `to close ${word}`);
        return { kind: 'function', name: word as TextFunction, argument, at: token.at };
      }
      if (RESERVED.has(word)) throw filterError(`expected a property name or a value, found the keyword ${word}`, token.at);
      if (this.isSymbol('(', 1)) throw filterError(`unknown function ${token.text}; this server knows ${TEXT_FUNCTIONS.join(', ')} and the spatial functions`, token.at);
      this.index++;
      return { kind: 'property', name: token.text, at: token.at };
    }
    throw filterError(`expected a property name or a value, found ${describe(token)}`, token.at);
  }

  private instant(word: 'DATE' | 'TIMESTAMP'): Scalar {
    const at = this.token.at;
    this.index += 2;
    const text = this.token;
    if (text.kind !== 'string') throw filterError(`expected a quoted ${word === 'DATE' ? 'date' : 'timestamp'} in ${word}(...), found ${describe(text)}`, text.at);
    this.index++;
    if (word === 'DATE' && !isCalendarDate(text.text)) throw filterError(`${JSON.stringify(text.text)} is not a date (YYYY-MM-DD)`, text.at);
    if (word === 'TIMESTAMP' && !isTimestamp(text.text)) {
      throw filterError(`${JSON.stringify(text.text)} is not a timestamp (YYYY-MM-DDThh:mm:ssZ, RFC 3339)`, text.at);
    }
    this.expectSymbol(')', `to close ${word}`);
    return { kind: word === 'DATE' ? 'date' : 'timestamp', value: text.text, at };
  }

  private number(): number {
    let sign = 1;
    if (this.isSymbol('-') || this.isSymbol('+')) sign = this.next().text === '-' ? -1 : 1;
    const token = this.token;
    if (token.kind !== 'number') throw filterError(`expected a number, found ${describe(token)}`, token.at);
    this.index++;
    return sign * Number(token.text);
  }

  private geometryOperand(): GeometryOperand {
    const token = this.token;
    if (token.kind === 'quoted') {
      this.index++;
      return { kind: 'property', name: token.text, at: token.at };
    }
    if (token.kind === 'word' && GEOMETRY_TYPES.includes(token.text.toUpperCase())) {
      return { kind: 'geometry', geometry: this.geometryLiteral(), at: token.at };
    }
    if (token.kind === 'word' && !RESERVED.has(token.text.toUpperCase())) {
      this.index++;
      return { kind: 'property', name: token.text, at: token.at };
    }
    throw filterError(`expected a geometry property, a WKT geometry or BBOX(...), found ${describe(token)}`, token.at);
  }

  /** WKT (with an optional Z) or BBOX(minx, miny, maxx, maxy), as GeoJSON in the filter's CRS and axis order. */
  private geometryLiteral(): Geometry {
    const type = this.next().text.toUpperCase();
    if (type === 'BBOX') {
      this.expectSymbol('(', 'after BBOX');
      const at = this.token.at;
      const values = [this.number()];
      while (this.isSymbol(',')) {
        this.index++;
        values.push(this.number());
      }
      this.expectSymbol(')', 'to close BBOX');
      if (values.length !== 4 && values.length !== 6) throw filterError(`BBOX takes 4 or 6 numbers, got ${values.length}`, at);
      const [x1, y1, x2, y2] = values.length === 4 ? values : [values[0]!, values[1]!, values[3]!, values[4]!];
      return { type: 'Polygon', coordinates: [[[x1!, y1!], [x2!, y1!], [x2!, y2!], [x1!, y2!], [x1!, y1!]]] };
    }
    this.acceptWord('Z');
    switch (type) {
      case 'POINT':
        return { type: 'Point', coordinates: this.parenthesised(() => this.position()) };
      case 'LINESTRING':
        return { type: 'LineString', coordinates: this.lineString(2) };
      case 'POLYGON':
        return { type: 'Polygon', coordinates: this.polygon() };
      case 'MULTIPOINT':
        return { type: 'MultiPoint', coordinates: this.list(() => (this.isSymbol('(') ? this.parenthesised(() => this.position()) : this.position())) };
      case 'MULTILINESTRING':
        return { type: 'MultiLineString', coordinates: this.list(() => this.lineString(2)) };
      case 'MULTIPOLYGON':
        return { type: 'MultiPolygon', coordinates: this.list(() => this.polygon()) };
      default:
        return { type: 'GeometryCollection', geometries: this.list(() => this.geometryLiteral()) };
    }
  }

  private parenthesised<T>(item: () => T): T {
    this.expectSymbol('(', 'to open the coordinates');
    const value = item();
    this.expectSymbol(')', 'to close the coordinates');
    return value;
  }

  private list<T>(item: () => T): T[] {
    return this.parenthesised(() => {
      const items = [item()];
      while (this.isSymbol(',')) {
        this.index++;
        items.push(item());
      }
      return items;
    });
  }

  private position(): Position {
    const at = this.token.at;
    const coordinates = [this.number(), this.number()];
    if (this.token.kind === 'number' || this.isSymbol('-') || this.isSymbol('+')) coordinates.push(this.number());
    if (!coordinates.every(Number.isFinite)) throw filterError('coordinates must be finite numbers', at);
    return coordinates;
  }

  private lineString(minimum: number): Position[] {
    const at = this.token.at;
    const positions = this.list(() => this.position());
    if (positions.length < minimum) throw filterError(`a line needs at least ${minimum} positions, got ${positions.length}`, at);
    return positions;
  }

  private polygon(): Position[][] {
    return this.list(() => {
      const at = this.token.at;
      const ring = this.lineString(4);
      const first = ring[0]!;
      const last = ring.at(-1)!;
      if (first[0] !== last[0] || first[1] !== last[1]) throw filterError('a polygon ring must end where it starts', at);
      return ring;
    });
  }
}

/** Parses CQL2 text; a UserError names what is wrong and where. */
export function parseCql2(text: string): Filter {
  return new Parser(tokenize(text)).parse();
}

// CQL2 JSON -------------------------------------------------------------------------------------

const JSON_COMPARISONS: Record<string, ComparisonOp> = { '=': '=', '<>': '<>', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };
const GEOJSON_TYPES = ['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The arguments of `{"op": ..., "args": [...]}`, checked for their number. */
function args(node: { [key: string]: Json }, at: string, count: number | [number, number]): Json[] {
  const list = node.args;
  const [min, max] = typeof count === 'number' ? [count, count] : count;
  if (!Array.isArray(list) || list.length < min || list.length > max) {
    throw filterError(`"${String(node.op)}" takes ${min === max ? min : `${min} or more`} argument${max === 1 ? '' : 's'} in "args"`, at);
  }
  return list;
}

function jsonScalar(value: Json, at: string): Scalar {
  if (typeof value === 'string') return { kind: 'string', value, at };
  if (typeof value === 'number') return { kind: 'number', value, at };
  if (typeof value === 'boolean') return { kind: 'boolean', value, at };
  if (isObject(value)) {
    if (typeof value.property === 'string') return { kind: 'property', name: value.property, at };
    if (typeof value.date === 'string') {
      if (!isCalendarDate(value.date)) throw filterError(`${JSON.stringify(value.date)} is not a date (YYYY-MM-DD)`, at);
      return { kind: 'date', value: value.date, at };
    }
    if (typeof value.timestamp === 'string') {
      if (!isTimestamp(value.timestamp)) throw filterError(`${JSON.stringify(value.timestamp)} is not a timestamp (YYYY-MM-DDThh:mm:ssZ, RFC 3339)`, at);
      return { kind: 'timestamp', value: value.timestamp, at };
    }
    const name = typeof value.op === 'string' ? value.op.toUpperCase() : '';
    if ((TEXT_FUNCTIONS as readonly string[]).includes(name)) {
      return { kind: 'function', name: name as TextFunction, argument: jsonScalar(args(value, at, 1)[0]!, `${at}.args[0]`), at };
    }
    if (typeof value.op === 'string') throw filterError(`unknown function ${JSON.stringify(value.op)}; this server knows ${TEXT_FUNCTIONS.map((f) => f.toLowerCase()).join(', ')}`, at);
  }
  throw filterError(`expected a property ({"property": ...}), a string, a number, a boolean, {"date": ...} or {"timestamp": ...}, found ${JSON.stringify(value)}`, at);
}

function jsonGeometry(value: Json, at: string): GeometryOperand {
  if (isObject(value) && typeof value.property === 'string') return { kind: 'property', name: value.property, at };
  if (isObject(value) && Array.isArray(value.bbox)) {
    const numbers = value.bbox;
    if ((numbers.length !== 4 && numbers.length !== 6) || !numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw filterError('"bbox" takes 4 or 6 numbers', at);
    }
    const [x1, y1, x2, y2] = (numbers.length === 4 ? numbers : [numbers[0], numbers[1], numbers[3], numbers[4]]) as number[];
    return { kind: 'geometry', geometry: { type: 'Polygon', coordinates: [[[x1!, y1!], [x2!, y1!], [x2!, y2!], [x1!, y2!], [x1!, y1!]]] }, at };
  }
  if (isObject(value) && typeof value.type === 'string' && GEOJSON_TYPES.includes(value.type)) {
    return { kind: 'geometry', geometry: value as unknown as Geometry, at };
  }
  throw filterError(`expected a geometry property, a GeoJSON geometry or {"bbox": [...]}, found ${JSON.stringify(value)}`, at);
}

function jsonFilter(value: Json, at: string): Filter {
  if (typeof value === 'boolean') return { kind: 'literal', value };
  if (!isObject(value) || typeof value.op !== 'string') throw filterError(`expected {"op": ..., "args": [...]} or a boolean, found ${JSON.stringify(value)}`, at);
  const op = value.op;
  const arg = (i: number) => `${at}.args[${i}]`;
  const lower = op.toLowerCase();
  if (lower === 'and' || lower === 'or') return { kind: lower, operands: args(value, at, [2, Infinity]).map((a, i) => jsonFilter(a, arg(i))) };
  if (lower === 'not') return { kind: 'not', operand: jsonFilter(args(value, at, 1)[0]!, arg(0)) };
  if (op in JSON_COMPARISONS) {
    const [left, right] = args(value, at, 2);
    return { kind: 'comparison', op: JSON_COMPARISONS[op]!, left: jsonScalar(left!, arg(0)), right: jsonScalar(right!, arg(1)) };
  }
  if (lower === 'like') {
    const [left, pattern] = args(value, at, 2);
    return { kind: 'like', negated: false, value: jsonScalar(left!, arg(0)), pattern: jsonScalar(pattern!, arg(1)) };
  }
  if (lower === 'between') {
    const [left, low, high] = args(value, at, 3);
    return { kind: 'between', negated: false, value: jsonScalar(left!, arg(0)), low: jsonScalar(low!, arg(1)), high: jsonScalar(high!, arg(2)) };
  }
  if (lower === 'in') {
    const [left, list] = args(value, at, 2);
    if (!Array.isArray(list) || list.length === 0) throw filterError('"in" takes a value and a non-empty array of values', arg(1));
    return { kind: 'in', negated: false, value: jsonScalar(left!, arg(0)), list: list.map((item, i) => jsonScalar(item, `${arg(1)}[${i}]`)) };
  }
  if (lower === 'isnull') return { kind: 'isNull', negated: false, value: jsonScalar(args(value, at, 1)[0]!, arg(0)) };
  const spatial = op.toUpperCase();
  if ((SPATIAL_FUNCTIONS as readonly string[]).includes(spatial)) {
    const [left, right] = args(value, at, 2);
    return { kind: 'spatial', op: spatial as SpatialFunction, left: jsonGeometry(left!, arg(0)), right: jsonGeometry(right!, arg(1)) };
  }
  throw filterError(`unknown operator ${JSON.stringify(op)}`, at);
}

/** Parses CQL2 JSON (filter-lang=cql2-json); a UserError names what is wrong and where. */
export function parseCql2Json(text: string): Filter {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (error) {
    throw new UserError(`filter: not JSON (filter-lang=cql2-json): ${(error as Error).message}`, 'invalid_request');
  }
  return jsonFilter(value, '$');
}
