/**
 * `drkit schedule print|install|uninstall [--cron]`: systemd user units (a service and a Persistent=true timer per
 * configured job, and one for the repository check unless offsite.check is false) or crontab lines.
 * - `install` writes the units to $XDG_CONFIG_HOME/systemd/user (or the crontab lines to
 *   $XDG_CONFIG_HOME/drkit/crontab) and prints the one command that enables them; it checks linger, because user
 *   timers stop when the owner's last session ends unless systemd keeps the user manager running.
 * - `uninstall` removes exactly the units drkit wrote (recognised by their first line; an owner's unit of the same
 *   name stays) or drkit's crontab file, and prints the command that disables the timers (or drops drkit's lines
 *   from the crontab).
 * drkit never runs systemctl or crontab itself, so nothing changes behind the owner's back.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../ui/io.js';
import { ExitCode } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { configHome, defaultConfigPath, stateDir } from '../adapters/paths.js';
import { keptKitCopy, kitCopyLink } from '../adapters/kit-store.js';
import type { Config } from '../config/types.js';
import { crontabCommand, crontabLines, disableCommand, enableCommand, systemdUnits, unitBaseName, type JobSchedule, type ScheduleInput } from '../core/schedule.js';
import { writeFileAtomicSync } from '../adapters/files.js';
import { cronFile, installedUnits, lingerEnabled, ownerName, unitFolder } from '../adapters/schedule-files.js';

export interface ScheduleOptions {
  action: 'print' | 'install' | 'uninstall';
  config?: string;
  cron?: boolean;
  json?: boolean;
}

export async function run(options: ScheduleOptions, io: CommandIO): Promise<number> {
  if (options.action === 'uninstall') return options.cron ? uninstallCron(io) : uninstallSystemd(io);
  const configPath = resolve(options.config ?? defaultConfigPath());
  const config = loadConfig(configPath);
  const jobs: JobSchedule[] = [];
  if (config.onsite) jobs.push({ job: 'onsite', ...config.onsite.schedule });
  if (config.offsite) jobs.push({ job: 'offsite', ...config.offsite.schedule });
  if (config.offsite?.check) jobs.push({ job: 'check', ...config.offsite.check.schedule });
  // the restore drill, monthly: drill.schedule monthly with a kit copy to drill (kit create --config keeps one), or an
  // older config's drill.kit alone; never silently left out when it is wanted
  const drill = drillPlan(config, stateDir(configPath));
  if (drill.kind === 'scheduled') jobs.push({ job: 'drill', every: 'monthly', at: '04:00' });
  if (drill.kind === 'no-kit-copy') {
    io.note(`the monthly drill (drill.schedule: monthly) is not scheduled: ${drill.why}`);
    io.note(`make the kit with: drkit kit create --config ${configPath} …, then run drkit schedule ${options.action} again`);
  }
  const input: ScheduleInput = {
    node: process.execPath,
    cli: fileURLToPath(new URL('../cli.js', import.meta.url)),
    config: configPath,
    jobs,
  };
  return options.cron ? cron(options.action, input, io) : systemd(options.action, input, jobs, io);
}

type DrillPlan = { kind: 'scheduled'; kit: string } | { kind: 'off' } | { kind: 'no-kit-copy'; why: string };

/** Whether the drill timer goes in, and why not when it is wanted. */
function drillPlan(config: Config, state: string): DrillPlan {
  const drill = config.drill;
  if (config.offsite === undefined || drill === undefined || drill.schedule === 'none') return { kind: 'off' };
  if (drill.schedule === undefined) return drill.kit === undefined ? { kind: 'off' } : { kind: 'scheduled', kit: drill.kit };
  // the wizard's drill.kit names the kept copy's stable link; another folder is the owner's own kit folder
  if (drill.kit === undefined || drill.kit === kitCopyLink(state)) {
    const kept = keptKitCopy(state);
    return kept === null ? { kind: 'no-kit-copy', why: 'no kit copy exists yet (kit create --config keeps one for the drill)' } : { kind: 'scheduled', kit: kept };
  }
  if (!existsSync(join(drill.kit, 'guide.pdf'))) return { kind: 'no-kit-copy', why: `drill.kit ${drill.kit} holds no kit (no guide.pdf)` };
  return { kind: 'scheduled', kit: drill.kit };
}

function cron(action: 'print' | 'install', input: ScheduleInput, io: CommandIO): number {
  const lines = crontabLines(input);
  const file = cronFile();
  const command = crontabCommand(file);
  if (action === 'install') {
    mkdirSync(join(configHome(), 'drkit'), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
  }
  if (io.jsonMode) {
    io.json({ message_type: 'schedule', kind: 'cron', lines, ...(action === 'install' ? { written: [file], enable: command } : {}) });
  } else if (action === 'print') {
    for (const line of lines) io.out(line);
  } else {
    io.note(`wrote ${file}`);
    io.note('add the lines to your crontab (lines from an earlier install are replaced) with:');
    io.out(command);
  }
  return ExitCode.ok;
}

async function systemd(action: 'print' | 'install', input: ScheduleInput, jobs: readonly JobSchedule[], io: CommandIO): Promise<number> {
  const units = systemdUnits(input);
  const folder = unitFolder();
  const enable = enableCommand(jobs);
  if (action === 'print') {
    if (io.jsonMode) {
      io.json({ message_type: 'schedule', kind: 'systemd', folder, units, enable });
    } else {
      for (const unit of units) {
        io.out(`# ${join(folder, unit.name)}`);
        for (const line of unit.text.trimEnd().split('\n')) io.out(line);
        io.out('');
      }
      io.out(`# enable with: ${enable}`);
    }
    return ExitCode.ok;
  }
  mkdirSync(folder, { recursive: true });
  const written = units.map((unit) => {
    const path = join(folder, unit.name);
    writeFileAtomicSync(path, unit.text, { mode: 0o644 });
    return path;
  });
  // a job no longer scheduled (the drill turned off) loses the units an earlier install wrote
  const stale = installedUnits(folder).filter((name) => !units.some((unit) => unit.name === name));
  for (const name of stale) rmSync(join(folder, name), { force: true });
  const staleTimers = stale.filter((name) => name.endsWith('.timer'));
  const user = ownerName();
  const linger = await lingerEnabled(user);
  const lingerCommand = `loginctl enable-linger ${user}`;
  if (io.jsonMode) {
    io.json({ message_type: 'schedule', kind: 'systemd', written, enable, linger, ...(linger ? {} : { enableLinger: lingerCommand }), ...(stale.length === 0 ? {} : { removed: stale.map((name) => join(folder, name)) }) });
    return ExitCode.ok;
  }
  for (const path of written) io.note(`wrote ${path}`);
  if (stale.length > 0) {
    io.note(`removed ${stale.join(', ')}: no longer scheduled${staleTimers.length === 0 ? '' : `; stop ${staleTimers.length === 1 ? 'its timer' : 'their timers'} with: ${disableCommand(staleTimers)}`}`);
  }
  if (!linger) {
    io.note(`linger is off for ${user}: these user timers stop when ${user} logs out, and no backup runs until the next login`);
    io.note(`to keep them running without a login, run once: ${lingerCommand}`);
  }
  io.note(`enable the timers (${jobs.map((job) => unitBaseName(job.job)).join(', ')}) with:`);
  io.out(enable);
  return ExitCode.ok;
}

function uninstallSystemd(io: CommandIO): number {
  const folder = unitFolder();
  const names = installedUnits(folder);
  const removed = names.map((name) => {
    const path = join(folder, name);
    rmSync(path, { force: true });
    return path;
  });
  const timers = names.filter((name) => name.endsWith('.timer'));
  const disable = timers.length === 0 ? null : disableCommand(timers);
  if (io.jsonMode) {
    io.json({ message_type: 'schedule_uninstall', kind: 'systemd', folder, removed, disable });
    return ExitCode.ok;
  }
  if (removed.length === 0) {
    io.note(`no drkit units in ${folder}: nothing to remove`);
    return ExitCode.ok;
  }
  for (const path of removed) io.note(`removed ${path}`);
  io.note('stop the timers and drop them from the user manager with:');
  if (disable !== null) io.out(disable);
  return ExitCode.ok;
}

function uninstallCron(io: CommandIO): number {
  const file = cronFile();
  const existed = removeCronFile(file);
  const command = crontabCommand(null);
  if (io.jsonMode) {
    io.json({ message_type: 'schedule_uninstall', kind: 'cron', removed: existed ? [file] : [], disable: command });
    return ExitCode.ok;
  }
  io.note(existed ? `removed ${file}` : `no ${file}: nothing to remove there`);
  io.note('drop drkit\'s lines (those ending in "# drkit-…") from your crontab, and no other line, with:');
  io.out(command);
  return ExitCode.ok;
}

/** Removes drkit's crontab file; true when it was there. */
function removeCronFile(file: string): boolean {
  try {
    rmSync(file);
    return true;
  } catch {
    return false;
  }
}
