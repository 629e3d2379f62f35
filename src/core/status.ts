/**
 * Staleness verdicts for `drkit status`. Pure: run records and the clock in, verdicts out.
 *
 * Rules, per configured job:
 * - no run yet → "never" (stale: nothing is backed up);
 * - the last run failed → "failed" (stale, whatever the age of the last good run);
 * - the last good run (success or warning) is older than the job's maxAge → "stale";
 * - the last good run had warnings → "warning" (not stale: the snapshot exists; the warnings are listed);
 * - else "ok".
 * A job that is not configured is listed as such and never makes the report stale.
 */
import { plural } from './words.js';


/** the two backup jobs, and the repository check (src/jobs/check.ts), which is recorded and judged like them */
export type RecordJob = 'onsite' | 'offsite' | 'check';
export type RunOutcome = 'success' | 'warning' | 'failed';

/** One run of a backup job as kept in the status file. Never holds a secret. */
export interface RunRecord {
  job: RecordJob;
  outcome: RunOutcome;
  startedAt: string;
  finishedAt: string;
  /** restic snapshot id, or the onsite snapshot's folder name */
  snapshotId?: string;
  filesTotal?: number;
  bytesTotal?: number;
  /** bytes newly stored by this run (restic data_added; rsync: bytes transferred) */
  bytesAdded?: number;
  /** snapshots kept after retention */
  snapshotCount?: number;
  warnings: string[];
  error?: { code: string; message: string };
}

/** A restore drill's record, one per via (`drkit drill`, docs/drills.md). Never holds a secret. */
export interface DrillRecord {
  job: RecordJob;
  outcome: 'passed' | 'failed';
  finishedAt: string;
  /** how the restore was done: the printed guide, drkit recover, the onsite snapshot (absent in old records), or a
   * person with the real sheets (`drkit drill --live`, entered by `drkit drill --record`) */
  via?: 'guide' | 'tool' | 'onsite' | 'live';
  /** the kit a live drill opened */
  kitId?: string;
  startedAt?: string;
  isolation?: 'bwrap' | 'none';
  /** share numbers of the sheets used */
  sheets?: number[];
  filesChecked?: number;
  bytesChecked?: number;
  mismatches?: number;
  changedSinceSnapshot?: number;
  findings?: { code: string; message: string }[];
}

/** The last drill of one via, and whether it is too old or failed. */
export interface DrillVerdictLine {
  via: 'guide' | 'tool' | 'onsite' | 'live';
  last: DrillRecord;
  ageMs: number;
  /** failed, or older than drill.maxAge */
  flagged: boolean;
  problem: string | null;
}

/** The last drill of each via, flagged when it failed or is older than `maxAge` (drill.maxAge, default 92 d). */
export function judgeDrills(drills: readonly DrillRecord[], now: Date, maxAge: number, maxAgeText: string, formatAge: (ms: number) => string): DrillVerdictLine[] {
  const out: DrillVerdictLine[] = [];
  for (const via of ['guide', 'tool', 'onsite', 'live'] as const) {
    const last = drills.filter((drill) => (drill.via ?? 'tool') === via).sort(byFinish).at(-1);
    if (last === undefined) continue;
    const ageMs = now.getTime() - Date.parse(last.finishedAt);
    const problem = last.outcome === 'failed' ? `last drill failed: ${last.findings?.[0]?.message ?? 'see drkit drill'}`
      : ageMs > maxAge ? `last drill is ${formatAge(ageMs)} old, more than drill.maxAge ${maxAgeText}: run drkit drill` : null;
    out.push({ via, last, ageMs, flagged: problem !== null, problem });
  }
  return out;
}

export interface JobStatusInput {
  job: RecordJob;
  configured: boolean;
  /** milliseconds */
  maxAge: number;
  maxAgeText: string;
}

export type JobState = 'ok' | 'warning' | 'stale' | 'failed' | 'never' | 'not-configured';

export interface JobVerdict {
  job: RecordJob;
  state: JobState;
  /** true when this job makes `drkit status` exit non-zero */
  stale: boolean;
  lastRun: RunRecord | null;
  lastGood: RunRecord | null;
  /** age of the last good run in ms at `now`, null when there is none */
  ageMs: number | null;
  maxAge: number;
  maxAgeText: string;
  /** a one-line reason when the job is not ok */
  problem: string | null;
}

export interface StatusReport {
  now: string;
  jobs: JobVerdict[];
  lastDrill: DrillRecord | null;
  stale: boolean;
}

const byFinish = (a: { finishedAt: string }, b: { finishedAt: string }): number => Date.parse(a.finishedAt) - Date.parse(b.finishedAt);

export function judgeStatus(jobs: readonly JobStatusInput[], runs: readonly RunRecord[], drills: readonly DrillRecord[], now: Date,
  formatAge: (ms: number) => string = (ms) => `${Math.round(ms / 3_600_000)}h`,
  /** how a time is shown in a problem: ISO UTC for JSON (the default), the reader's local time for text */
  formatTime: (iso: string) => string = (iso) => iso): StatusReport {
  const verdicts = jobs.map((input): JobVerdict => {
    const mine = runs.filter((run) => run.job === input.job).sort(byFinish);
    const lastRun = mine.at(-1) ?? null;
    const lastGood = mine.filter((run) => run.outcome !== 'failed').at(-1) ?? null;
    const ageMs = lastGood === null ? null : now.getTime() - Date.parse(lastGood.finishedAt);
    const base = { job: input.job, lastRun, lastGood, ageMs, maxAge: input.maxAge, maxAgeText: input.maxAgeText };
    if (!input.configured) return { ...base, state: 'not-configured', stale: false, problem: null };
    if (lastRun === null) return { ...base, state: 'never', stale: true, problem: input.job === 'check' ? 'no repository check has run yet' : 'no backup has run yet' };
    if (lastRun.outcome === 'failed') {
      const why = lastRun.error ? `${lastRun.error.message} (${lastRun.error.code})` : 'unknown error';
      return { ...base, state: 'failed', stale: true, problem: `last run failed at ${formatTime(lastRun.finishedAt)}: ${why}` };
    }
    if (ageMs !== null && ageMs > input.maxAge) {
      return { ...base, state: 'stale', stale: true, problem: `last good run is ${formatAge(ageMs)} old, more than maxAge ${input.maxAgeText}` };
    }
    if (lastGood !== null && lastGood.outcome === 'warning') {
      return { ...base, state: 'warning', stale: false, problem: `last run finished with ${plural(lastGood.warnings.length, 'warning')}` };
    }
    return { ...base, state: 'ok', stale: false, problem: null };
  });
  return {
    now: now.toISOString(),
    jobs: verdicts,
    lastDrill: [...drills].sort(byFinish).at(-1) ?? null,
    stale: verdicts.some((verdict) => verdict.stale),
  };
}
