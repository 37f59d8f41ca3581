import { Command, Option } from 'commander';
import { type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import type { Db } from '../store/db.ts';
import { DEFAULT_DEMO_SEED, DEMO_SCALES, type DemoScale, type DemoSummary, generateDemo } from './generate.ts';

/** Progress of each step on stderr: redrawn in place on a terminal, one line per step otherwise. */
export async function loadDemo(db: Db, scale: DemoScale, seed = DEFAULT_DEMO_SEED): Promise<DemoSummary> {
  const tty = process.stderr.isTTY;
  let current = '';
  const summary = await generateDemo(db, {
    scale,
    seed,
    onProgress(step, done, total) {
      if (tty) process.stderr.write(`\rdemo: ${step} ${done.toLocaleString('en')}/${total.toLocaleString('en')}\x1b[K`);
      else if (step !== current) process.stderr.write(`demo: ${step}\n`);
      current = step;
    },
  });
  if (tty) process.stderr.write('\n');
  return summary;
}

export function demoCommand(): Command {
  return storeOptions(new Command('demo'))
    .description('Load a deterministic synthetic dataset (clearly labelled "demo (synthetic)")')
    .addOption(new Option('--scale <scale>', 'how much data').choices(DEMO_SCALES).default('small'))
    .option('--seed <n>', 'random seed (the same seed gives the same data)', String(DEFAULT_DEMO_SEED))
    .action(async (options: StoreOptions & { scale: DemoScale; seed: string }) => {
      const seed = Number(options.seed);
      await withStore(options, async (db) => {
        const summary = await loadDemo(db, options.scale, seed);
        const counts = Object.entries(summary.counts).map(([table, n]) => `${n.toLocaleString('en')} ${table}`).join(', ');
        process.stdout.write(`Loaded the ${summary.scale} demo (seed ${summary.seed}) in ${summary.seconds.toFixed(1)} s: ${counts}\n`);
      });
    });
}
