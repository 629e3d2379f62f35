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
import { writeFileAtomicSync } from './files.js';
import type { DrillRecord, RunRecord } from '../core/status.js';

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
    const parsed = JSON.parse(text) as Partial<StateData>;
    if (parsed.version !== 1) throw new Error(`version ${String(parsed.version)}`);
    const problem = stateShapeProblem(parsed);
    if (problem !== null) throw new Error(problem);
    return { ...empty(), ...parsed, runs: parsed.runs ?? [], drills: parsed.drills ?? [] };
  } catch (error) {
    throw new UserError('E_STATE_CORRUPT', `status file ${file} is damaged (${error instanceof Error ? error.message : String(error)})`, {
      hints: [`move it aside (mv ${file} ${file}.bad); drkit starts a new one, and forgets past runs`],
    });
  }
}

/** Applies `change` to the state under the state lock and writes the result atomically. */
export async function updateState(dir: string, change: (state: StateData) => void): Promise<StateData> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // loaded here, not at the top: `drkit status` only reads, and every module it loads costs start-up time
  const { withLock } = await import('./lock.js');
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

const isText = (value: unknown): boolean => typeof value === 'string';
const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * What is wrong with the shape of a parsed status file (a hand edit, a torn copy), naming the field; null when
 * every field drkit reads has its type. Without it a wrong type would surface as a crash far from the file.
 */
function stateShapeProblem(parsed: Record<string, unknown>): string | null {
  for (const key of ['onsite', 'offsite'] as const) {
    const identity = parsed[key];
    if (identity === undefined) continue;
    if (!isObject(identity)) return `${key} must be an object`;
    for (const [field, value] of Object.entries(identity)) if (!isText(value)) return `${key}.${field} must be a text`;
  }
  for (const key of ['runs', 'drills'] as const) {
    const list = parsed[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `${key} must be a list`;
    for (const [index, entry] of (list as unknown[]).entries()) {
      const where = `${key}[${index}]`;
      if (!isObject(entry)) return `${where} must be an object`;
      for (const field of key === 'runs' ? ['job', 'outcome', 'startedAt', 'finishedAt'] : ['job', 'outcome', 'finishedAt']) {
        if (!isText(entry[field])) return `${where}.${field} must be a text`;
      }
      if (key === 'runs' && (!Array.isArray(entry.warnings) || !(entry.warnings as unknown[]).every(isText))) return `${where}.warnings must be a list of texts`;
      for (const [field, value] of Object.entries(entry)) {
        if (['job', 'outcome', 'startedAt', 'finishedAt', 'warnings'].includes(field)) continue;
        if (field === 'error') {
          if (!isObject(value) || !isText(value.code) || !isText(value.message)) return `${where}.error must hold a code and a message`;
        } else if (['filesTotal', 'bytesTotal', 'bytesAdded', 'snapshotCount', 'filesChecked', 'bytesChecked', 'durationMs', 'mismatches', 'changedSinceSnapshot'].includes(field)) {
          if (!isCount(value)) return `${where}.${field} must be a number`;
        } else if (field === 'findings') {
          if (!Array.isArray(value) || !(value as unknown[]).every((finding) => isObject(finding) && isText(finding.code) && isText(finding.message))) return `${where}.findings must be a list of codes and messages`;
        } else if (field === 'sheets') {
          if (!Array.isArray(value) || !(value as unknown[]).every(isCount)) return `${where}.sheets must be a list of numbers`;
        } else if (['snapshotId', 'snapshot', 'verdict', 'via', 'report', 'isolation'].includes(field)) {
          if (!isText(value)) return `${where}.${field} must be a text`;
        }
      }
    }
  }
  return null;
}
