/**
 * `drkit backup [onsite|offsite|all] [--json] [--config PATH]` and `drkit check [--json] [--config PATH]`, each
 * at most once (`--config=PATH` too): the options commander would pass to src/commands/backup.ts, read without
 * loading commander and building the command tree (issue 11: a scheduled backup starts its tool as early as it
 * can). Anything else, `--help` or a mistake included, returns null and goes through commander, so help texts
 * and usage errors stay commander's.
 */
import type { BackupOptions } from './backup.js';

/** the jobs `drkit backup` takes (commander's choices in src/cli.ts are this list) */
export const BACKUP_JOBS = ['onsite', 'offsite', 'all'] as const;
const JOBS = new Set<string>(BACKUP_JOBS);

export function quickBackupOptions(args: readonly string[]): (BackupOptions & { json: boolean }) | null {
  const command = args[0];
  if (command !== 'backup' && command !== 'check') return null;
  let job: BackupOptions['job'] | undefined = command === 'check' ? 'check' : undefined;
  let json: boolean | undefined;
  let config: string | undefined;
  for (let index = 1; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--json' && json === undefined) {
      json = true;
    } else if (arg === '--config' && config === undefined) {
      const value = args[index + 1];
      // commander would take `--config --json` as the path "--json"; such corners are left to commander itself
      if (value === undefined || value === '' || value.startsWith('-')) return null;
      config = value;
      index++;
    } else if (arg.startsWith('--config=') && config === undefined && arg.length > '--config='.length) {
      config = arg.slice('--config='.length);
    } else if (command === 'backup' && job === undefined && JOBS.has(arg)) {
      job = arg as BackupOptions['job'];
    } else {
      return null;
    }
  }
  return { json: json ?? false, job: job ?? 'all', ...(config === undefined ? {} : { config }) };
}
