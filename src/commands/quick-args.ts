/**
 * The light argv path of the commands a scheduler or a monitor runs often: `drkit status`, `drkit backup
 * [onsite|offsite|all]` and `drkit check`, each with `--json` and `--config PATH` (or `--config=PATH`) at most once.
 * It gives the options commander would pass, without loading commander and building the command tree (about a
 * third of status's start-up; a scheduled backup starts its tool that much earlier, issue 11). Anything else,
 * `--help` or a mistake included, returns null and goes through commander, so help texts and usage errors stay
 * commander's.
 */
import type { BackupOptions } from './backup.js';

/** the jobs `drkit backup` takes (commander's choices in src/cli.ts are this list) */
export const BACKUP_JOBS = ['onsite', 'offsite', 'all'] as const;
const JOBS = new Set<string>(BACKUP_JOBS);

/**
 * `--json`, `--config` and at most one positional word that `positional` accepts, after the command word; null
 * for anything else.
 */
function readQuickArgs(args: readonly string[], positional: (arg: string) => boolean): { json: boolean; config?: string; word?: string } | null {
  let json: boolean | undefined;
  let config: string | undefined;
  let word: string | undefined;
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
    } else if (word === undefined && positional(arg)) {
      word = arg;
    } else {
      return null;
    }
  }
  return { json: json ?? false, ...(config === undefined ? {} : { config }), ...(word === undefined ? {} : { word }) };
}

export function quickStatusOptions(args: readonly string[]): { json: boolean; config?: string } | null {
  if (args[0] !== 'status') return null;
  const read = readQuickArgs(args, () => false);
  return read === null ? null : { json: read.json, ...(read.config === undefined ? {} : { config: read.config }) };
}

export function quickBackupOptions(args: readonly string[]): (BackupOptions & { json: boolean }) | null {
  const command = args[0];
  if (command !== 'backup' && command !== 'check') return null;
  const read = readQuickArgs(args, (arg) => command === 'backup' && JOBS.has(arg));
  if (read === null) return null;
  const job = command === 'check' ? 'check' : (read.word ?? 'all') as BackupOptions['job'];
  return { json: read.json, job, ...(read.config === undefined ? {} : { config: read.config }) };
}
