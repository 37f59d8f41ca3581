/**
 * PostgreSQL's own pg_dump and pg_restore, found on PATH or in Debian's
 * /usr/lib/postgresql/<major>/bin, and chosen by the server's major version: pg_dump refuses a
 * server newer than itself, and a dump is best restored by the pg_restore of its own version.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../errors.ts';

export interface PgTool {
  path: string;
  major: number;
  version: string;
}

function candidates(name: 'pg_dump' | 'pg_restore'): string[] {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  const debian = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').map((major) => join('/usr/lib/postgresql', major, 'bin', name)) : [];
  return [...new Set([...onPath, ...debian])].filter((path) => existsSync(path));
}

function toolVersion(path: string): PgTool | null {
  try {
    const text = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const match = /(\d+)(?:\.(\d+))?/.exec(text.replace(/^[^)]*\)/, ''));
    return match ? { path, major: Number(match[1]), version: match[0] } : null;
  } catch {
    return null;
  }
}

/**
 * The tool of the server's major version, else the oldest newer one (pg_dump reads older
 * servers); a clear refusal when only older ones are installed.
 */
export function findPgTool(name: 'pg_dump' | 'pg_restore', serverMajor: number): PgTool {
  const found = candidates(name).map(toolVersion).filter((t): t is PgTool => t !== null);
  if (found.length === 0) {
    throw new UserError(`${name} is not installed (looked on PATH and in /usr/lib/postgresql/*/bin); install the PostgreSQL ${serverMajor} client (Debian: apt-get install postgresql-client-${serverMajor})`, 'pg_tools_missing');
  }
  const usable = found.filter((t) => t.major >= serverMajor).sort((a, b) => a.major - b.major);
  if (usable.length === 0) {
    const newest = found.sort((a, b) => b.major - a.major)[0]!;
    throw new UserError(
      `The PostgreSQL server is version ${serverMajor} but the newest ${name} here is ${newest.version} (${newest.path}), which cannot read it; install the PostgreSQL ${serverMajor} client (Debian: apt-get install postgresql-client-${serverMajor})`,
      'pg_version_mismatch',
    );
  }
  return usable[0]!;
}

/** libpq's own environment variables from a URL, so the password never appears on a command line. */
export function libpqEnvironment(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: decodeURIComponent(u.hostname), PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

/**
 * Runs pg_dump or pg_restore with --verbose, calling `onTable` for each table whose data it
 * starts on (the progress bar), and fails with the tool's own last lines when it fails.
 */
export function runPgTool(tool: PgTool, args: string[], url: string, onTable: (table: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, ['--verbose', ...args], { env: libpqEnvironment(url), stdio: ['ignore', 'ignore', 'pipe'] });
    const tail: string[] = [];
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const table = /(?:dumping contents of table|processing data for table) "?(?:public\.)?"?([a-z_0-9]+)"?/.exec(line);
        if (table) onTable(table[1]!);
        else if (!/^pg_(dump|restore): (reading|identifying|finding|flagging|saving|dumping|creating|processing|executing|connecting|last built-in|implied data-only|setting owner|launching)/.test(line)) tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    });
    child.once('error', (error) => reject(new UserError(`Cannot run ${tool.path}: ${error.message}`, 'pg_tools_missing')));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new UserError(`${tool.path.split('/').pop()} failed (${signal ?? `exit ${code}`}): ${[...tail, pending].filter(Boolean).join(' | ').slice(-1500)}`, 'pg_tool_failed'));
    });
  });
}
