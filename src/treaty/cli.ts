import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { storeCommand, type StoreOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { safegroundVersion } from '../version.ts';
import { CONVENTION_NAMES, type Convention, treatyReport } from './report.ts';
import { treatyReportHtml, treatyReportXlsx } from './render.ts';

function year(value: string): number {
  const n = Number(value);
  if (!/^\d{4}$/.test(value) || n < 1990 || n > 2100) throw new InvalidArgumentError(`${value} is not a year (1990 to 2100)`);
  return n;
}

/** Chromium prints the HTML page to PDF, as a browser's "Save as PDF" would. */
async function printPdf(html: string, out: string): Promise<void> {
  const browser = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => Boolean(p) && existsSync(p!));
  if (!browser) throw new UserError('PDF needs Chromium (set CHROMIUM_PATH, or use --format html and print it from a browser)', 'bad_config');
  const dir = mkdtempSync(join(tmpdir(), 'safeground-treaty-'));
  try {
    const page = join(dir, 'report.html');
    writeFileSync(page, html);
    await promisify(execFile)(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${out}`, `file://${page}`], { timeout: 120_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `safeground report treaty`, added to the report command. */
export function addTreatyReportCommand(report: Command): Command {
  storeCommand(report, 'treaty', 'The land-release, contamination, destruction, risk-education and victim tables of a treaty report for a year')
    .addOption(new Option('--convention <convention>', 'apmbc: Mine Ban Convention Art. 7; ccm: Cluster Munitions Art. 7; ccw5: CCW Protocol V').choices(CONVENTION_NAMES).makeOptionMandatory())
    .requiredOption('--year <year>', 'calendar year reported', year)
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'xlsx', 'pdf', 'json']).default('html'))
    .option('--out <file>', 'file to write (default: standard output; needed for xlsx and pdf)')
    .action(async (options: StoreOptions & { convention: Convention; year: number; format: 'html' | 'xlsx' | 'pdf' | 'json'; out?: string }) => {
      if ((options.format === 'xlsx' || options.format === 'pdf') && !options.out) throw new UserError(`--format ${options.format} needs --out FILE`, 'usage');
      await withStore(options, async (db) => {
        const treaty = await treatyReport(db, options.convention, options.year);
        const version = safegroundVersion();
        if (options.format === 'pdf') await printPdf(treatyReportHtml(treaty, version), options.out!);
        else {
          const output = options.format === 'xlsx' ? await treatyReportXlsx(treaty, version) : options.format === 'json' ? JSON.stringify(treaty, null, 2) + '\n' : treatyReportHtml(treaty, version);
          if (options.out) writeFileSync(options.out, output);
          else process.stdout.write(output);
        }
        if (options.out) process.stdout.write(`Wrote ${options.out}\n`);
        const disagreeing = treaty.reconciliation.filter((r) => !r.agrees);
        if (disagreeing.length > 0) process.stderr.write(`treaty: ${disagreeing.length} national totals do not agree with report land / report casualties: ${disagreeing.map((r) => r.figure).join('; ')}\n`);
      });
    });
  return report;
}
