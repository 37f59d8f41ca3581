// Builds the web app into web/dist when it is missing or older than its sources, so that
// `npm start` and `npm test` serve the app on a fresh clone without a separate build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('.', import.meta.url));
const built = join(web, 'dist', 'index.html');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

// The app also bundles the server's pure code lists (src/land/rules.ts, src/ops/find.ts, src/catalogue/ordnance.ts, src/casualties/accident.ts), its angle display rule, its age groups and its dates with precision.
const codeLists = ['../src/land/rules.ts', '../src/ops/find.ts', '../src/catalogue/ordnance.ts', '../src/casualties/accident.ts', '../src/geodesy/angles.ts', '../src/statistics/ageGroups.ts', '../src/casualties/age.ts', '../src/ops/datePrecision.ts'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
const sources = Math.max(newest(join(web, 'src')), newest(join(web, 'public')), newest(join(web, 'index.html')), newest(join(web, 'vite.config.ts')), ...codeLists.map(newest));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  process.stderr.write('Building the web app into web/dist ...\n');
  const { build } = await import('vite');
  await build({ root: web, configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
}
