import { openTestServer } from './test/support/server.ts';
import { testBackends } from './test/support/backends.ts';
const [b] = testBackends();
const { app, actors, db } = await openTestServer(b!);
app.log.error = ((...a: unknown[]) => console.log('LOG', JSON.stringify(a).slice(0, 1500))) as never;
for (const url of ['/ogc/collections/activities/items?datetime=0000-01-01', '/api/exports/accidents?format=gpkg&from=1999-12-31&organisation=9df3b255-d40d-4975-a7c6-a2243d9f6b8a&deviceCategory=ied&deminingRelated=true', '/api/exports/accidents?format=gpkg']) {
  const r = await app.inject({ method: 'GET', url, headers: actors.auth('national_information_officer') });
  console.log(r.statusCode, r.body.slice(0, 300));
}
await app.close(); await db.close();
