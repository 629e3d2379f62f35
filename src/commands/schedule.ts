/**
 * `drkit schedule print|install [--cron]`: systemd user units (a service and a Persistent=true timer per
 * configured job, and one for the repository check unless offsite.check is false) or crontab lines. `install` writes the units to $XDG_CONFIG_HOME/systemd/user (or the crontab
 * lines to $XDG_CONFIG_HOME/drkit/crontab) and prints the one command that enables them; it never runs systemctl
 * or crontab itself, so nothing changes behind the owner's back.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../ui/io.js';
import { ExitCode } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { configHome, defaultConfigPath } from '../config/paths.js';
import { crontabLines, enableCommand, systemdUnits, unitBaseName, type JobSchedule, type ScheduleInput } from '../core/schedule.js';
import { writeFileAtomicSync } from '../adapters/files.js';

export interface ScheduleOptions {
  action: 'print' | 'install';
  config?: string;
  cron?: boolean;
  json?: boolean;
}

export function run(options: ScheduleOptions, io: CommandIO): Promise<number> {
  // synchronous work; a throw becomes a rejection for the CLI's one catch
  return new Promise((resolve) => resolve(schedule(options, io)));
}

function schedule(options: ScheduleOptions, io: CommandIO): number {
  const configPath = resolve(options.config ?? defaultConfigPath());
  const config = loadConfig(configPath);
  const jobs: JobSchedule[] = [];
  if (config.onsite) jobs.push({ job: 'onsite', ...config.onsite.schedule });
  if (config.offsite) jobs.push({ job: 'offsite', ...config.offsite.schedule });
  if (config.offsite?.check) jobs.push({ job: 'check', ...config.offsite.check.schedule });
  // the restore drill, monthly, when the config names the kit folder it drills (drill.kit)
  if (config.offsite && config.drill?.kit !== undefined) jobs.push({ job: 'drill', every: 'monthly', at: '04:00' });
  const input: ScheduleInput = {
    node: process.execPath,
    cli: fileURLToPath(new URL('../cli.js', import.meta.url)),
    config: configPath,
    jobs,
  };

  if (options.cron) {
    const lines = crontabLines(input);
    const file = join(configHome(), 'drkit', 'crontab');
    const command = `(crontab -l 2>/dev/null | grep -v -E '# drkit-(backup-|check$)'; cat ${file}) | crontab -`;
    if (options.action === 'install') {
      mkdirSync(join(configHome(), 'drkit'), { recursive: true, mode: 0o700 });
      writeFileAtomicSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
    }
    if (io.jsonMode) {
      io.json({ message_type: 'schedule', kind: 'cron', lines, ...(options.action === 'install' ? { written: [file], enable: command } : {}) });
    } else if (options.action === 'print') {
      for (const line of lines) io.out(line);
    } else {
      io.note(`wrote ${file}`);
      io.note('add the lines to your crontab (lines from an earlier install are replaced) with:');
      io.out(command);
    }
    return ExitCode.ok;
  }

  const units = systemdUnits(input);
  const folder = join(configHome(), 'systemd', 'user');
  const enable = enableCommand(jobs);
  if (options.action === 'print') {
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
  if (io.jsonMode) {
    io.json({ message_type: 'schedule', kind: 'systemd', written, enable });
  } else {
    for (const path of written) io.note(`wrote ${path}`);
    io.note(`enable the timers (${jobs.map((job) => unitBaseName(job.job)).join(', ')}) with:`);
    io.out(enable);
  }
  return ExitCode.ok;
}
