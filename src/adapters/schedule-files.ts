/**
 * Where drkit's schedule lives on disk, and what of it is there now: the systemd user units drkit wrote (in
 * $XDG_CONFIG_HOME/systemd/user, recognised by their first line, src/core/schedule.ts UNIT_HEADER), drkit's crontab
 * file ($XDG_CONFIG_HOME/drkit/crontab) and the drkit-tagged lines of the owner's live crontab; and whether the
 * user manager lingers (user timers stop when the owner's last session ends unless it does). Used by
 * `drkit schedule` and `drkit status`, so both say the same thing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { configHome } from './paths.js';
import { allUnitNames, CRON_TAG, isDrkitUnit } from '../core/schedule.js';

export function unitFolder(): string {
  return join(configHome(), 'systemd', 'user');
}

export function cronFile(): string {
  return join(configHome(), 'drkit', 'crontab');
}

/** The drkit-written units present in the unit folder, by name (a same-named unit the owner wrote is left out). */
export function installedUnits(folder: string = unitFolder()): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const known = new Set(allUnitNames());
  return names.filter((name) => known.has(name)).filter((name) => {
    try {
      return isDrkitUnit(readFileSync(join(folder, name), 'utf8'));
    } catch {
      return false;
    }
  }).sort();
}

/** How many lines of the owner's crontab carry a drkit tag; null when `crontab -l` cannot be run. */
export async function crontabDrkitLines(): Promise<number | null> {
  try {
    // loaded here: `drkit status` runs no program unless drkit wrote a crontab file
    const { runProgram } = await import('./exec.js');
    const result = await runProgram('crontab', ['-l']);
    // crontab -l exits 1 with "no crontab for USER" when there is none: no lines of ours then
    if (result.exitStatus !== 0) return /no crontab/i.test(result.stderrTail) ? 0 : null;
    return result.stdout.split('\n').filter((line) => CRON_TAG.test(line.trim())).length;
  } catch {
    return null;
  }
}

export interface ScheduleState {
  /** systemd: drkit's units are in the unit folder; cron: drkit's lines are in the crontab; written: drkit's crontab
   * file exists but its lines are not in the crontab (or the crontab could not be read); none: nothing of drkit's */
  state: 'systemd' | 'cron' | 'written' | 'none';
  folder: string;
  /** file names of the drkit units present */
  units: string[];
  /** drkit's crontab file, when it exists */
  cronFile: string | null;
  /** drkit-tagged lines in the live crontab; null when it was not read (no crontab file of drkit's, or no crontab program) */
  crontabLines: number | null;
}

/** What of drkit's schedule is installed now. The crontab is read only when drkit wrote a crontab file. */
export async function scheduleState(): Promise<ScheduleState> {
  const folder = unitFolder();
  const units = installedUnits(folder);
  const file = existsSync(cronFile()) ? cronFile() : null;
  const crontabLines = file === null ? null : await crontabDrkitLines();
  const state = units.length > 0 ? 'systemd' : (crontabLines ?? 0) > 0 ? 'cron' : file !== null ? 'written' : 'none';
  return { state, folder, units, cronFile: file, crontabLines };
}

/** The owner's login name: $USER when set (a shell), else the password database's (a service without USER). */
export function ownerName(): string {
  return process.env.USER ?? userInfo().username;
}

/**
 * Whether systemd keeps `user`'s manager running without a session (linger). logind's own answer
 * (`loginctl show-user USER -p Linger`) first; where logind cannot be asked (no session, a container), the file
 * logind keeps for it, /var/lib/systemd/linger/USER. Options exist for tests.
 */
export async function lingerEnabled(user: string, options: { loginctl?: string; lingerDir?: string } = {}): Promise<boolean> {
  try {
    const { runProgram } = await import('./exec.js');
    const result = await runProgram(options.loginctl ?? 'loginctl', ['show-user', user, '-p', 'Linger']);
    const answer = /^Linger=(yes|no)$/m.exec(result.stdout)?.[1];
    if (result.exitStatus === 0 && answer !== undefined) return answer === 'yes';
  } catch {
    // loginctl is not installed: the file below is the answer
  }
  return existsSync(join(options.lingerDir ?? '/var/lib/systemd/linger', user));
}
