/**
 * The contract between the backup engines (src/jobs/onsite.ts over rsync, src/jobs/offsite.ts over restic) and
 * their callers (commands, drills, the demo). Engines emit events to a reporter; the text reporter draws progress
 * bars, the JSON reporter prints one object per line (src/ui). Engines never print.
 */
import type { RecordJob, RunOutcome, RunRecord } from '../core/status.js';

export type JobName = RecordJob;

export type JobEvent =
  | { type: 'start'; job: JobName; at: string; target: string }
  | {
      type: 'progress'; job: JobName;
      /** 0..1 when known */
      fraction?: number;
      filesDone?: number; filesTotal?: number;
      bytesDone?: number; bytesTotal?: number;
      currentFile?: string;
    }
  /** something the owner should know that did not stop the job (unreadable file, rsync 23/24, restic exit 3) */
  | { type: 'warning'; job: JobName; message: string }
  /** a line of what the engine is doing ("pruning 3 old snapshots") */
  | { type: 'info'; job: JobName; message: string }
  | { type: 'done'; job: JobName; result: JobResult };

export interface Reporter {
  event(event: JobEvent): void;
}

export type JobOutcome = RunOutcome;

/**
 * What an engine returns: the run record the status file keeps (src/core/status.ts: outcome, times, snapshot id,
 * files, bytes, bytes added, snapshots kept, warnings), with a richer error for the caller.
 */
export interface JobResult extends Omit<RunRecord, 'error'> {
  /**
   * for failed runs: the error's code and message (never a secret); engines may add the typed error's hints,
   * kind and process exit code (src/errors.ts exitCodeFor) so callers can render and exit without re-deriving
   */
  error?: { code: string; message: string; hints?: string[]; kind?: 'user' | 'tool' | 'internal'; exitCode?: number };
}

/** A reporter that drops everything (for callers that only want the result). */
export const silentReporter: Reporter = { event: () => undefined };
