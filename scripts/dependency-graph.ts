/**
 * The folder dependency graph of src/: which folder imports which, from the import statements
 * of the non-test modules. Fails (exit 1) when domain folders import each other in a cycle,
 * naming the imports that make it, so that each domain can be read, tested and moved on its own.
 * `npm run deps`; part of `npm test`.
 *
 * Not domains: the modules directly in src/ (config, errors, random: the node "(src)"), the store
 * and the two faces that put the domains together, http (the server and its route list) and cli
 * (the command and the store it opens). Those are printed but left out of the cycle check: every
 * domain registers its routes and commands through them, and they list every domain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const NOT_DOMAINS = new Set(['(src)', 'store', 'http', 'cli']);

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    const isSource = /\.(ts|tsx|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && !/^test-/.test(entry.name);
    return isSource ? [path] : [];
  });
}

/** The folder of src/ a module belongs to: its first path segment, or "(src)" for src/ itself. */
function folderOf(path: string): string {
  const parts = relative(root, path).split(sep);
  return parts.length === 1 ? '(src)' : parts[0]!;
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** folder -> folder it imports -> the modules that do, as "from -> to" lines. */
const edges = new Map<string, Map<string, string[]>>();
for (const path of modules(root)) {
  const from = folderOf(path);
  if (!edges.has(from)) edges.set(from, new Map());
  for (const match of readFileSync(path, 'utf8').matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (!specifier.startsWith('.')) continue;
    const target = resolve(dirname(path), specifier);
    if (!target.startsWith(root + sep)) continue;
    const to = folderOf(target);
    if (to === from) continue;
    const byTarget = edges.get(from)!;
    byTarget.set(to, [...(byTarget.get(to) ?? []), `${relative(root, path)} -> ${relative(root, target)}`]);
  }
}

/** Strongly connected components (Tarjan) of the domain folders: each one of more than one folder is a cycle. */
function cycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (NOT_DOMAINS.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
        onStack.delete(w);
        component.push(w);
      }
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v) && !NOT_DOMAINS.has(v)) visit(v);
  return found;
}

console.log('Folder dependency graph of src/ (folder -> folders it imports, with the number of imports):');
for (const from of [...edges.keys()].sort()) {
  const targets = [...edges.get(from)!.entries()].sort(([a], [b]) => a.localeCompare(b));
  console.log(`  ${(NOT_DOMAINS.has(from) ? `${from}*` : from).padEnd(12)} -> ${targets.map(([to, lines]) => `${to} (${lines.length})`).join(', ') || '(nothing)'}`);
}
console.log('(* not a domain: left out of the cycle check)');
const found = cycles();
if (found.length === 0) {
  console.log('No cycle between domain folders.');
} else {
  for (const component of found) {
    console.error(`Cycle between domain folders: ${component.join(', ')}. The imports inside it:`);
    for (const from of component) {
      for (const [to, lines] of edges.get(from) ?? []) if (component.includes(to)) for (const line of lines) console.error(`  ${line}`);
    }
  }
  process.exit(1);
}
