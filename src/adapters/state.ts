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
