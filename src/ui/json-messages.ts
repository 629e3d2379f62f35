/**
 * Every JSON message drkit prints with `--json`, in one place: one object per line on stdout, keyed on
 * `message_type` as restic's own `--json` output is. docs/json-output.md documents each type's fields, and
 * fixtures/golden/json/<message_type>.json holds what the real commands printed (test/json/: a test fails when a
 * type here, in the doc or among the goldens is missing from the others). CommandIO.json takes only these, so a
 * command cannot print an undocumented type or a misspelt top-level field.
 *
 * Nested values a command passes through from the module that made them (a status verdict, a drill report) keep
 * that module's type; the fields listed here are the ones docs/json-output.md names.
 */
import type { ErrorJson } from '../errors.js';
import type { JobName } from '../jobs/types.js';

/** the message types, in the order docs/json-output.md lists them */
export const MESSAGE_TYPES = [
  'error', 'start', 'progress', 'info', 'warning', 'done', 'status', 'init', 'schedule', 'schedule_uninstall',
  'kit_created', 'verified', 'printed', 'recovered', 'restore_progress', 'onsite_snapshots', 'restored_onsite',
  'drill', 'drill_live', 'drill_recorded', 'demo',
] as const satisfies ReadonlyArray<keyof Fields | 'error'>;

export type MessageType = typeof MESSAGE_TYPES[number];

/** `error`: any command's failure (src/errors.ts errorToJson); a job's failure also names the job */
export type ErrorMessage = ErrorJson & { job?: JobName };

/** what a restore wrote (`recover --restore-to`, `recover --onsite … --restore-to`) */
export interface RestoredJson {
  target: string;
  snapshot: string;
  files: number | null;
  bytes: number | null;
  folders: string[];
}

export interface JobEventMessages {
  start: { job: JobName; at: string; target: string };
  progress: { job: JobName; fraction?: number; filesDone?: number; filesTotal?: number; bytesDone?: number; bytesTotal?: number; currentFile?: string };
  info: { job: JobName; message: string };
  warning: { job: JobName; message: string };
  /** `result` is src/jobs/types.ts resultToJson's: the run record, and for a failure `error` without `message_type` */
  done: { job: JobName; result: Record<string, unknown> };
}

export interface CommandMessages {
  status: { setup: string; now: string; stale: boolean; jobs: unknown[]; lastDrill: unknown; drills: unknown[]; kit: unknown; schedule: unknown };
  init: {
    config: string;
    onsite?: { target: string; markerId: string; created: boolean };
    offsite?: { repository: string; repositoryId: string; created: boolean };
  };
  schedule: {
    kind: 'systemd' | 'cron';
    folder?: string;
    units?: ReadonlyArray<{ name: string; text: string }>;
    lines?: string[];
    written?: string[];
    enable?: string;
    linger?: boolean;
    enableLinger?: string;
    removed?: string[];
  };
  schedule_uninstall: { kind: 'systemd' | 'cron'; folder?: string; removed: string[]; disable: string | null };
  kit_created: {
    kitId: string; createdOn: string; threshold: number; shares: number; out: string; files: string[]; fingerprints: readonly string[];
    credentialsVerified: boolean; selfTest: { subsetsCombined: number; sheets?: number; guideCommands?: number; durationMs?: number } | null;
  };
  verified:
    | { kind: 'share'; share: number; shares: number; threshold: number; kitId: string; fingerprint: string; envelope?: 'intact' | 'absent' }
    | { kind: 'envelope'; bytes: number };
  printed: { printer: string; jobs: string[]; files: string[] };
  recovered: {
    kitId: string; sharesUsed: readonly number[]; out: string | null; repository: string; createdOn: string; warnings: readonly string[];
    restored?: RestoredJson; notes?: string | null;
  };
  restore_progress: { bytesDone: number; bytesTotal?: number; fraction?: number; bytesPerSecond?: number; secondsLeft?: number; filesDone?: number; filesTotal?: number };
  onsite_snapshots: {
    disk: string;
    snapshots: ReadonlyArray<{ snapshot: string; host: string | undefined; time: string; paths: readonly string[]; folder: string; latest: boolean }>;
  };
  restored_onsite: { disk: string; restored: RestoredJson };
  /** the drill report of src/jobs/drill.ts, whole (docs/drills.md) */
  drill: { verdict: 'passed' | 'failed'; startedAt: string; finishedAt: string; durationMs: number; vias: readonly unknown[]; findings: readonly unknown[] };
  /** the live drill's certificate (src/core/drill-certificate.ts), whole, and the files written */
  drill_live: { kitId: string; verdict: 'passed' | 'failed'; certificate: { text: string; pdf: string | null; pdfProblem?: string } };
  drill_recorded: { via: 'live'; kitId: string; outcome: 'passed' | 'failed'; finishedAt: string; stuck: string; already: boolean };
  demo: { verdict: 'ok'; dir: string; kept: boolean; durationMs: number; files: Record<string, string> | null; steps: readonly unknown[] };
}

type Fields = JobEventMessages & CommandMessages;

/** a compile-time check that MESSAGE_TYPES lists every type that has fields here (it cannot list one that has none) */
export const EVERY_TYPE_LISTED: Exclude<keyof Fields | 'error', MessageType> extends never ? true : false = true;

/** one message of each type: `{ message_type: TYPE, ...its fields }` */
export type JsonMessage = ErrorMessage | { [Type in keyof Fields]: { message_type: Type } & Fields[Type] }[keyof Fields];
