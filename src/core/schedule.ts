/**
 * Schedules for the backup jobs, as systemd user units or crontab lines. Pure: the program paths, the config path
 * and the jobs' schedules come in; unit texts and lines come out. Rules:
 * - one `.service` (Type=oneshot) and one `.timer` per job, the repository check included (`drkit check`); timers are `Persistent=true`, so a run missed while
 *   the machine was off happens at the next boot (the reason to prefer systemd over cron on laptops);
 * - a small RandomizedDelaySec spreads runs of many machines on one server;
 * - ExecStart is quoted for systemd (`"…"`, with `%` and `$` doubled, so no specifier or variable expands);
 * - crontab lines quote each argument for /bin/sh and escape `%` (cron turns a bare `%` into a newline);
 * - no system targets: a user manager cannot order against the system's `network-online.target`
 *   (`Wants=`/`After=` on it do nothing in a user unit), so the units name none. A run that starts before the
 *   network is up is covered by restic's own retries (offsite.retries) and drkit's giveUpAfter, and the onsite job
 *   needs no network unless its target is remote (rsync over ssh fails, the run is recorded as failed, and the
 *   next timer retries);
 * - every file drkit writes starts with UNIT_HEADER (units) or ends in its unit's tag (crontab lines), so
 *   `schedule uninstall` and `status` find exactly what drkit wrote and never touch the owner's own units.
 */

/** the first line of every unit drkit writes; `schedule uninstall` removes only files that start with it */
export const UNIT_HEADER = '# written by drkit schedule install';

/** the two backups, the repository check (`drkit check`, config offsite.check) and the restore drill */
export type ScheduledJob = 'onsite' | 'offsite' | 'check' | 'drill';

export interface JobSchedule {
  job: ScheduledJob;
  /** monthly: on the 1st (the restore drill's default) */
  every: 'hourly' | 'daily' | 'weekly' | 'monthly';
  /** "HH:MM" for daily and weekly runs (default 03:00) */
  at?: string;
}

export interface ScheduleInput {
  /** absolute path of node */
  node: string;
  /** absolute path of drkit's cli.js */
  cli: string;
  /** absolute path of the config file */
  config: string;
  jobs: readonly JobSchedule[];
}

export interface UnitFile {
  name: string;
  text: string;
}

const DESCRIPTION: Record<ScheduledJob, string> = {
  onsite: 'drkit onsite backup (rsync snapshot)',
  offsite: 'drkit offsite backup (restic)',
  check: 'drkit repository check (restic check)',
  drill: 'drkit restore drill (clean room)',
};

export function unitBaseName(job: ScheduledJob): string {
  return job === 'check' ? 'drkit-check' : `drkit-backup-${job}`;
}

function quoteSystemd(arg: string): string {
  const escaped = arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

function quoteShell(arg: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function command(input: ScheduleInput, job: ScheduledJob): string[] {
  if (job === 'drill') return [input.node, input.cli, 'drill', '--config', input.config];
  if (job === 'check') return [input.node, input.cli, 'check', '--config', input.config];
  return [input.node, input.cli, 'backup', job, '--config', input.config];
}

function timeOf(schedule: JobSchedule): [string, string] {
  const [hour = '03', minute = '00'] = (schedule.at ?? '03:00').split(':');
  return [hour, minute];
}

/** systemd's OnCalendar= for a schedule. */
export function onCalendar(schedule: JobSchedule): string {
  if (schedule.every === 'hourly') return 'hourly';
  const [hour, minute] = timeOf(schedule);
  if (schedule.every === 'monthly') return `*-*-01 ${hour}:${minute}:00`;
  return schedule.every === 'daily' ? `*-*-* ${hour}:${minute}:00` : `Mon *-*-* ${hour}:${minute}:00`;
}

/** cron's five time fields for a schedule. */
export function cronTime(schedule: JobSchedule): string {
  if (schedule.every === 'hourly') return '0 * * * *';
  const [hour, minute] = timeOf(schedule);
  if (schedule.every === 'monthly') return `${Number(minute)} ${Number(hour)} 1 * *`;
  return `${Number(minute)} ${Number(hour)} * * ${schedule.every === 'daily' ? '*' : '1'}`;
}

/** why a job that needs the network names no network target (see the module's rules) */
const NETWORK_NOTE = `# no network-online.target: a user unit cannot wait for it. A run before the network is up is retried by
# restic itself and by drkit (offsite.retries, offsite.giveUpAfter); a failed run is recorded and the next timer runs
`;

/** The .service and .timer units of every job, in job order. */
export function systemdUnits(input: ScheduleInput): UnitFile[] {
  return input.jobs.flatMap((schedule): UnitFile[] => {
    const base = unitBaseName(schedule.job);
    const service = `${UNIT_HEADER}; rerun it after changing the schedule
${schedule.job === 'onsite' ? '' : NETWORK_NOTE}[Unit]
Description=${DESCRIPTION[schedule.job]}

[Service]
Type=oneshot
ExecStart=${command(input, schedule.job).map(quoteSystemd).join(' ')}
Nice=10
IOSchedulingClass=idle
`;
    const timer = `${UNIT_HEADER}
[Unit]
Description=Run ${DESCRIPTION[schedule.job]} ${schedule.every}

[Timer]
OnCalendar=${onCalendar(schedule)}
Persistent=true
RandomizedDelaySec=${schedule.every === 'hourly' ? '5m' : '15m'}

[Install]
WantedBy=timers.target
`;
    return [{ name: `${base}.service`, text: service }, { name: `${base}.timer`, text: timer }];
  });
}

/** The one command that loads and starts the timers after the units are written. */
export function enableCommand(jobs: readonly JobSchedule[]): string {
  return `systemctl --user daemon-reload && systemctl --user enable --now ${jobs.map((job) => `${unitBaseName(job.job)}.timer`).join(' ')}`;
}

/** The names of the units drkit may write, for every job (what uninstall and status look for). */
export function allUnitNames(): string[] {
  return (['onsite', 'offsite', 'check', 'drill'] as const).flatMap((job) => [`${unitBaseName(job)}.service`, `${unitBaseName(job)}.timer`]);
}

/** True when `text` is a unit drkit wrote (it starts with UNIT_HEADER); a same-named unit of the owner's is not. */
export function isDrkitUnit(text: string): boolean {
  return text.startsWith(UNIT_HEADER);
}

/**
 * The command that stops and disables the named timers and reloads the user manager, run by the owner after
 * uninstall removed the files. systemd 252 removes the enable link of a timer whose file is gone (it warns that
 * the unit file does not exist), and `;` lets daemon-reload run even where an older systemctl exits non-zero.
 */
export function disableCommand(timers: readonly string[]): string {
  return `systemctl --user disable --now ${timers.join(' ')}; systemctl --user daemon-reload`;
}

/** The tag that ends every crontab line drkit writes (`# drkit-backup-onsite`, `# drkit-check`). */
export const CRON_TAG = /# drkit-(?:backup-(?:onsite|offsite|drill)|check)$/;

/** The shell command that replaces drkit's lines in the owner's crontab with those in `file` (none: removes them). */
export function crontabCommand(file: string | null): string {
  const keep = "crontab -l 2>/dev/null | grep -v -E '# drkit-(backup-(onsite|offsite|drill)|check)$'";
  return file === null ? `${keep} | crontab -` : `(${keep}; cat ${quoteShell(file)}) | crontab -`;
}

/** One crontab line per job, each tagged with its unit's name (`# drkit-backup-<job>`, `# drkit-check`) so it can be found and replaced. */
export function crontabLines(input: ScheduleInput): string[] {
  return input.jobs.map((schedule) => {
    const line = command(input, schedule.job).map(quoteShell).join(' ').replace(/%/g, '\\%');
    return `${cronTime(schedule)} ${line} # ${unitBaseName(schedule.job)}`;
  });
}
