import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { ROLES } from '../src/access/permissions.ts';
import { mulberry32 } from '../src/mulberry32.ts';
import type { Db } from '../src/store/db.ts';
import type { Actors } from './support/actors.ts';
import { testBackends } from './support/backends.ts';
import { openTestServer } from './support/server.ts';
import { closeTestServer } from './support/store.ts';

/**
 * Fuzzing over the server's own OpenAPI document: every route and method, as every role and
 * anonymously, with parameters and bodies drawn from the route's schemas and bent out of them
 * (empty strings, huge and negative numbers, wrong types, unicode, long strings, NUL bytes,
 * malformed ids, malformed JSON). Any 5xx, or any request slower than DEADLINE_MS, fails the test
 * with the request that did it. The generator is seeded (SAFEGROUND_FUZZ_SEED, printed), so a
 * failure replays; the run stops after SAFEGROUND_FUZZ_SECONDS per backend.
 */
const SEED = Number(process.env.SAFEGROUND_FUZZ_SEED ?? 22);
const SECONDS = Number(process.env.SAFEGROUND_FUZZ_SECONDS ?? (process.env.SAFEGROUND_TEST_DATABASE_URL ? 30 : 45));
const DEADLINE_MS = 5000;
/** A backup copies the whole store: its own deadline, and fuzzed once per role, not on every pass. */
const SLOW_ROUTES: Record<string, number> = { 'POST /api/admin/backup': 60_000 };

interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: Schema | null;
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Strings that break naive code: the point of fuzzing. */
const NASTY_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  'x'.repeat(10_000),
  'é'.repeat(3000),
  '💣🧨'.repeat(50),
  '\u202e\u200b\ufeff',
  "'; DROP TABLE hazard; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00%ff',
  '\\',
  '\ud800',
  'null',
  '-1',
  '1e309',
  'NaN',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-4000-8000-00000000000g',
  '12345678-1234-1234-1234-1234567890ab',
  '2026-02-30',
  '9999-12-31T23:59:59Z',
  '0000-01-01',
];

const ALPHABET = Array.from('abcdefghijklmnopqrstuvwxyz0123456789 -_.,éß中');

const NASTY_NUMBERS = [0, -1, 1, 0.5, -0.0, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324, 123456789012];

function uuid(random: Random): string {
  const hex = () => Math.floor(random() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-${pick(random, ['8', '9', 'a', 'b'])}${part(3)}-${part(12)}`;
}

/** Something of the wrong kind for any schema. */
function wrongType(random: Random): unknown {
  return pick(random, [null, true, 0, -1, 1e308, '', 'x', [], [[]], {}, { a: 1 }, 'a\u0000b', ['\u0000']]);
}

/** A value that fits the schema, mostly; `wildness` is the chance at each level of a bad one. */
function valueOf(schema: Schema, random: Random, wildness: number, depth = 0): unknown {
  if (random() < wildness) {
    const r = random();
    if (r < 0.35) return pick(random, NASTY_STRINGS);
    if (r < 0.6) return pick(random, NASTY_NUMBERS);
    return wrongType(random);
  }
  if (schema.nullable && random() < 0.1) return null;
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices?.length) return valueOf(pick(random, choices), random, wildness, depth + 1);
  if (schema.allOf?.length) return valueOf(Object.assign({}, ...schema.allOf) as Schema, random, wildness, depth + 1);
  if (schema.enum?.length) return pick(random, schema.enum);
  if (depth > 6) return null;
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'uuid') return uuid(random);
      if (schema.format === 'date') return pick(random, ['2024-01-01', '2020-06-30', '1999-12-31']);
      if (schema.format === 'date-time') return pick(random, ['2024-01-01T00:00:00Z', '2020-06-30T12:30:00+02:00']);
      const length = Math.min(schema.maxLength ?? 24, Math.max(schema.minLength ?? 1, Math.floor(random() * 24)));
      return Array.from({ length }, () => pick(random, ALPHABET)).join('');
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1000;
      const max = Math.min(schema.maximum ?? 1000, min + 1e6);
      const n = min + random() * (max - min);
      return schema.type === 'integer' ? Math.round(n) : n;
    }
    case 'boolean':
      return random() < 0.5;
    case 'array': {
      const length = Math.min(schema.maxItems ?? 5, Math.max(schema.minItems ?? 0, Math.floor(random() * 5)));
      return Array.from({ length }, () => valueOf(schema.items ?? {}, random, wildness, depth + 1));
    }
    case 'object':
    case undefined: {
      if (!schema.properties) return schema.type === 'object' ? {} : pick(random, ['x', 1, true, {}]);
      const object: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(schema.properties)) {
        const required = schema.required?.includes(name) ?? false;
        if (required ? random() < 0.95 : random() < 0.6) object[name] = valueOf(property, random, wildness, depth + 1);
      }
      if (random() < wildness) object[pick(random, ['unknownField', '__proto__', 'constructor', ''])] = wrongType(random);
      return object;
    }
    default:
      return null;
  }
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

/** A path parameter: mostly of its schema, else a malformed one. */
function pathValue(parameter: Parameter, random: Random, wildness: number): string {
  const value = random() < wildness ? pick(random, [...NASTY_STRINGS.filter((s) => s !== ''), '0', '99999999999', '-5', '1.5', 'abc', '..']) : valueOf(parameter.schema, random, 0);
  return encodePath(textOf(value));
}

function operations(document: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>> }): Operation[] {
  const list: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      list.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content['application/json']?.schema ?? null,
      });
    }
  }
  return list;
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

function request(operation: Operation, random: Random, headers: Record<string, string>): FuzzRequest {
  const wildness = pick(random, [0, 0.05, 0.2, 0.5]);
  let url = operation.path;
  for (const parameter of operation.parameters.filter((p) => p.in === 'path')) url = url.replace(`{${parameter.name}}`, pathValue(parameter, random, wildness));
  const query = new URLSearchParams();
  for (const parameter of operation.parameters.filter((p) => p.in === 'query')) {
    if (!parameter.required && random() < 0.5) continue;
    query.append(parameter.name, textOf(valueOf(parameter.schema, random, wildness)));
  }
  if (random() < wildness) query.append(pick(random, ['bbox', 'limit', 'offset', 'f', 'page', 'zz']), pick(random, NASTY_STRINGS));
  const search = query.toString();
  const fuzz: FuzzRequest = { method: operation.method, url: search ? `${url}?${search}` : url, headers: { ...headers } };
  if (operation.method !== 'GET' && operation.method !== 'DELETE') {
    const r = random();
    if (r < wildness * 0.3) {
      fuzz.headers['content-type'] = 'application/json';
      fuzz.payload = pick(random, ['{', '{"a":', '[1,2', 'null', '"\u0000"', '{"a":"\\u0000"}', '']);
    } else if (r < wildness * 0.4) {
      fuzz.headers['content-type'] = pick(random, ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']);
      fuzz.payload = 'a\u0000b';
    } else {
      fuzz.headers['content-type'] = 'application/json';
      fuzz.payload = JSON.stringify(operation.body ? valueOf(operation.body, random, wildness) : {});
    }
  }
  return fuzz;
}

/**
 * The systematic part: a request of valid values, then each path parameter, query parameter and
 * top-level body field in turn set to a NUL-bearing string and to one other edge value.
 */
function edgeRequests(operation: Operation, random: Random, headers: Record<string, string>): FuzzRequest[] {
  const path = new Map(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, textOf(valueOf(p.schema, random, 0))]));
  const query = new Map(operation.parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, textOf(valueOf(p.schema, random, 0))]));
  const body = operation.body ? (valueOf(operation.body, random, 0) as Record<string, unknown>) : null;
  const build = (pathValues: Map<string, string>, queryValues: Map<string, string>, bodyValue: unknown): FuzzRequest => {
    let url = operation.path;
    for (const [name, value] of pathValues) url = url.replace(`{${name}}`, encodePath(value));
    const search = new URLSearchParams([...queryValues]).toString();
    const fuzz: FuzzRequest = { method: operation.method, url: search ? `${url}?${search}` : url, headers: { ...headers } };
    if (operation.method !== 'GET' && operation.method !== 'DELETE') {
      fuzz.headers['content-type'] = 'application/json';
      fuzz.payload = JSON.stringify(bodyValue ?? {});
    }
    return fuzz;
  };
  const edges = (): unknown[] => ['a\u0000b', random() < 0.5 ? pick(random, NASTY_STRINGS) : pick(random, NASTY_NUMBERS)];
  const requests: FuzzRequest[] = [build(path, query, body)];
  for (const name of path.keys()) for (const edge of edges()) requests.push(build(new Map([...path, [name, textOf(edge)]]), query, body));
  for (const parameter of operation.parameters.filter((p) => p.in === 'query')) {
    for (const edge of edges()) requests.push(build(path, new Map([...query, [parameter.name, textOf(edge)]]), body));
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const name of Object.keys(operation.body?.properties ?? {})) for (const edge of edges()) requests.push(build(path, query, { ...body, [name]: edge }));
  }
  return requests;
}

function encodePath(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate has no UTF-8 form: send the bytes a careless client would.
    return '%ED%A0%80';
  }
}

function describeRequest(who: string, fuzz: FuzzRequest, index: number): string {
  const body = fuzz.payload === undefined ? '' : ` body ${fuzz.payload.length > 400 ? `${fuzz.payload.slice(0, 400)}… (${fuzz.payload.length} chars)` : fuzz.payload}`;
  return `#${index} as ${who}: ${fuzz.method} ${fuzz.url.length > 300 ? `${fuzz.url.slice(0, 300)}…` : fuzz.url}${body}`;
}

for (const backend of testBackends()) {
  describe(`fuzzing the OpenAPI routes on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    before(async () => {
      ({ db, actors, app } = await openTestServer(backend));
    });
    after(() => closeTestServer({ db, app }));

    test(`no 5xx and none slower than ${DEADLINE_MS} ms (seed ${SEED}, ${SECONDS} s)`, async (t) => {
      const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<Parameters<typeof operations>[0]>();
      const list = operations(document);
      assert.ok(list.length > 100, `the document lists ${list.length} operations`);
      const random = mulberry32(SEED);
      const who = ['anonymous', ...ROLES, 'field_user_b'] as const;
      /** The first failing request of each operation and kind of failure, and how many more failed so. */
      const failures = new Map<string, { first: string; count: number }>();
      const fail = (kind: string, key: string, description: string) => {
        const seen = failures.get(`${key} ${kind}`);
        if (seen) seen.count++;
        else failures.set(`${key} ${kind}`, { first: description, count: 1 });
      };
      const statuses = new Map<number, number>();
      const covered = new Set<string>();
      const stopAt = Date.now() + SECONDS * 1000;
      let index = 0;
      const send = async (role: string, fuzz: FuzzRequest, key: string): Promise<void> => {
        index++;
        const deadline = SLOW_ROUTES[key] ?? DEADLINE_MS;
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        let answer;
        try {
          answer = await Promise.race([
            app.inject(fuzz as InjectOptions),
            new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), deadline))),
          ]);
        } catch (error) {
          // A stream the server broke off half-way (an error after the headers were sent).
          clearTimeout(timer);
          fail('broken', key, `${(error as Error).message}: ${describeRequest(role, fuzz, index)}`);
          return;
        }
        clearTimeout(timer);
        const ms = performance.now() - started;
        covered.add(key);
        if (answer === null) {
          fail('timeout', key, `no answer within ${deadline} ms: ${describeRequest(role, fuzz, index)}`);
          return;
        }
        statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
        // Requests with a NUL byte are grouped apart, so that a 5xx of another cause is not hidden among them.
        const sent = `${fuzz.url} ${fuzz.payload ?? ''}`;
        const nul = sent.includes('\\u0000') || sent.includes('%00') || sent.includes('\0');
        if (answer.statusCode >= 500) fail(`${answer.statusCode}${nul ? ' NUL' : ''}`, key, `${answer.statusCode} ${answer.body.slice(0, 200)}: ${describeRequest(role, fuzz, index)}`);
        else if (ms > deadline) fail('slow', key, `${Math.round(ms)} ms: ${describeRequest(role, fuzz, index)}`);
      };
      const full = () => Date.now() >= stopAt;
      for (const operation of list) {
        const key = `${operation.method} ${operation.path}`;
        const edges = edgeRequests(operation, random, actors.auth('administrator'));
        for (const fuzz of SLOW_ROUTES[key] ? edges.slice(0, 1) : edges) if (!full()) await send('administrator', fuzz, key);
      }
      const edgeRequestCount = index;
      for (let pass = 0; !full(); pass++) {
        for (const operation of list) {
          const key = `${operation.method} ${operation.path}`;
          for (const role of who) {
            if (full()) break;
            const fuzz = request(operation, random, role === 'anonymous' ? {} : actors.auth(role));
            if (SLOW_ROUTES[key] && pass > 0) continue;
            await send(role, fuzz, key);
          }
        }
      }
      t.diagnostic(`${edgeRequestCount} edge and ${index - edgeRequestCount} random requests over ${covered.size} of ${list.length} operations; statuses ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
      const report = [...failures.values()].map(({ first, count }) => (count > 1 ? `${first} (and ${count - 1} more like it)` : first));
      assert.deepEqual(report, [], `replay with SAFEGROUND_FUZZ_SEED=${SEED} SAFEGROUND_FUZZ_SECONDS=${SECONDS}`);
      assert.equal(covered.size, list.length, 'every operation was fuzzed at least once; raise SAFEGROUND_FUZZ_SECONDS on a slow machine');
    });
  });
}
