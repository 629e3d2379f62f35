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
import { defaultConfigPath, stateDir, stateHome } from '../config/paths.js';
import { formatAge } from '../config/duration.js';
import { readState } from '../adapters/state.js';
import { judgeStatus, type JobStatusInput, type JobVerdict, type StatusReport } from '../core/status.js';
import { formatBytes, shortId } from '../ui/format.js';

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
    lines.push(`  last good ${verdict.job === 'check' ? 'check' : 'run'}: ${good.finishedAt} (${formatAge(verdict.ageMs ?? 0)} ago; maxAge ${verdict.maxAgeText})`);
    const facts = [
      good.snapshotId === undefined ? null : `snapshot ${shortId(good.snapshotId)}`,
      good.bytesTotal === undefined ? null : formatBytes(good.bytesTotal),
      good.filesTotal === undefined ? null : `${good.filesTotal} file${good.filesTotal === 1 ? '' : 's'}`,
      good.snapshotCount === undefined ? null : `${good.snapshotCount} snapshot${good.snapshotCount === 1 ? '' : 's'} kept`,
    ].filter((fact): fact is string => fact !== null);
    if (facts.length > 0) lines.push(`  ${facts.join(', ')}`);
    for (const warning of good.warnings.slice(0, 5)) lines.push(`  warning: ${warning}`);
    if (good.warnings.length > 5) lines.push(`  ... and ${good.warnings.length - 5} more warnings`);
  }
  return lines;
}

export function renderStatus(report: StatusReport): string[] {
  const lines = report.jobs.flatMap(describe);
  const drill = report.lastDrill;
  lines.push(`last drill: ${drill === null ? 'never' : `${drill.finishedAt} (${drill.job}, ${drill.outcome})`}`);
  return lines;
}

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
  const report = judgeStatus(jobs, state.runs, state.drills, options.now ?? new Date(), formatAge);
  if (io.jsonMode) {
    io.json({ message_type: 'status', setup: dir, ...report });
  } else {
    for (const line of renderStatus(report)) io.out(line);
  }
  return report.stale ? ExitCode.stale : ExitCode.ok;
}
