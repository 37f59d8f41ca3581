import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { buildServer } from '../http/server.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { CATALOGUE } from '../catalogue/ordnance.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';


for (const backend of testBackends()) {
  describe(`operations read API and exchange routes on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    let accidentId: string;

    before(async () => {
      ({ db, actors } = await openTestStore(backend));
      await seedOrdnanceCatalogue(db);
      await db.query(
        `INSERT INTO activity (reference, kind, organisation_id, status, start_date, end_date, geom, source) VALUES
           ('CLR-1', 'clearance', $1, 'completed', '2024-01-10', '2024-02-20', ST_Multi(ST_MakeEnvelope(37, 48, 38, 49, 4326)), 'test'),
           ('NTS-1', 'nts', $2, 'ongoing', '2024-05-01', NULL, NULL, 'test')`,
        [actors.organisationA, actors.organisationB],
      );
      await db.query(
        `INSERT INTO find (external_id, activity_id, category, ordnance_model_id, geom, found_on, source)
         SELECT f.ext, a.id, f.category, (SELECT id FROM ordnance_model WHERE name = f.model), ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326), f.day::date, 'test'
         FROM (VALUES ('F1', 'CLR-1', 'ap_mine', 'PMN-2', 37.1, 48.1, '2024-01-15'), ('F2', 'CLR-1', 'at_mine', 'TM-62M', 37.2, 48.2, '2024-01-20'),
                      ('F3', 'NTS-1', 'uxo', 'Mortar bomb', 10.5, 10.5, '2024-06-01')) AS f(ext, ref, category, model, lon, lat, day)
         JOIN activity a ON a.reference = f.ref`,
      );
      const [accident] = await db.query<{ id: string }>(
        "INSERT INTO accident (reference, occurred_on, geom, device_category, demining_related, source) VALUES ('ACC-1', '2024-02-01', ST_SetSRID(ST_MakePoint(37.3, 48.3), 4326), 'ap_mine', false, 'test') RETURNING id",
      );
      accidentId = accident!.id;
      const victims = await db.query<{ id: string }>(
        "INSERT INTO victim (accident_id, outcome, sex, age, victim_group) VALUES ($1, 'injured', 'male', 34, 'civilian'), ($1, 'killed', 'female', 12, 'civilian') RETURNING id",
        [accidentId],
      );
      await db.query("INSERT INTO victim_identity (victim_id, full_name, address) VALUES ($1, 'Name One', 'Village 1'), ($2, 'Name Two', 'Village 2')", [victims[0]!.id, victims[1]!.id]);
      await db.query(
        "INSERT INTO risk_education_session (held_on, geom, organisation_id, method, girls, boys, women, men, source) VALUES ('2024-03-03', ST_SetSRID(ST_MakePoint(37.4, 48.4), 4326), $1, 'presentation', 10, 12, 5, 3, 'test')",
        [actors.organisationA],
      );
      const [visit] = await db.query<{ id: string }>(
        "INSERT INTO qa_visit (activity_id, visited_on, inspector, outcome, source) SELECT id, '2024-02-10', 'Inspector', 'corrective_action_required', 'test' FROM activity WHERE reference = 'CLR-1' RETURNING id",
      );
      await db.query("INSERT INTO qa_nonconformity (qa_visit_id, description, severity) VALUES ($1, 'Lane marking missing', 'major')", [visit!.id]);
      app = await buildServer({ db });
    });
    after(() => closeTestServer({ db, app }));

    const get = async (url: string, who: Parameters<Actors['auth']>[0] = 'analyst') => app.inject({ method: 'GET', url, headers: actors.auth(who) });

    test('the catalogue is seeded once, keeps rows others made, and lists with its facts', async () => {
      await db.query("INSERT INTO ordnance_model (name, category) VALUES ('Demo-only model', 'uxo') ON CONFLICT (name) DO NOTHING");
      assert.equal(await seedOrdnanceCatalogue(db), 0);
      const body = (await get('/api/ordnance-models?limit=1000')).json();
      assert.equal(body.items.length, CATALOGUE.length + 1);
      const pmn2 = body.items.find((m: { name: string }) => m.name === 'PMN-2');
      assert.deepEqual({ category: pmn2.category, explosiveMassG: pmn2.explosiveMassG, metalContent: pmn2.metalContent }, { category: 'ap_mine', explosiveMassG: 100, metalContent: 'low' });
      const one = (await get(`/api/ordnance-models/${pmn2.id}`)).json();
      assert.equal(one.name, 'PMN-2');
      assert.deepEqual((await get('/api/ordnance-models?category=submunition')).json().items.map((m: { name: string }) => m.name), ['9N210', 'BLU-97/B', 'M77', 'PTAB-1M']);
    });

    test('finds: filters by area, dates, organisation and category; pages by cursor without gaps or repeats', async () => {
      const all = (await get('/api/finds')).json();
      assert.deepEqual(all.items.map((f: { externalId: string }) => f.externalId), ['F3', 'F2', 'F1']);
      assert.deepEqual(all.items[0].geometry, { type: 'Point', coordinates: [10.5, 10.5] });
      assert.equal(all.items[1].ordnanceModel, 'TM-62M');
      assert.equal(all.items[1].activity, 'CLR-1');
      const ids = (url: string) => get(url).then((r) => r.json().items.map((f: { externalId: string }) => f.externalId));
      assert.deepEqual(await ids('/api/finds?bbox=37,48,38,49'), ['F2', 'F1']);
      assert.deepEqual(await ids('/api/finds?from=2024-01-16&to=2024-12-31'), ['F3', 'F2']);
      assert.deepEqual(await ids(`/api/finds?organisation=${actors.organisationB}`), ['F3']);
      assert.deepEqual(await ids('/api/finds?category=ap_mine'), ['F1']);
      const first = (await get('/api/finds?limit=2')).json();
      assert.deepEqual(first.items.map((f: { externalId: string }) => f.externalId), ['F3', 'F2']);
      const second = (await get(`/api/finds?limit=2&cursor=${first.next}`)).json();
      assert.deepEqual(second.items.map((f: { externalId: string }) => f.externalId), ['F1']);
      assert.equal(second.next, null);
      assert.equal((await get(`/api/finds/${all.items[0].id}`)).json().externalId, 'F3');
      assert.equal((await get('/api/finds/00000000-0000-4000-8000-000000000000')).statusCode, 404);
      assert.equal((await get('/api/finds?bbox=1,2,3')).statusCode, 400);
      assert.equal((await get('/api/finds?cursor=nonsense')).statusCode, 400);
    });

    test('activities, risk education and QA visits list with their filters', async () => {
      const activities = (await get('/api/activities')).json();
      assert.deepEqual(activities.items.map((a: { reference: string }) => a.reference), ['CLR-1', 'NTS-1']);
      assert.deepEqual((await get('/api/activities?from=2024-03-01')).json().items.map((a: { reference: string }) => a.reference), ['NTS-1']);
      assert.deepEqual((await get('/api/activities?kind=clearance')).json().items.map((a: { reference: string }) => a.reference), ['CLR-1']);
      const sessions = (await get('/api/risk-education')).json();
      assert.equal(sessions.items[0].beneficiaries, 30);
      assert.equal((await get(`/api/risk-education?organisation=${actors.organisationB}`)).json().items.length, 0);
      const visits = (await get('/api/qa-visits')).json();
      assert.equal(visits.items[0].activity, 'CLR-1');
      assert.deepEqual(visits.items[0].nonconformities.map((n: { severity: string }) => n.severity), ['major']);
      assert.equal((await get(`/api/qa-visits/${visits.items[0].id}`)).json().inspector, 'Inspector');
    });

    test('accidents come with victims but never their identities unless asked for by a restricted.read role, and each read is logged', async () => {
      const plain = await get(`/api/accidents/${accidentId}`);
      assert.equal(plain.json().victims.length, 2);
      assert.doesNotMatch(plain.body, /Name One|Village/);
      const list = await get('/api/accidents', 'national_information_officer');
      assert.doesNotMatch(list.body, /Name One|Village/);
      const analyst = await get(`/api/accidents/${accidentId}?include=identity`, 'analyst');
      assert.equal(analyst.statusCode, 403);
      assert.doesNotMatch(analyst.body, /Name One/);
      const [before] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM restricted_access_log');
      assert.equal(before!.n, 0);
      const officer = await get(`/api/accidents/${accidentId}?include=identity`, 'national_information_officer');
      assert.equal(officer.statusCode, 200);
      assert.deepEqual(officer.json().victims.map((v: { identity: { fullName: string } }) => v.identity.fullName).sort(), ['Name One', 'Name Two']);
      const logged = await db.query<{ actor_id: string; entity_type: string }>('SELECT actor_id, entity_type FROM restricted_access_log');
      assert.equal(logged.length, 2);
      assert.ok(logged.every((row) => row.actor_id === actors.userIds.national_information_officer && row.entity_type === 'victim'));
      const listed = await get('/api/accidents?include=identity', 'national_information_officer');
      assert.match(listed.body, /Name One/);
      const [afterList] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM restricted_access_log');
      assert.equal(afterList!.n, 4);
    });

    test('imports: anyone who reports may dry-run; national roles commit, others send the file as a report; problems refuse the file', async () => {
      const csv = 'externalId,category,ordnanceModel,foundOn,latitude,longitude,activity\nAPI-1,ap_mine,PMN-2,2024-01-25,48.15,37.15,CLR-1\n';
      const post = (query: string, who: Parameters<Actors['auth']>[0], payload = csv) =>
        app.inject({ method: 'POST', url: `/api/imports/finds?${query}`, headers: { ...actors.auth(who), 'content-type': 'text/csv' }, payload });
      const dry = await post('dryRun=true', 'field_user');
      assert.equal(dry.statusCode, 200, dry.body);
      assert.deepEqual([dry.json().created, dry.json().committed, dry.json().problemCount], [1, false, 0]);
      const sent = await post('dryRun=false&name=team.csv', 'field_user');
      assert.equal(sent.statusCode, 202, sent.body);
      assert.deepEqual([sent.json().committed, sent.json().report.state, sent.json().report.entityType], [false, 'submitted', 'find_import']);
      const [notYet] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM find WHERE external_id = 'API-1'");
      assert.equal(notYet!.n, 0);
      const badReport = await post('dryRun=false', 'field_user', csv.replace('PMN-2', 'PMN-22'));
      assert.equal(badReport.statusCode, 400);
      assert.match(badReport.json().error.details.problems[0].message, /not in the ordnance catalogue/);
      assert.equal((await post('dryRun=true', 'analyst')).statusCode, 403);
      const [before] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM find');
      const bad = await post('', 'national_information_officer', csv.replace('PMN-2', 'PMN-22'));
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.details.problems[0].message, /not in the ordnance catalogue/);
      const [unchanged] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM find');
      assert.equal(unchanged!.n, before!.n);
      const committed = await post('', 'national_information_officer');
      assert.equal(committed.statusCode, 200, committed.body);
      assert.equal(committed.json().committed, true);
      const [created] = await db.query<{ created_by: string; n: number }>("SELECT created_by, (SELECT count(*)::int FROM find) AS n FROM find WHERE external_id = 'API-1'");
      assert.equal(created!.created_by, actors.userIds.national_information_officer);
      assert.equal(created!.n, before!.n + 1);
    });

    test('exports stream the finds in the format asked for', async () => {
      const csv = await get('/api/exports/finds?format=csv&category=at_mine');
      assert.equal(csv.statusCode, 200);
      assert.match(csv.headers['content-type'] as string, /^text\/csv/);
      assert.match(csv.headers['content-disposition'] as string, /finds\.csv/);
      assert.equal(csv.body.trim().split('\r\n').length, 2);
      assert.match(csv.body, /^externalId,category,ordnanceModel,quantity,depthCm,condition,disposalMethod,foundOn,activity,organisation,latitude,longitude\r\nF2,at_mine,TM-62M,/);
      const geojson = (await get('/api/exports/finds?format=geojson&bbox=37,48,38,49')).json();
      assert.equal(geojson.features.length, 3);
      const gpkg = await get('/api/exports/finds?format=gpkg');
      assert.equal(gpkg.rawPayload.subarray(0, 15).toString('latin1'), 'SQLite format 3');
      assert.equal((await app.inject({ method: 'GET', url: '/api/exports/finds?format=csv' })).statusCode, 401);
    });
  });
}
