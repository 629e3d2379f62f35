/**
 * The contract between the backup engines (src/jobs/onsite.ts over rsync, src/jobs/offsite.ts over restic) and
 * their callers (commands, drills, the demo). Engines emit events to a reporter; the text reporter draws progress
 * bars, the JSON reporter prints one object per line (src/ui). Engines never print.
 */
export type JobName = 'onsite' | 'offsite';

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

export type JobOutcome = 'success' | 'warning' | 'failed';

export interface JobResult {
  job: JobName;
  outcome: JobOutcome;
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
  /**
   * for failed runs: the error's code and message (never a secret); engines may add the typed error's hints,
   * kind and process exit code (src/errors.ts exitCodeFor) so callers can render and exit without re-deriving
   */
  error?: { code: string; message: string; hints?: string[]; kind?: 'user' | 'tool' | 'internal'; exitCode?: number };
}

/** A reporter that drops everything (for callers that only want the result). */
export const silentReporter: Reporter = { event: () => undefined };
