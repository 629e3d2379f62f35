/**
 * The status file: `$XDG_STATE_HOME/drkit/status.json`, holding what init provisioned (the onsite marker's UUID,
 * the restic repository id) and the records of backup runs (and, later, drills). Rules:
 * - written atomically (a 0600 temporary file in the same folder, fsync, rename), so a crash leaves the old or
 *   the new file, never a torn one; the folder is 0700;
 * - read-modify-write under a short lock, because onsite and offsite backups may finish at the same moment;
 * - no secrets: records hold error codes and messages, which drkit never fills with secrets (and the backup
 *   command scrubs known secret values before recording, as a second guard);
 * - bounded: the newest RUNS_KEPT records per job are kept.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { DrillRecord, RunRecord } from '../core/status.js';
import type { KitRecord } from '../core/kit-record.js';

export const RUNS_KEPT = 200;

export interface OnsiteIdentity {
  /** the UUID in the target's marker file */
  markerId: string;
  target: string;
  initializedAt: string;
}

export interface OffsiteIdentity {
  /** restic's repository id (`restic cat config`) */
  repositoryId: string;
  repository: string;
  initializedAt: string;
}

export interface StateData {
  version: 1;
  onsite?: OnsiteIdentity;
  offsite?: OffsiteIdentity;
  runs: RunRecord[];
  drills: DrillRecord[];
  /** the newest kit made by `drkit kit create` (src/adapters/kit-store.ts) */
  kit?: KitRecord;
}

export function statusFile(dir: string): string {
  return join(dir, 'status.json');
}

export function locksDir(dir: string): string {
  return join(dir, 'locks');
}

const empty = (): StateData => ({ version: 1, runs: [], drills: [] });

/** The state in `dir`; an absent file is an empty state, an unreadable one a UserError naming it. */
export function readState(dir: string): StateData {
  const file = statusFile(dir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty();
    throw new UserError('E_STATE_READ', `cannot read status file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    const problem = stateProblem(parsed);
    if (problem !== null) throw new Error(problem);
    const state = parsed as Partial<StateData>;
    return { ...empty(), ...state, runs: state.runs ?? [], drills: state.drills ?? [] };
  } catch (error) {
    throw new UserError('E_STATE_CORRUPT', `status file ${file} is damaged (${error instanceof Error ? error.message : String(error)})`, {
      hints: [`move it aside (mv ${file} ${file}.bad); drkit starts a new one, and forgets past runs`],
    });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const OUTCOMES = new Set(['success', 'warning', 'failed']);
const RECORD_JOBS = new Set(['onsite', 'offsite', 'check']);

/**
 * What is wrong with a parsed status file, or null. Checks the fields drkit reads (a file edited by hand or
 * written by another program must be a clear error, not a crash later); keys it does not know are kept.
 */
function stateProblem(data: unknown): string | null {
  if (!isObject(data)) return 'it is not a JSON object';
  if (data.version !== 1) return `version ${JSON.stringify(data.version)}, expected 1`;
  for (const [key, fields] of [['onsite', ['markerId', 'target']], ['offsite', ['repositoryId', 'repository']]] as const) {
    const identity = data[key];
    if (identity === undefined) continue;
    if (!isObject(identity)) return `"${key}" is not an object`;
    for (const field of fields) if (typeof identity[field] !== 'string') return `"${key}.${field}" is not a string`;
  }
  for (const key of ['runs', 'drills'] as const) {
    const list = data[key];
    if (list !== undefined && !Array.isArray(list)) return `"${key}" is not a list`;
  }
  const runs = (data.runs ?? []) as unknown[];
  for (const [index, run] of runs.entries()) {
    const where = `runs[${index}]`;
    if (!isObject(run)) return `${where} is not an object`;
    if (typeof run.job !== 'string' || !RECORD_JOBS.has(run.job)) return `${where}.job is not onsite, offsite or check`;
    if (typeof run.outcome !== 'string' || !OUTCOMES.has(run.outcome)) return `${where}.outcome is not success, warning or failed`;
    for (const field of ['startedAt', 'finishedAt'] as const) {
      if (typeof run[field] !== 'string' || Number.isNaN(Date.parse(run[field]))) return `${where}.${field} is not a time`;
    }
    if (!Array.isArray(run.warnings) || !run.warnings.every((warning) => typeof warning === 'string')) return `${where}.warnings is not a list of texts`;
    if (run.error !== undefined && (!isObject(run.error) || typeof run.error.code !== 'string' || typeof run.error.message !== 'string')) return `${where}.error is not a code and a message`;
    for (const field of ['filesTotal', 'bytesTotal', 'bytesAdded', 'snapshotCount'] as const) {
      if (run[field] !== undefined && typeof run[field] !== 'number') return `${where}.${field} is not a number`;
    }
    if (run.snapshotId !== undefined && typeof run.snapshotId !== 'string') return `${where}.snapshotId is not a text`;
  }
  for (const [index, drill] of ((data.drills ?? []) as unknown[]).entries()) {
    if (!isObject(drill) || typeof drill.finishedAt !== 'string' || Number.isNaN(Date.parse(drill.finishedAt))) return `drills[${index}] has no finishedAt time`;
  }
  return null;
}

/** Applies `change` to the state under the state lock and writes the result atomically. */
export async function updateState(dir: string, change: (state: StateData) => void): Promise<StateData> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // loaded here, not at the top: `drkit status` only reads, and every module it loads costs start-up time
  const [{ withLock }, { writeFileAtomicSync }] = await Promise.all([import('./lock.js'), import('./files.js')]);
  return withLock(join(locksDir(dir), 'status.lock'), 'status file update', () => {
    const state = readState(dir);
    change(state);
    writeFileAtomicSync(statusFile(dir), `${JSON.stringify(state, null, 2)}\n`);
    return state;
  });
}

/** Appends a run record, keeping the newest RUNS_KEPT per job. */
export async function recordRun(dir: string, record: RunRecord): Promise<void> {
  await updateState(dir, (state) => {
    state.runs.push(record);
    const mine = state.runs.filter((run) => run.job === record.job);
    if (mine.length > RUNS_KEPT) {
      const drop = new Set(mine.slice(0, mine.length - RUNS_KEPT));
      state.runs = state.runs.filter((run) => !drop.has(run));
    }
  });
}

/** Appends drill records (one per via), keeping the newest RUNS_KEPT. */
export async function recordDrill(dir: string, records: readonly DrillRecord[]): Promise<void> {
  await updateState(dir, (state) => {
    state.drills.push(...records);
    if (state.drills.length > RUNS_KEPT) state.drills = state.drills.slice(state.drills.length - RUNS_KEPT);
  });
}
