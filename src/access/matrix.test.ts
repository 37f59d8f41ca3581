import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allRoutes } from '../http/routes.ts';
import { useTestServer } from '../../test/support/server.ts';
import { testBackends } from '../../test/support/backends.ts';
import { PERMISSIONS, ROLES, type Role } from './permissions.ts';

/**
 * Every route of the server × every role, anonymous included: the server must refuse exactly the
 * roles this file expects to be refused (401 anonymous, 403 signed in) and let the others through
 * to validation and the handler without a server error.
 *
 * The expected answers are written here from the domain primer's security model, not read from
 * ROLE_PERMISSIONS or from the permission a route names, so a wrong grant or a route naming the
 * wrong permission fails this test. A new route fails it until it is given an audience below.
 */
type Who = Role | 'anonymous';

/** Who belongs to each audience, from the primer's data-protection tiers and security model. */
const AUDIENCES = {
  /** Public tier: aggregate figures, released land, published outlines, the gazetteer. */
  everyone: ['anonymous', ...ROLES],
  /** One's own account: every signed-in person with an account role. */
  account: ['administrator', 'national_information_officer', 'organisation_manager', 'field_user', 'analyst'],
  /** Internal tier: operational data, to authorised users. */
  internal: ['administrator', 'national_information_officer', 'organisation_manager', 'field_user', 'analyst'],
  /** Reports are written and submitted by operators (for their organisation) and the centre. */
  report: ['administrator', 'national_information_officer', 'organisation_manager', 'field_user'],
  /** Verification: an organisation's manager, or the centre. */
  verify: ['administrator', 'national_information_officer', 'organisation_manager'],
  /** Approval is national. */
  approve: ['administrator', 'national_information_officer'],
  /** National settings (priority weights) belong to the centre. */
  settings: ['administrator', 'national_information_officer'],
  /** Users and organisations: the administrator, and a manager for their own organisation. */
  users: ['administrator', 'organisation_manager'],
  /** The audit log: the administrator alone. */
  audit: ['administrator'],
  /** A backup holds every tier of data: the administrator alone. */
  backup: ['administrator'],
} as const satisfies Record<string, readonly Who[]>;
type Audience = keyof typeof AUDIENCES;

const EXPECTED: Record<string, Audience> = {
  'GET /api/health': 'everyone',
  'POST /api/session': 'everyone',
  'GET /api/session': 'everyone',
  'DELETE /api/session': 'everyone',
  'POST /api/session/password': 'account',
  'GET /api/tokens': 'account',
  'POST /api/tokens': 'account',
  'DELETE /api/tokens/{id}': 'account',
  'GET /api/users': 'users',
  'POST /api/users': 'users',
  'PATCH /api/users/{id}': 'users',
  'GET /api/organisations': 'internal',
  'POST /api/organisations': 'users',
  'GET /api/audit': 'audit',
  'POST /api/reports': 'report',
  'GET /api/reports': 'internal',
  'GET /api/reports/{id}': 'internal',
  'PUT /api/reports/{id}': 'report',
  'POST /api/reports/{id}/submit': 'report',
  'POST /api/reports/{id}/verify': 'verify',
  'POST /api/reports/{id}/approve': 'approve',
  'POST /api/reports/{id}/reject': 'approve',
  'POST /api/reports/{id}/undo': 'approve',
  'GET /api/sync/changes': 'internal',
  'POST /api/sync/reports': 'report',
  'GET /api/sync/conflicts/{id}': 'approve',
  'POST /api/sync/conflicts/{id}/resolve': 'approve',
  'GET /api/sync/attachments/{sha256}': 'report',
  'PUT /api/sync/attachments/{sha256}': 'report',
  'POST /api/sync/reports/{id}/attachments': 'report',
  'GET /api/sync/reports/{id}/attachments': 'internal',
  'GET /api/sync/attachments/{sha256}/content': 'internal',
  'GET /api/hazards': 'internal',
  'POST /api/hazards/check-geometry': 'report',
  'GET /api/hazards/{id}': 'internal',
  'GET /api/hazards/{id}/history': 'internal',
  'GET /api/hazards/{id}/accounting': 'internal',
  'GET /api/statistics/land': 'everyone',
  'GET /api/statistics/casualties': 'internal',
  'GET /api/treaty-reports/{convention}/{year}': 'internal',
  'GET /api/mdr/{kind}': 'internal',
  'GET /api/donor-figures': 'internal',
  'GET /public': 'everyone',
  'GET /api/public/progress': 'everyone',
  'GET /api/public/casualties': 'everyone',
  'GET /api/public/land': 'everyone',
  'GET /api/finds': 'internal',
  'GET /api/finds/{id}': 'internal',
  'GET /api/finds/{id}/history': 'internal',
  'GET /api/activities': 'internal',
  'GET /api/activities/{id}': 'internal',
  'GET /api/accidents': 'internal',
  'GET /api/accidents/{id}': 'internal',
  'GET /api/progress-reports': 'internal',
  'GET /api/progress-reports/{id}': 'internal',
  'GET /api/risk-education': 'internal',
  'GET /api/risk-education/{id}': 'internal',
  'GET /api/qa-visits': 'internal',
  'GET /api/qa-visits/{id}': 'internal',
  'GET /api/ordnance-models': 'internal',
  'GET /api/ordnance-models/{id}': 'internal',
  'POST /api/imports/finds': 'report',
  'GET /api/exports/finds': 'internal',
  'POST /api/imports/accidents': 'report',
  'POST /api/imports/hazards': 'report',
  'POST /api/imports/activities': 'report',
  'GET /api/exports/accidents': 'internal',
  'POST /api/minefield-records/draft': 'internal',
  'POST /api/minefield-records/legs': 'internal',
  'POST /api/minefield-records': 'report',
  'PUT /api/minefield-records/{id}': 'report',
  'GET /api/minefield-records': 'internal',
  'GET /api/minefield-records/audit': 'internal',
  'GET /api/minefield-records/{id}': 'internal',
  'GET /api/minefield-records/{id}/audit': 'internal',
  'GET /api/minefield-records/{id}/report': 'internal',
  'GET /ogc': 'everyone',
  'GET /ogc/conformance': 'everyone',
  'GET /ogc/api': 'everyone',
  'GET /ogc/collections': 'everyone',
  'POST /ogc/collections/hazards/items': 'report',
  'PUT /ogc/collections/hazards/items/{featureId}': 'report',
  'PATCH /ogc/collections/hazards/items/{featureId}': 'report',
  'DELETE /ogc/collections/hazards/items/{featureId}': 'report',
  'GET /api/layers': 'internal',
  'GET /api/layers/{layer}/features': 'internal',
  'GET /api/priorities': 'internal',
  'GET /api/priorities/compare': 'internal',
  'GET /api/priorities/plan': 'internal',
  'GET /api/settings/country': 'internal',
  'PUT /api/settings/country': 'settings',
  'GET /api/priorities/settings': 'internal',
  'PUT /api/priorities/settings/{key}': 'settings',
  'GET /api/priorities/settings/{key}/history': 'internal',
  'GET /tiles/hazards/{z}/{x}/{y}.mvt': 'everyone',
  'GET /tiles/hazards.json': 'everyone',
  'GET /tiles/release-products/{z}/{x}/{y}.mvt': 'everyone',
  'GET /tiles/release-products.json': 'everyone',
  'GET /tiles/finds/{z}/{x}/{y}.mvt': 'internal',
  'GET /tiles/finds.json': 'internal',
  'GET /tiles/minefield-records/{z}/{x}/{y}.mvt': 'internal',
  'GET /tiles/minefield-records.json': 'internal',
  'GET /tiles/accidents/{z}/{x}/{y}.mvt': 'internal',
  'GET /tiles/accidents.json': 'internal',
  'GET /tiles/style.json': 'everyone',
  'GET /api/places': 'everyone',
  'GET /api/risk/grid': 'internal',
  'GET /tiles/basemap/style.json': 'everyone',
  'GET /tiles/basemap/gazetteer/{z}/{x}/{y}.mvt': 'everyone',
  'GET /tiles/basemap/gazetteer.json': 'everyone',
  'GET /tiles/basemap/{name}.json': 'everyone',
  'GET /tiles/basemap/{name}/{z}/{x}/{y}': 'everyone',
  // An extract is bounded but costs hundreds of tile renders: for the field app's signed-in users.
  'GET /tiles/basemap/{name}/extract.pmtiles': 'internal',
  'GET /tiles/fonts/{fontstack}/{range}.pbf': 'everyone',
  'POST /api/admin/backup': 'backup',
};
/** Operational collections are internal; the gazetteer's are public. */
for (const collection of ['hazards', 'release-products', 'finds', 'activities', 'minefield-records', 'accidents', 'settlements', 'administrative-areas']) {
  const audience: Audience = collection === 'settlements' || collection === 'administrative-areas' ? 'everyone' : 'internal';
  for (const tail of ['', '/items', '/items/{featureId}', '/queryables', '/sortables', '/schema']) EXPECTED[`GET /ogc/collections/${collection}${tail}`] = audience;
}

/** The roles expected to reach a route, or undefined for a route this file does not know. */
function expectedAudience(method: string, path: string): readonly Who[] | undefined {
  const audience = EXPECTED[`${method} ${path}`];
  return audience && AUDIENCES[audience];
}

test('every route names a known permission and has an expected audience here', () => {
  for (const r of allRoutes) {
    assert.ok(PERMISSIONS.includes(r.permission), `${r.method} ${r.path}: unknown permission ${r.permission}`);
    assert.ok(expectedAudience(r.method, r.path), `${r.method} ${r.path}: add the route to EXPECTED in this file`);
  }
  const known = new Set(allRoutes.map((r) => `${r.method} ${r.path}`));
  assert.deepEqual(Object.keys(EXPECTED).filter((key) => !known.has(key)), [], 'EXPECTED names routes the server no longer has');
});

for (const backend of testBackends()) {
  describe(`route × role on ${backend.name}`, () => {
    const server = useTestServer(backend);

    for (const who of ['anonymous', ...ROLES] as const) {
      test(who, async () => {
        const rows: string[] = [];
        for (const r of allRoutes) {
          const allowed = expectedAudience(r.method, r.path)?.includes(who) ?? false;
          const url = r.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
          const headers = who === 'anonymous' ? {} : server.actors.auth(who);
          const response = await server.app.inject({ method: r.method, url, headers, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
          const refused = response.statusCode === 401 || response.statusCode === 403;
          const refusedByRule = refused && /permission|Sign in/.test(response.json().error?.message ?? '');
          if (allowed && refusedByRule) rows.push(`${r.method} ${r.path}: ${who} should be allowed but got ${response.statusCode}`);
          if (allowed && response.statusCode >= 500) rows.push(`${r.method} ${r.path}: ${who} is allowed but got ${response.statusCode}: ${response.body.slice(0, 200)}`);
          if (!allowed && !refused) rows.push(`${r.method} ${r.path}: ${who} should be refused but got ${response.statusCode}`);
          if (!allowed && refused && response.statusCode !== (who === 'anonymous' ? 401 : 403)) rows.push(`${r.method} ${r.path}: ${who} refused with ${response.statusCode}, expected ${who === 'anonymous' ? 401 : 403}`);
        }
        assert.deepEqual(rows, []);
      });
    }
  });
}
