/**
 * `drkit status [--json]`: per job the last good run, its age, size, snapshot count and warnings; the last
 * repository check; the last drill. Exits ExitCode.stale when a configured job is older than its maxAge, never ran,
 * or its last run failed, and when the repository check is missing, older than offsite.check.maxAge, or found
 * damage. Reads the status file of this config's setup only (src/config/paths.ts stateDir).
 *
 * Start-up matters here (monitoring runs it often): this path loads no YAML parser and no schema library when the
 * config is unchanged since it was last validated (src/config/cache.ts), and no progress-bar or PDF library ever.
 */
import { ExitCode } from '../errors.js';
import type { CommandIO } from '../ui/io.js';
import { loadConfigCached } from '../config/cache.js';
import { defaultConfigPath, stateDir, stateHome } from '../adapters/paths.js';
import { formatAge } from '../config/duration.js';
import { readState } from '../adapters/state.js';
import { judgeDrills, judgeStatus, type DrillVerdictLine, type JobStatusInput, type JobVerdict, type StatusReport } from '../core/status.js';
import { formatBytes, formatLocalTime, plural, shortId } from '../ui/format.js';
import { judgeKit, type KitVerdict } from '../core/kit-record.js';
import { scheduleState, type ScheduleState } from '../adapters/schedule-files.js';

export interface StatusOptions {
  config?: string;
  json?: boolean;
  /** the clock, for tests */
  now?: Date;
}

const LABEL: Record<JobVerdict['state'], string> = {
  'ok': 'ok', 'warning': 'ok, with warnings', 'stale': 'STALE', 'failed': 'FAILED', 'never': 'NEVER RUN', 'not-configured': 'not configured',
};

function describe(verdict: JobVerdict): string[] {
  const name = verdict.job === 'check' ? 'repository check' : verdict.job;
  const lines = [`${name}: ${LABEL[verdict.state]}${verdict.problem !== null && verdict.state !== 'warning' ? ` — ${verdict.problem}` : ''}`];
  if (verdict.state === 'not-configured') return lines;
  const good = verdict.lastGood;
  if (verdict.state === 'failed' && verdict.job === 'check' && verdict.lastRun?.error?.code === 'E_RESTIC_DAMAGED') {
    lines.push('  the repository is damaged: run `drkit check` for the findings and the repair steps');
  }
  if (good === null) {
    lines.push(`  last good ${verdict.job === 'check' ? 'check' : 'run'}: never`);
  } else {
    lines.push(`  last good ${verdict.job === 'check' ? 'check' : 'run'}: ${formatLocalTime(good.finishedAt)} (${formatAge(verdict.ageMs ?? 0)} ago; maxAge ${verdict.maxAgeText})`);
    const facts = [
      good.snapshotId === undefined ? null : `snapshot ${shortId(good.snapshotId)}`,
      good.bytesTotal === undefined ? null : formatBytes(good.bytesTotal),
      good.filesTotal === undefined ? null : plural(good.filesTotal, 'file'),
      good.snapshotCount === undefined ? null : `${plural(good.snapshotCount, 'snapshot')} kept`,
    ].filter((fact): fact is string => fact !== null);
    if (facts.length > 0) lines.push(`  ${facts.join(', ')}`);
    for (const warning of good.warnings.slice(0, 5)) lines.push(`  warning: ${warning}`);
    if (good.warnings.length > 5) lines.push(`  ... and ${plural(good.warnings.length - 5, 'more warning')}`);
  }
  return lines;
}

/** kit.maxAge without a `kit:` section (src/config/load.ts DEFAULT_KIT_MAX_AGE): the checklist's yearly re-check */
const KIT_MAX_AGE_DEFAULT = { ms: 365 * 86_400_000, text: '365d' } as const;

const KIT_LABEL: Record<KitVerdict['state'], string> = {
  ok: 'ok', outdated: 'OUTDATED', due: 'DUE FOR RE-CHECK', unverified: 'NOT VERIFIED', unknown: 'unknown', none: 'none made yet',
};

export function renderKit(verdict: KitVerdict): string[] {
  const kit = verdict.kit;
  const head = `kit: ${KIT_LABEL[verdict.state]}${verdict.problem !== null && verdict.state !== 'none' ? ` — ${verdict.problem}` : ''}`;
  if (kit === null) return [head];
  return [head, `  kit ${kit.kitId} made on ${kit.createdOn} (${formatAge(verdict.ageMs ?? 0)} ago; maxAge ${verdict.maxAgeText}): any ${kit.k} of ${kit.n} sheets (${kit.custodians.join(', ')})`];
}

export function renderStatus(report: StatusReport, drills: readonly DrillVerdictLine[] = []): string[] {
  const lines = report.jobs.flatMap(describe);
  const drill = report.lastDrill;
  if (drills.length === 0) lines.push(`last drill: ${drill === null ? 'never' : `${formatLocalTime(drill.finishedAt)} (${drill.job}, ${drill.outcome})`}`);
  for (const line of drills) {
    lines.push(`last drill via ${line.via}: ${line.last.outcome}${line.flagged ? ' (FLAGGED)' : ''} at ${formatLocalTime(line.last.finishedAt)} (${formatAge(line.ageMs)} ago)${line.problem === null ? '' : ` — ${line.problem}`}`);
  }
  return lines;
}

/** One line: is drkit's schedule installed (units present, crontab lines present)? */
export function renderSchedule(schedule: ScheduleState): string {
  switch (schedule.state) {
    case 'systemd': {
      const timers = schedule.units.filter((name) => name.endsWith('.timer')).length;
      return `schedule: systemd user timers installed (${plural(timers, 'timer')} in ${schedule.folder})`;
    }
    case 'cron':
      return `schedule: crontab lines installed (${plural(schedule.crontabLines ?? 0, 'line')} in your crontab)`;
    case 'written':
      return schedule.crontabLines === null
        ? `schedule: crontab lines written to ${schedule.cronFile ?? ''}; your crontab could not be read to see whether they are in it`
        : `schedule: crontab lines written to ${schedule.cronFile ?? ''} but not in your crontab (drkit schedule install --cron prints the command)`;
    case 'none':
      return 'schedule: not installed (drkit schedule install)';
  }
}

/** drill.maxAge when the config does not say: a quarter and a day */
const DRILL_MAX_AGE = { ms: 92 * 86_400_000, text: '92d' };

export async function run(options: StatusOptions, io: CommandIO): Promise<number> {
  const config = await loadConfigCached(options.config ?? defaultConfigPath(), stateHome());
  const dir = stateDir(config.file);
  const state = readState(dir);
  const check = config.offsite?.check;
  const jobs: JobStatusInput[] = [
    { job: 'onsite', configured: config.onsite !== undefined, maxAge: config.onsite?.maxAge ?? 0, maxAgeText: config.onsite?.maxAgeText ?? '' },
    { job: 'offsite', configured: config.offsite !== undefined, maxAge: config.offsite?.maxAge ?? 0, maxAgeText: config.offsite?.maxAgeText ?? '' },
    // the repository check: missing, older than offsite.check.maxAge or damaged makes status fail like a stale backup
    { job: 'check', configured: check !== undefined, maxAge: check?.maxAge ?? 0, maxAgeText: check?.maxAgeText ?? '' },
  ];
  const now = options.now ?? new Date();
  const report = judgeStatus(jobs, state.runs, state.drills, now, formatAge, io.jsonMode ? undefined : formatLocalTime);
  const drills = judgeDrills(state.drills, now, config.drill?.maxAge ?? DRILL_MAX_AGE.ms, config.drill?.maxAgeText ?? DRILL_MAX_AGE.text, formatAge);
  // the kit's fingerprint is recomputed from the current config and secrets only when there is a kit to compare; its
  // modules are loaded only then (a static import measured no faster with a kit, and slower without one)
  const kitBundle = state.kit === undefined ? undefined : await import('../config/kit-bundle.js');
  const current = kitBundle === undefined ? { unknown: 'no kit' } : await kitBundle.currentKitCredentials(config, state, dir);
  const kit = judgeKit(state.kit, current, config.kit?.maxAge ?? KIT_MAX_AGE_DEFAULT.ms, config.kit?.maxAgeText ?? KIT_MAX_AGE_DEFAULT.text, now, formatAge);
  // a drill that failed or is older than drill.maxAge is a finding like a stale backup (none run yet is not)
  const stale = report.stale || kit.stale || drills.some((line) => line.flagged);
  // whether the schedule is installed is said, never judged: running the jobs by hand is allowed
  const schedule = await scheduleState();
  if (io.jsonMode) {
    io.json({ message_type: 'status', setup: dir, ...report, drills, kit, schedule, stale });
  } else {
    // without a kit there is nothing to say yet (the JSON still carries state "none")
    for (const line of [...renderStatus(report, drills), ...(kit.kit === null ? [] : renderKit(kit)), renderSchedule(schedule)]) io.out(line);
  }
  return stale ? ExitCode.stale : ExitCode.ok;
}
