/**
 * The contract between the backup engines (src/jobs/onsite.ts over rsync, src/jobs/offsite.ts over restic) and
 * their callers (commands, drills, the demo). Engines emit events to a reporter; the text reporter draws progress
 * bars, the JSON reporter prints one object per line (src/ui). Engines never print.
 */
import { errorToJson, type DrkitError } from '../errors.js';
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
 * files, bytes, bytes added, snapshots kept, warnings), with the typed error of a failed run.
 *
 * The engine contract (both src/jobs/onsite.ts and src/jobs/offsite.ts): a run resolves with its JobResult for
 * success, warning and failure alike, after sending it as the 'done' event. A failed result always carries the
 * DrkitError (UserError, ToolError) that ended it, so a caller renders it with src/errors.ts (formatError,
 * errorToJson) and exits with exitCodeFor. Engines reject only on a bug (InternalError or a non-DrkitError).
 */
export interface JobResult extends Omit<RunRecord, 'error'> {
  /** set exactly when outcome is 'failed'; never holds a secret (drkit's messages never do) */
  error?: DrkitError;
}

/** A result as plain JSON (the --json 'done' event): the error in the one JSON shape of src/errors.ts. */
export function resultToJson(result: JobResult): Record<string, unknown> {
  const { error, ...rest } = result;
  if (error === undefined) return rest;
  const { message_type: _type, ...shape } = errorToJson(error);
  return { ...rest, error: shape };
}

/** A reporter that drops everything (for callers that only want the result). */
export const silentReporter: Reporter = { event: () => undefined };
