import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Command, Option } from 'commander';
import { storeCommand, type StoreOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { date } from '../statistics/cli.ts';
import { MDR_FORMATS, MDR_KINDS, type MdrFormat, type MdrKind, mdrStream } from './mdr.ts';

/** `safeground report mdr`, added to the report command: the GICHD minimum data requirements exports. */
export function addMdrReportCommand(report: Command): Command {
  storeCommand(report, 'mdr', 'GICHD minimum data requirements: one row per land release product or per explosive ordnance find, as CSV or XLSX')
    .addOption(new Option('--kind <kind>', 'which record type').choices(MDR_KINDS).makeOptionMandatory())
    .addOption(new Option('--format <format>', 'output format').choices(MDR_FORMATS).default('csv'))
    .addOption(new Option('--from <date>', 'first release date or date found counted').argParser(date))
    .addOption(new Option('--to <date>', 'last release date or date found counted').argParser(date))
    .option('--out <file>', 'file to write (default: standard output; needed for xlsx)')
    .action(async (options: StoreOptions & { kind: MdrKind; format: MdrFormat; from?: string; to?: string; out?: string }) => {
      if (options.format === 'xlsx' && !options.out) throw new UserError('--format xlsx needs --out FILE', 'usage');
      await withStore(options, async (db) => {
        const stream = mdrStream(db, options.kind, options.format, { from: options.from ?? null, to: options.to ?? null });
        if (options.out) {
          await pipeline(stream, createWriteStream(options.out));
          process.stdout.write(`Wrote ${options.out}\n`);
        } else await pipeline(stream, new Writable({ write: (chunk: Buffer, _encoding, done) => (process.stdout.write(chunk) ? done() : process.stdout.once('drain', () => done())) }));
      });
    });
  return report;
}
