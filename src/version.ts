/**
 * Safeground's version as printed on reports, so that a published figure can be traced to the
 * code that computed it: package.json's version, and the git commit of the checkout it runs from
 * when it runs from one (Safeground has no build step; the sources run as they are), with "with
 * local changes" when tracked files differ from that commit. An installed copy, or a machine
 * without git, gives the version alone.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let cached: string | undefined;

/** @example safegroundVersion() // "0.1.0 (commit 1a2b3c4d5e6f)" */
export function safegroundVersion(): string {
  if (cached === undefined) {
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
    const commit = gitCommit();
    cached = commit === null ? version : `${version} (commit ${commit})`;
  }
  return cached;
}

function gitCommit(): string | null {
  const git = (args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  try {
    // Only Safeground's own checkout: not a repository it happens to be installed inside.
    if (realpathSync(git(['rev-parse', '--show-toplevel'])) !== realpathSync(root)) return null;
    const commit = git(['rev-parse', '--short=12', 'HEAD']);
    return git(['status', '--porcelain', '--untracked-files=no']) === '' ? commit : `${commit} with local changes`;
  } catch {
    return null;
  }
}
