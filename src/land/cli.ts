import { Command } from 'commander';

/** `safeground report land`: land-release statistics. */
export function landCommand(): Command {
  return new Command('report').description('Reports for the authority, treaties and donors');
}
