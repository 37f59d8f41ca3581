/**
 * OGC API – Features under /ogc: Part 1 (core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS),
 * Part 3 (CQL2 text and JSON filters, queryables), Part 4 (create, replace, update, delete
 * hazards, through reports), Part 5 (schemas) and the drafts for sorting (sortby, sortables) and
 * property selection. Each collection has routes of its own, so each names the permission it
 * needs and the route × role test covers it; the gazetteer is public, operational data needs
 * data.read.
 */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Geometry } from 'geojson';
import { z } from 'zod';
import type { Actor, Permission } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { apiError } from '../http/errors.ts';
import { openApiDocument } from '../http/openapi.ts';
import { type Context, type Route, route } from '../http/route.ts';
import { PolygonGeometry } from '../land/geometry.ts';
import { createReport, reportJson, submitReport } from '../reports/workflow.ts';
import type { Db } from '../store/db.ts';
import { parseCql2, parseCql2Json } from './cql2.ts';
import { CRS84, type Crs, offeredCrs, parseCrs } from './crs.ts';
import { escapeHtml, type Link, page, table } from './html.ts';
import { cursorParameter, parseBbox, parseCursor, parseDatetime, parseIfMatch, parseProperties, parseSortby, wantsHtml } from './query.ts';
import * as store from './store.ts';
import type { Collection, Cursor, Extent, FeatureRow, FeatureText, ItemQuery, Property } from './store.ts';

const GEOJSON = 'application/geo+json';
const JSON_TYPE = 'application/json';
const HTML = 'text/html';
const OPENAPI = 'application/vnd.oai.openapi+json;version=3.0';
const SCHEMA = 'application/schema+json';

/**
 * The most a page holds (larger limits are cut to it, as Part 1 asks), and the page a client gets
 * when it does not say. Both are advertised in the API definition: QGIS pages by
 * max(1000, default) up to the maximum, GDAL from 3.8 by the maximum; GDAL 3.6 and 3.7 read
 * neither and page by their PAGE_SIZE option (10 unless set). A page is streamed from the
 * database CHUNK features at a time, so its size costs no memory.
 */
export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = MAX_LIMIT;

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/property-property',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags',
  'http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas',
  'http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sortables',
  'http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting',
  'http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/features-sorting',
];

const REL_CONFORMANCE = 'http://www.opengis.net/def/rel/ogc/1.0/conformance';
const REL_DATA = 'http://www.opengis.net/def/rel/ogc/1.0/data';
const REL_QUERYABLES = 'http://www.opengis.net/def/rel/ogc/1.0/queryables';
const REL_SORTABLES = 'http://www.opengis.net/def/rel/ogc/1.0/sortables';
const REL_SCHEMA = 'http://www.opengis.net/def/rel/ogc/1.0/schema';

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The request's own URL with some query parameters set (a value) or removed (undefined). */
function selfWith(request: FastifyRequest, changes: Record<string, string | undefined>): string {
  const url = new URL(request.url, origin(request));
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  return url.toString();
}

/** self in the format answered, alternate in the other. */
function formatLinks(request: FastifyRequest, html: boolean, jsonType: string): Link[] {
  return [
    { href: selfWith(request, {}), rel: 'self', type: html ? HTML : jsonType, title: 'This document' },
    { href: selfWith(request, { f: html ? 'json' : 'html' }), rel: 'alternate', type: html ? jsonType : HTML, title: html ? 'This document as JSON' : 'This document as HTML' },
  ];
}

function answer(reply: FastifyReply, html: boolean, type: string, json: unknown, render: () => string): unknown {
  reply.type(html ? 'text/html; charset=utf-8' : type);
  return html ? render() : json;
}

const Format = { f: z.enum(['json', 'html']).optional() };
const NoQuery = z.strictObject(Format);

/** A document of the API as JSON, and the same as an HTML page, drawn only when asked for. */
interface Document {
  json: unknown;
  page: () => string;
}

/**
 * GET one document of the API (landing page, conformance, collections, a collection, its
 * schemas): JSON of `type`, or an HTML page when `f=html` or the Accept header asks for one.
 */
function documentRoute(
  parts: { path: string; summary: string; permission: Permission; readOnly?: true; type: string },
  document: (context: Context<unknown, z.infer<typeof NoQuery>, unknown>, html: boolean) => Document | Promise<Document>,
): Route {
  const { type, ...area } = parts;
  return route({
    method: 'GET',
    ...area,
    tag: 'ogc',
    query: NoQuery,
    async handler(context) {
      const html = wantsHtml(context.query.f, context.request.headers.accept);
      const { json, page } = await document(context, html);
      return answer(context.reply, html, type, json, page);
    },
  });
}

// Collections -----------------------------------------------------------------------------------

function mayRead(actor: Actor, collection: Collection): boolean {
  return actor.permissions.has(collection.permission);
}

function dataRead(actor: Actor): boolean {
  return actor.permissions.has('data.read');
}

/** The instance's area, for the UTM zones it offers: every collection but the administrative areas, which may hold whole countries. */
function instanceBbox(all: Map<string, Extent>): [number, number, number, number] | null {
  const boxes = [...all.entries()].filter(([id, e]) => id !== 'administrative-areas' && e.bbox).map(([, e]) => e.bbox!);
  if (boxes.length === 0) return null;
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
}

function collectionJson(request: FastifyRequest, collection: Collection, all: Map<string, Extent>) {
  const base = `${origin(request)}/ogc/collections/${collection.id}`;
  const extent = all.get(collection.id)!;
  return {
    id: collection.id,
    title: collection.title,
    description: collection.description,
    itemType: 'feature',
    extent: {
      ...(extent.bbox ? { spatial: { bbox: [extent.bbox], crs: CRS84 } } : {}),
      ...(extent.interval ? { temporal: { interval: [extent.interval], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' } } : {}),
    },
    crs: offeredCrs(instanceBbox(all)),
    storageCrs: CRS84,
    links: [
      { href: base, rel: 'self', type: JSON_TYPE, title: collection.title },
      { href: `${base}?f=html`, rel: 'alternate', type: HTML, title: `${collection.title} as HTML` },
      { href: `${base}/items`, rel: 'items', type: GEOJSON, title: `${collection.title}: features` },
      { href: `${base}/items?f=html`, rel: 'items', type: HTML, title: `${collection.title}: features as HTML` },
      { href: `${base}/queryables`, rel: REL_QUERYABLES, type: SCHEMA, title: `What ${collection.title.toLowerCase()} can be filtered on` },
      { href: `${base}/sortables`, rel: REL_SORTABLES, type: SCHEMA, title: `What ${collection.title.toLowerCase()} can be sorted by` },
      { href: `${base}/schema`, rel: REL_SCHEMA, type: SCHEMA, title: `The properties of ${collection.title.toLowerCase()} and their types` },
      ...(collection.enclosure ? [{ href: `${origin(request)}${collection.enclosure.path}`, rel: 'enclosure', type: collection.enclosure.type, title: collection.enclosure.title }] : []),
    ],
  };
}

function propertySchema(property: Pick<Property, 'type' | 'description' | 'enum'>): Record<string, unknown> {
  const schema: Record<Property['type'], Record<string, unknown>> = {
    string: { type: 'string' },
    uuid: { type: 'string', format: 'uuid' },
    integer: { type: 'integer' },
    number: { type: 'number' },
    boolean: { type: 'boolean' },
    date: { type: 'string', format: 'date' },
    'date-time': { type: 'string', format: 'date-time' },
    array: { type: 'array', items: { type: 'string' } },
    names: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, language: { type: 'string' }, kind: { type: 'string' } } } },
  };
  const values = property.enum ? (property.type === 'array' ? { items: { type: 'string', enum: property.enum } } : { enum: property.enum }) : {};
  return { ...schema[property.type], ...values, description: property.description };
}

/** Properties the server sets, which a write ignores. */
const READ_ONLY = new Set(['version', 'createdAt', 'updatedAt']);

/** JSON Schema of the queryable (or sortable) properties: Part 3 and the sorting draft describe both alike. */
function queryablesJson(url: string, collection: Collection, actor: Actor, withGeometry: boolean) {
  const properties: Record<string, unknown> = withGeometry
    ? { [store.GEOMETRY_PROPERTY]: { format: `geometry-${collection.geometryType.toLowerCase()}`, description: 'The feature geometry; in filters, use S_INTERSECTS and the other spatial functions' } }
    : {};
  for (const p of store.visibleProperties(collection, dataRead(actor)).filter(store.isQueryable)) properties[p.name] = { title: p.name, ...propertySchema(p) };
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: url, type: 'object', title: collection.title, properties, additionalProperties: false };
}

/**
 * Part 5 schema of a feature: its id, its geometry and every property the caller may see, in
 * order, with types and formats. Recent QGIS versions (3.44 onwards) take field types from it.
 */
function schemaJson(url: string, collection: Collection, actor: Actor) {
  const properties: Record<string, unknown> = {
    id: { 'x-ogc-role': 'id', title: 'id', type: 'string', format: 'uuid', readOnly: true, 'x-ogc-propertySeq': 1 },
    [store.GEOMETRY_PROPERTY]: { 'x-ogc-role': 'primary-geometry', format: `geometry-${collection.geometryType.toLowerCase()}` },
  };
  store.visibleProperties(collection, dataRead(actor)).forEach((p, i) => {
    properties[p.name] = { title: p.name, ...propertySchema(p), ...(READ_ONLY.has(p.name) ? { readOnly: true } : {}), 'x-ogc-propertySeq': i + 2 };
  });
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: url, type: 'object', title: collection.title, description: collection.description, properties };
}

// Features --------------------------------------------------------------------------------------

function featureJson(request: FastifyRequest, collection: Collection, row: FeatureRow) {
  const href = `${origin(request)}/ogc/collections/${collection.id}/items/${row.id}`;
  return {
    type: 'Feature',
    id: row.id,
    geometry: row.geometry,
    properties: row.properties,
    links: [
      { href, rel: 'self', type: GEOJSON },
      { href: `${origin(request)}/ogc/collections/${collection.id}`, rel: 'collection', type: JSON_TYPE },
    ],
  };
}

function contentCrs(reply: FastifyReply, crs: Crs): void {
  reply.header('Content-Crs', `<${crs.uri}>`);
}

/** Comma-separated lists (sortby, properties) are arrays in the API definition, as the drafts write them. */
const List = (description: string) => z.string().max(5000).optional().meta({ description });

function itemsQuery(collection: Collection) {
  const queryables = Object.fromEntries(collection.properties.filter(store.isQueryable).map((p) => [p.name, z.string().max(1000).optional()]));
  return z.strictObject({
    ...Format,
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .default(DEFAULT_LIMIT)
      .transform((n) => Math.min(n, MAX_LIMIT)),
    bbox: z.string().max(500).optional(),
    'bbox-crs': z.string().max(200).optional(),
    datetime: z.string().max(100).optional(),
    crs: z.string().max(200).optional(),
    filter: z.string().max(20_000).optional(),
    /** cql-text is what GDAL up to 3.7 sends for CQL2 text. */
    'filter-lang': z.enum(['cql2-text', 'cql-text', 'cql2-json']).optional(),
    'filter-crs': z.string().max(200).optional(),
    sortby: List('Properties to sort by, comma-separated, each ascending or with a leading - descending (see sortables)'),
    properties: List('The properties to return, comma-separated (all when absent)'),
    /** Keyset paging: the page after, or before, a cursor; the next and prev links carry it. */
    after: z.string().max(2000).optional(),
    before: z.string().max(2000).optional(),
    ...queryables,
  });
}
type ItemsParameters = z.infer<ReturnType<typeof itemsQuery>>;

const ItemParams = z.object({ featureId: z.string().max(200) });

function notFound(collection: Collection, id: string): UserError {
  return new UserError(`No feature ${id} in ${collection.id}`, 'not_found');
}

/** The store's query for an items request; every part is checked here, before the first byte is sent. */
function itemQuery(collection: Collection, actor: Actor, query: ItemsParameters): ItemQuery {
  if (query.after && query.before) throw new UserError('query: after and before page in opposite directions; give one', 'invalid_request');
  const filterCrs = parseCrs('filter-crs', query['filter-crs']);
  const bboxCrs = parseCrs('bbox-crs', query['bbox-crs']);
  const equals: Record<string, string> = {};
  for (const p of collection.properties.filter(store.isQueryable)) {
    const value = (query as Record<string, unknown>)[p.name];
    if (typeof value === 'string') equals[p.name] = value;
  }
  const sortby = query.sortby ? parseSortby(query.sortby, store.visibleProperties(collection, dataRead(actor))) : [];
  const items: ItemQuery = {
    collection,
    dataRead: dataRead(actor),
    crs: parseCrs('crs', query.crs),
    ...(query.bbox ? { bbox: { ...parseBbox(query.bbox, bboxCrs), crs: bboxCrs } } : {}),
    ...(query.datetime ? { datetime: parseDatetime(query.datetime) } : {}),
    ...(query.filter ? { filter: { tree: query['filter-lang'] === 'cql2-json' ? parseCql2Json(query.filter) : parseCql2(query.filter), crs: filterCrs } } : {}),
    equals,
    sortby,
    ...(query.properties !== undefined ? { properties: parseProperties(query.properties) } : {}),
    limit: query.limit,
    ...(query.after ? { after: parseCursor('after', query.after, sortby) } : {}),
    ...(query.before ? { before: parseCursor('before', query.before, sortby) } : {}),
  };
  store.checkQuery(items);
  return items;
}

/** The links of a page: self and alternate, next and prev by cursor, the collection. */
function pageLinks(request: FastifyRequest, collection: Collection, html: boolean, first: Cursor | undefined, last: Cursor | undefined, more: { next: boolean; prev: boolean }): Link[] {
  const links: Link[] = formatLinks(request, html, GEOJSON);
  const format = html ? { type: HTML, f: 'html' } : { type: GEOJSON, f: undefined };
  if (more.next && last) links.push({ href: selfWith(request, { after: cursorParameter(last), before: undefined, f: format.f }), rel: 'next', type: format.type, title: 'Next page' });
  if (more.prev && first) links.push({ href: selfWith(request, { before: cursorParameter(first), after: undefined, f: format.f }), rel: 'prev', type: format.type, title: 'Previous page' });
  links.push({ href: `${origin(request)}/ogc/collections/${collection.id}`, rel: 'collection', type: JSON_TYPE, title: collection.title });
  return links;
}

/**
 * A FeatureCollection as text, streamed as the store reads it: the features first, then what is
 * only known at the end (numberReturned, the next link). numberMatched is counted for the first
 * page only (Part 1 makes it optional): counting ten million finds again for every page of a
 * download would cost more than the page.
 */
async function* featureCollectionText(pages: AsyncGenerator<FeatureText[], { next: boolean; prev: boolean }>, numberMatched: number | undefined, links: (first: Cursor | undefined, last: Cursor | undefined, more: { next: boolean; prev: boolean }) => Link[]): AsyncGenerator<string> {
  yield `{"type":"FeatureCollection","timeStamp":"${new Date().toISOString()}",${numberMatched === undefined ? '' : `"numberMatched":${numberMatched},`}"features":[`;
  let returned = 0;
  let first: Cursor | undefined;
  let last: Cursor | undefined;
  for (;;) {
    const step = await pages.next();
    if (step.done) {
      yield `],"numberReturned":${returned},"links":${JSON.stringify(links(first, last, step.value))}}`;
      return;
    }
    const chunk = step.value;
    yield `${returned > 0 ? ',' : ''}${chunk.map((f) => f.json).join(',')}`;
    first ??= chunk[0]!.cursor;
    last = chunk.at(-1)!.cursor;
    returned += chunk.length;
  }
}

function collectionRoutes(collection: Collection): Route[] {
  const path = `/ogc/collections/${collection.id}`;
  const Items = itemsQuery(collection);
  const schemaRoute = (suffix: 'queryables' | 'sortables' | 'schema', summary: string, intro: string, build: (url: string, actor: Actor) => { properties: Record<string, unknown> }) =>
    documentRoute({ path: `${path}/${suffix}`, summary: `${collection.title}: ${summary}`, permission: collection.permission, type: SCHEMA }, ({ actor, request }, html) => {
      const json = build(`${origin(request)}${path}/${suffix}`, actor);
      return {
        json,
        page: () => page(`${collection.title}: ${suffix}`, intro, formatLinks(request, html, SCHEMA), table(Object.entries(json.properties).map(([name, schema]) => ({ name, ...(schema as Record<string, unknown>) })))),
      };
    });
  return [
    documentRoute({ path, summary: `${collection.title}: the collection`, permission: collection.permission, readOnly: true, type: JSON_TYPE }, async ({ db, request }) => {
      const json = collectionJson(request, collection, await store.extents(db));
      return {
        json,
        page: () => page(json.title, json.description, json.links, `<h2>Coordinate reference systems</h2><ul>${json.crs.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`),
      };
    }),
    route({
      method: 'GET',
      readOnly: true,
      path: `${path}/items`,
      summary: `${collection.title}: features, filtered by bbox, datetime, CQL2 (text or JSON) or property values, sorted, paged`,
      tag: 'ogc',
      permission: collection.permission,
      query: Items,
      async handler({ db, actor, query, request, reply }) {
        const items = itemQuery(collection, actor, query);
        const numberMatched = items.after || items.before ? undefined : await store.countFeatures(db, items);
        const html = wantsHtml(query.f, request.headers.accept);
        contentCrs(reply, items.crs);
        const pages = store.featureTexts(db, items);
        if (html) {
          const features: { id: string; properties: Record<string, unknown> }[] = [];
          let first: Cursor | undefined;
          let last: Cursor | undefined;
          let step = await pages.next();
          for (; !step.done; step = await pages.next()) {
            features.push(...step.value.map((f) => JSON.parse(f.json) as { id: string; properties: Record<string, unknown> }));
            first ??= step.value[0]!.cursor;
            last = step.value.at(-1)!.cursor;
          }
          const links = pageLinks(request, collection, true, first, last, step.value);
          reply.type('text/html; charset=utf-8');
          return page(
            collection.title,
            `${numberMatched === undefined ? '' : `${numberMatched} features match; `}${features.length} shown. Coordinates in ${items.crs.uri}.`,
            links,
            table(
              features.map((f) => ({ id: f.id, ...f.properties })),
              (row) => `${origin(request)}/ogc/collections/${collection.id}/items/${String(row.id)}?f=html`,
            ),
          );
        }
        reply.type(GEOJSON);
        const body = Readable.from(featureCollectionText(pages, numberMatched, (first, last, more) => pageLinks(request, collection, false, first, last, more)));
        reply.send(body);
        // The handler lasts as long as the stream reads the store, so the server's close waits for it.
        await finished(body).catch(() => {});
        return undefined;
      },
    }),
    route({
      method: 'GET',
      readOnly: true,
      path: `${path}/items/{featureId}`,
      summary: `${collection.title}: one feature, with its version as ETag`,
      tag: 'ogc',
      permission: collection.permission,
      params: ItemParams,
      query: z.strictObject({ ...Format, crs: z.string().max(200).optional(), properties: List('The properties to return, comma-separated (all when absent)') }),
      async handler({ db, actor, params, query, request, reply }) {
        const crs = parseCrs('crs', query.crs);
        const row = await store.getFeature(db, collection, params.featureId, { dataRead: dataRead(actor), crs, ...(query.properties !== undefined ? { properties: parseProperties(query.properties) } : {}) });
        if (!row) throw notFound(collection, params.featureId);
        const html = wantsHtml(query.f, request.headers.accept);
        const json = featureJson(request, collection, row);
        json.links.push(formatLinks(request, html, GEOJSON)[1]!);
        contentCrs(reply, crs);
        reply.header('ETag', `"${row.version}"`);
        return answer(reply, html, GEOJSON, json, () =>
          page(`${collection.title}: ${row.id}`, `Version ${row.version}. Coordinates in ${crs.uri}.`, json.links, `${table([row.properties])}<h2>Geometry</h2><pre>${escapeHtml(JSON.stringify(row.geometry))}</pre>`),
        );
      },
    }),
    schemaRoute('queryables', 'what filters may name, as JSON Schema', 'Properties a CQL2 filter (filter=...) or a property=value parameter may name.', (url, actor) => queryablesJson(url, collection, actor, true)),
    schemaRoute('sortables', 'what sortby may name, as JSON Schema', 'Properties sortby=... may name; -name sorts descending.', (url, actor) => queryablesJson(url, collection, actor, false)),
    schemaRoute('schema', 'the properties of a feature and their types, as JSON Schema (Part 5)', 'Every property of a feature, in order, with its type.', (url, actor) => schemaJson(url, collection, actor)),
  ];
}

// Part 4: writes become reports -------------------------------------------------------------------

/**
 * PUT replaces the whole feature, so what it leaves out is emptied rather than kept, as the
 * update merge of the reports workflow would otherwise do.
 */
const HAZARD_EMPTY: Record<string, unknown> = {
  estimatedAreaM2: null,
  evidence: [],
  contamination: [],
  blockages: [],
  adminAreaId: null,
  organisationId: null,
  description: null,
  releaseDate: null,
  minefieldRecordIds: [],
};

const FeatureBody = z.object({
  type: z.literal('Feature'),
  geometry: PolygonGeometry,
  properties: z.record(z.string(), z.unknown()).nullable(),
});
const PatchBody = z.object({
  type: z.literal('Feature').optional(),
  geometry: PolygonGeometry.optional(),
  properties: z.record(z.string(), z.unknown()).nullable().optional(),
});
const WriteQuery = z.strictObject({ reason: z.string().trim().min(1).max(2000).optional() });

/** The geometry as stored, from the CRS the Content-Crs header names (CRS84 without one). */
async function storedGeometry(db: Db, request: FastifyRequest, geometry: PolygonGeometry): Promise<Geometry> {
  const header = request.headers['content-crs'];
  const crs = parseCrs('Content-Crs', typeof header === 'string' ? header.replace(/^<(.*)>$/, '$1') : undefined);
  if (crs.srid === 4326 && !crs.latitudeFirst) return geometry;
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  const short = rings.findIndex((ring) => ring.length < 4);
  if (short >= 0) throw new UserError(`body.geometry: ring ${short + 1} has fewer than 4 positions`, 'invalid_request');
  return store.toStorage(db, geometry, crs);
}

function hazardProperties(properties: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties ?? {}).filter(([key]) => !READ_ONLY.has(key)));
}

/** The report a write became: 202 Accepted, its URL in Location; the hazard changes when the report is approved. */
function accepted(request: FastifyRequest, reply: FastifyReply, report: Parameters<typeof reportJson>[0]) {
  reply.status(202);
  reply.header('Location', `${origin(request)}/api/reports/${report.id}`);
  return reportJson(report, request.actor);
}

/**
 * The version an If-Match names, checked against the hazard now: a missing header is 428, a
 * stale one 412, so a GIS client never overwrites a change it has not seen.
 */
async function matchedVersion(db: Db, request: FastifyRequest, reply: FastifyReply, collection: Collection, id: string): Promise<{ version: number } | { refusal: unknown }> {
  const current = await store.getFeature(db, collection, id, { dataRead: true, crs: parseCrs('crs', undefined) });
  if (!current) throw notFound(collection, id);
  const header = request.headers['if-match'];
  const wanted = parseIfMatch(typeof header === 'string' ? header : undefined);
  if (wanted === null) {
    reply.status(428);
    return { refusal: apiError('precondition_required', `Send If-Match: "${current.version}" (the ETag of the feature you edited), so that no one else's change is overwritten`) };
  }
  if (wanted !== '*' && wanted !== current.version) {
    reply.status(412);
    reply.header('ETag', `"${current.version}"`);
    return { refusal: apiError('precondition_failed', `The hazard is at version ${current.version}, not ${wanted}; read it again and reapply your change`) };
  }
  return { version: current.version };
}

function requireReason(reason: string | undefined): string {
  if (!reason) throw new UserError('query.reason: every change to a record says why; add ?reason=... to the URL', 'invalid_request');
  return reason;
}

/**
 * A change to a hazard that exists, as a submitted report: the reason required, the If-Match
 * checked against the hazard now (428 or 412 when it does not match), then the payload made and
 * 202 with the report.
 */
async function reportChange(
  { db, actor, params, query, request, reply }: Context<{ featureId: string }, { reason?: string | undefined }, unknown>,
  collection: Collection,
  action: 'update' | 'delete',
  payload: () => Promise<Record<string, unknown>>,
) {
  const reason = requireReason(query.reason);
  const matched = await matchedVersion(db, request, reply, collection, params.featureId);
  if ('refusal' in matched) return matched.refusal;
  const draft = await createReport(db, actor, { entityType: 'hazard', action, entityId: params.featureId, baseVersion: matched.version, payload: await payload(), reason });
  return accepted(request, reply, await submitReport(db, actor, draft.id));
}

function hazardWriteRoutes(collection: Collection): Route[] {
  const path = `/ogc/collections/${collection.id}/items`;
  return [
    route({
      method: 'POST',
      path,
      summary: 'Report a new hazard: the feature becomes a submitted report (202, Location of the report), and a hazard once approved',
      tag: 'ogc',
      permission: 'report.write',
      query: WriteQuery,
      body: FeatureBody,
      async handler({ db, actor, query, body, request, reply }) {
        const payload = { ...hazardProperties(body.properties), geometry: await storedGeometry(db, request, body.geometry) };
        const draft = await createReport(db, actor, { entityType: 'hazard', action: 'create', payload, reason: query.reason ?? null });
        return accepted(request, reply, await submitReport(db, actor, draft.id));
      },
    }),
    route({
      method: 'PUT',
      path: `${path}/{featureId}`,
      summary: 'Report a replacement of a hazard (If-Match its ETag, ?reason=...); it changes when the report is approved',
      tag: 'ogc',
      permission: 'report.write',
      params: ItemParams,
      query: WriteQuery,
      body: FeatureBody,
      async handler(context) {
        const { db, body, request } = context;
        return reportChange(context, collection, 'update', async () => {
          const given = hazardProperties(body.properties);
          const missing = ['reference', 'kind', 'status', 'source'].filter((key) => !(key in given));
          if (missing.length > 0) throw new UserError(`body.properties: PUT replaces the whole hazard, and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing; PATCH changes some properties`, 'invalid_request');
          return { ...HAZARD_EMPTY, ...given, geometry: await storedGeometry(db, request, body.geometry) };
        });
      },
    }),
    route({
      method: 'PATCH',
      path: `${path}/{featureId}`,
      summary: 'Report a change to some properties or the geometry of a hazard (JSON merge patch; If-Match, ?reason=...)',
      tag: 'ogc',
      permission: 'report.write',
      params: ItemParams,
      query: WriteQuery,
      body: PatchBody,
      async handler(context) {
        const { db, body, request } = context;
        return reportChange(context, collection, 'update', async () => ({
          ...hazardProperties(body.properties),
          ...(body.geometry ? { geometry: await storedGeometry(db, request, body.geometry) } : {}),
        }));
      },
    }),
    route({
      method: 'DELETE',
      path: `${path}/{featureId}`,
      summary: 'Report the deletion of a hazard (If-Match, ?reason=...); it goes when the report is approved',
      tag: 'ogc',
      permission: 'report.write',
      params: ItemParams,
      query: WriteQuery,
      async handler(context) {
        return reportChange(context, collection, 'delete', async () => ({}));
      },
    }),
  ];
}

// The API as a whole ---------------------------------------------------------------------------------

/**
 * The parameters clients read from the API definition rather than from the route schemas:
 * `limit` as Part 1 writes it, under components, where QGIS looks for its default and maximum
 * (GDAL from 3.8 follows the reference from each items path); sortby and properties as the arrays
 * the drafts define.
 */
const SHARED_PARAMETERS: Record<string, Record<string, unknown>> = {
  limit: {
    name: 'limit',
    in: 'query',
    required: false,
    description: `Features per page: ${DEFAULT_LIMIT} unless given; more than ${MAX_LIMIT} is cut to ${MAX_LIMIT}`,
    schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
    style: 'form',
    explode: false,
  },
  sortby: {
    name: 'sortby',
    in: 'query',
    required: false,
    description: 'Properties to sort by (see sortables), each ascending or with a leading - descending; the id breaks ties',
    schema: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[+-]?[^+\\-\\s].*$' } },
    style: 'form',
    explode: false,
  },
  properties: {
    name: 'properties',
    in: 'query',
    required: false,
    description: 'The properties to return (all when absent)',
    schema: { type: 'array', items: { type: 'string' } },
    style: 'form',
    explode: false,
  },
};

/**
 * The OpenAPI 3.0 document of the OGC API alone, with paths relative to /ogc as OGC clients
 * expect (GDAL reads the items parameters there to learn the queryables and filter languages).
 */
function ogcApiDocument(request: FastifyRequest): Record<string, unknown> {
  const document = openApiDocument(ogcRoutes);
  const paths = Object.fromEntries(
    Object.entries(document.paths as Record<string, Record<string, { parameters?: { name: string }[] }>>).map(([p, operations]) => {
      for (const operation of Object.values(operations)) {
        operation.parameters = operation.parameters?.map((parameter) => (parameter.name in SHARED_PARAMETERS ? { $ref: `#/components/parameters/${parameter.name}` } : parameter) as { name: string });
      }
      return [p.replace(/^\/ogc/, '') || '/', operations];
    }),
  );
  return {
    ...document,
    info: { title: 'Safeground OGC API – Features', version: (document.info as { version: string }).version, description: 'Hazards, land release, finds, activities, minefield records, accidents and the gazetteer.' },
    servers: [{ url: `${origin(request)}/ogc` }],
    paths,
    components: { ...(document.components as Record<string, unknown>), parameters: SHARED_PARAMETERS },
  };
}

const apiRoutes: Route[] = [
  documentRoute({ path: '/ogc', summary: 'OGC API – Features landing page', permission: 'public.read', type: JSON_TYPE }, ({ request }, html) => {
    const base = `${origin(request)}/ogc`;
    const links: Link[] = [
      ...formatLinks(request, html, JSON_TYPE),
      { href: `${base}/api`, rel: 'service-desc', type: OPENAPI, title: 'The API definition (OpenAPI 3.0)' },
      { href: `${base}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'Conformance classes' },
      { href: `${base}/conformance`, rel: REL_CONFORMANCE, type: JSON_TYPE, title: 'Conformance classes' },
      { href: `${base}/collections`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
      { href: `${base}/collections`, rel: REL_DATA, type: JSON_TYPE, title: 'Collections' },
    ];
    const json = {
      title: 'Safeground',
      description: 'Mine action data of this Safeground instance as OGC API – Features: hazards, land release, finds, activities, minefield records, accidents and the gazetteer.',
      links,
    };
    return { json, page: () => page(json.title, json.description, links, '') };
  }),
  documentRoute({ path: '/ogc/conformance', summary: 'The OGC conformance classes this API implements', permission: 'public.read', type: JSON_TYPE }, ({ request }, html) => {
    const json = { conformsTo: CONFORMANCE, links: formatLinks(request, html, JSON_TYPE) };
    return { json, page: () => page('Conformance', 'This API implements these conformance classes.', json.links, `<ul>${CONFORMANCE.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`) };
  }),
  route({
    method: 'GET',
    path: '/ogc/api',
    summary: 'The OpenAPI 3.0 definition of the OGC API',
    tag: 'ogc',
    permission: 'public.read',
    query: NoQuery,
    /** With the charset given, Fastify leaves the type as written; GDAL matches `version=3.0` unquoted. */
    produces: `${OPENAPI};charset=utf-8`,
    async handler({ request }) {
      return ogcApiDocument(request);
    },
  }),
  documentRoute({ path: '/ogc/collections', summary: 'The collections the caller may read', permission: 'public.read', readOnly: true, type: JSON_TYPE }, async ({ db, actor, request }, html) => {
    const all = await store.extents(db);
    const collections = store.COLLECTIONS.filter((c) => mayRead(actor, c)).map((c) => collectionJson(request, c, all));
    const json = { links: formatLinks(request, html, JSON_TYPE), collections };
    return {
      json,
      page: () =>
        page(
          'Collections',
          actor.permissions.has('data.read') ? 'Every collection.' : 'The public collections; sign in (or send a bearer token) for the operational ones.',
          json.links,
          table(
            collections.map((c) => ({ id: c.id, title: c.title, description: c.description })),
            (row) => `${origin(request)}/ogc/collections/${String(row.id)}?f=html`,
          ),
        ),
    };
  }),
];

export const ogcRoutes: readonly Route[] = [
  ...apiRoutes,
  ...store.COLLECTIONS.flatMap((c) => [...collectionRoutes(c), ...(c.id === 'hazards' ? hazardWriteRoutes(c) : [])]),
];
