/**
 * Limits on what one request may ask of the server, checked at the edge before any schema or
 * handler sees the body. A real hazard or release product has hundreds of vertices, a detailed
 * survey a few thousand; 50,000 is far above any of them and still checked in well under a
 * second, so it refuses only what could hold the server.
 */
import { UserError } from '../errors.ts';

export const MAX_VERTICES_PER_GEOMETRY = 50_000;
export const MAX_VERTICES_PER_REQUEST = 50_000;

/** Positions under a `coordinates` member: arrays whose first element is a number. */
function positions(value: unknown, path: string, depth: number): number {
  if (!Array.isArray(value)) return 0;
  if (typeof value[0] === 'number') return 1;
  // A ring or line: count its positions without visiting each.
  if (Array.isArray(value[0]) && typeof (value[0] as unknown[])[0] === 'number') return value.length;
  if (depth > MAX_DEPTH) throw tooDeep(path);
  let count = 0;
  for (const item of value) count += positions(item, path, depth + 1);
  return count;
}

/** Deeper than any GeoJSON or API body; deeper bodies are refused rather than walked. */
const MAX_DEPTH = 64;

function tooDeep(path: string): UserError {
  return new UserError(`${path}: nested more than ${MAX_DEPTH} levels deep`, 'bad_input', { field: path });
}

/**
 * Every GeoJSON geometry (an object with `coordinates`) in a JSON body, where it is and how many
 * vertices it has. Walks the parsed body once.
 */
function geometries(value: unknown, path: string, found: { path: string; vertices: number }[], depth = 0): void {
  if (depth > MAX_DEPTH) throw tooDeep(path);
  if (Array.isArray(value)) {
    value.forEach((item, i) => geometries(item, `${path}.${i}`, found, depth + 1));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, member] of Object.entries(value)) {
    if (key === 'coordinates' && Array.isArray(member)) found.push({ path, vertices: positions(member, `${path}.coordinates`, depth) });
    else geometries(member, `${path}.${key}`, found, depth + 1);
  }
}

/** Refuses (413) a body with a geometry of more than MAX_VERTICES_PER_GEOMETRY vertices, or more than MAX_VERTICES_PER_REQUEST in all. */
export function checkVertexLimits(body: unknown): void {
  const found: { path: string; vertices: number }[] = [];
  geometries(body, 'body', found);
  const tooBig = found.find((g) => g.vertices > MAX_VERTICES_PER_GEOMETRY);
  if (tooBig) {
    throw new UserError(`${tooBig.path}.coordinates: ${tooBig.vertices} vertices; a geometry may have at most ${MAX_VERTICES_PER_GEOMETRY}`, 'too_large', {
      field: `${tooBig.path}.coordinates`,
      vertices: tooBig.vertices,
      limit: MAX_VERTICES_PER_GEOMETRY,
    });
  }
  const total = found.reduce((sum, g) => sum + g.vertices, 0);
  if (total > MAX_VERTICES_PER_REQUEST) {
    throw new UserError(`body: ${total} vertices in ${found.length} geometries; a request may carry at most ${MAX_VERTICES_PER_REQUEST}`, 'too_large', {
      field: 'body',
      vertices: total,
      limit: MAX_VERTICES_PER_REQUEST,
    });
  }
}

/**
 * The first string (or member name) holding a NUL character, by where it is. PostgreSQL text
 * cannot hold NUL, so such a value would fail deep in a query; it is refused at the edge instead,
 * naming the field, in every route's path, query and body alike.
 */
export function nulField(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return null;
  for (const [key, member] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${path}.${JSON.stringify(key)}`;
    const found = nulField(member, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Refuses (400) a request with a NUL character in any text of its path, query or JSON body. */
export function refuseNul(request: { params: unknown; query: unknown; body: unknown }, bodyIsJson: boolean): void {
  for (const [where, value] of [['path', request.params], ['query', request.query], ['body', bodyIsJson ? request.body : undefined]] as const) {
    const field = nulField(value, where);
    if (field) throw new UserError(`${field}: contains a NUL character (\\u0000), which no text may hold`, 'bad_input', { field });
  }
}
