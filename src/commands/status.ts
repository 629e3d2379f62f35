/**
 * `drkit status [--json]`: per job the last good run, its age, size, snapshot count and warnings; the last drill.
 * Exits ExitCode.stale when a configured job is older than its maxAge, never ran, or its last run failed.
 *
 * Start-up matters here (monitoring runs it often): this path loads no YAML parser and no schema library when the
 * config is unchanged since it was last validated (src/config/cache.ts), and no progress-bar or PDF library ever.
 */
import { ExitCode } from '../errors.js';
import type { CommandIO } from '../ui/io.js';
import { loadConfigCached } from '../config/cache.js';
import { defaultConfigPath, stateDir } from '../config/paths.js';
import { formatAge } from '../config/duration.js';
import { readState } from '../adapters/state.js';
import { judgeDrills, judgeStatus, type DrillVerdictLine, type JobStatusInput, type JobVerdict, type StatusReport } from '../core/status.js';
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
  const lines = [`${verdict.job}: ${LABEL[verdict.state]}${verdict.problem !== null && verdict.state !== 'warning' ? ` — ${verdict.problem}` : ''}`];
  if (verdict.state === 'not-configured') return lines;
  const good = verdict.lastGood;
  if (good === null) {
    lines.push('  last good run: never');
  } else {
    lines.push(`  last good run: ${good.finishedAt} (${formatAge(verdict.ageMs ?? 0)} ago; maxAge ${verdict.maxAgeText})`);
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

export function renderStatus(report: StatusReport, drills: readonly DrillVerdictLine[] = []): string[] {
  const lines = report.jobs.flatMap(describe);
  const drill = report.lastDrill;
  if (drills.length === 0) lines.push(`last drill: ${drill === null ? 'never' : `${drill.finishedAt} (${drill.job}, ${drill.outcome})`}`);
  for (const line of drills) {
    lines.push(`last drill via ${line.via}: ${line.last.outcome}${line.flagged ? ' (FLAGGED)' : ''} at ${line.last.finishedAt} (${formatAge(line.ageMs)} ago)${line.problem === null ? '' : ` — ${line.problem}`}`);
  }
  return lines;
}

/** drill.maxAge when the config does not say: a quarter and a day */
const DRILL_MAX_AGE = { ms: 92 * 86_400_000, text: '92d' };

export async function run(options: StatusOptions, io: CommandIO): Promise<number> {
  const dir = stateDir();
  const config = await loadConfigCached(options.config ?? defaultConfigPath(), dir);
  const state = readState(dir);
  const jobs: JobStatusInput[] = [
    { job: 'onsite', configured: config.onsite !== undefined, maxAge: config.onsite?.maxAge ?? 0, maxAgeText: config.onsite?.maxAgeText ?? '' },
    { job: 'offsite', configured: config.offsite !== undefined, maxAge: config.offsite?.maxAge ?? 0, maxAgeText: config.offsite?.maxAgeText ?? '' },
  ];
  const now = options.now ?? new Date();
  const report = judgeStatus(jobs, state.runs, state.drills, now, formatAge);
  const drills = judgeDrills(state.drills, now, config.drill?.maxAge ?? DRILL_MAX_AGE.ms, config.drill?.maxAgeText ?? DRILL_MAX_AGE.text, formatAge);
  if (io.jsonMode) {
    io.json({ message_type: 'status', ...report, drills });
  } else {
    for (const line of renderStatus(report, drills)) io.out(line);
  }
  return report.stale ? ExitCode.stale : ExitCode.ok;
}
