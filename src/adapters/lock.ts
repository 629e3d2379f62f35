/**
 * One run per job: a lock file holding the holder's pid, host and start time, created atomically (written to a
 * private temporary name, then hard-linked into place: the link fails if the lock exists, so there is never a
 * half-written lock). A lock whose holder is on this host and whose pid no longer runs is stale: it is taken over,
 * and the caller is told so it can note it.
 */
import { processAlive } from './cleanup.js';
import { atomicTempName, sweepAtomicLeftovers } from './files.js';
import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode, UserError } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** what the lock is for ("backup onsite") */
  purpose: string;
}

export interface HeldLock {
  info: LockInfo;
  /** the stale lock that was taken over, if any */
  tookOver?: LockInfo;
  release(): void;
}

/** true when a process with this pid exists (EPERM: it exists but belongs to someone else); the one rule, in cleanup.ts */
export const pidAlive = processAlive;

export function readLock(file: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt ?? ''), purpose: String(parsed.purpose ?? '') };
  } catch {
    return null;
  }
}

function isStale(info: LockInfo | null): boolean {
  // an unreadable lock cannot come from our atomic writer: it is debris
  return info === null || (info.host === hostname() && !pidAlive(info.pid));
}

function tryLink(file: string, temp: string): boolean {
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Takes the lock at `file` or throws a UserError with exit code `locked` naming the holder.
 * `now` is a parameter so tests can fix the start time.
 */
export function acquireLock(file: string, purpose: string, now: Date = new Date()): HeldLock {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: now.toISOString(), purpose };
  // the atomic writer's temp name: what a run killed right here leaves is swept by the next one
  sweepAtomicLeftovers(dirname(file));
  const temp = atomicTempName(file);
  writeFileSync(temp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  let tookOver: LockInfo | undefined;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryLink(file, temp)) {
        return { info, ...(tookOver ? { tookOver } : {}), release: () => releaseLock(file, info) };
      }
      const holder = readLock(file);
      if (!isStale(holder)) {
        const who = holder as LockInfo;
        throw new UserError('E_LOCKED', `${purpose} is already running (pid ${who.pid} on ${who.host}, since ${who.startedAt})`, {
          exitCode: ExitCode.locked,
          hints: [`wait for it to finish; if pid ${who.pid} is not drkit, remove ${file}`],
          details: { lock: file, holder: who },
        });
      }
      // move the stale lock aside, then check we moved the stale one and not a lock a racing run just took
      const aside = `${file}.stale.${process.pid}`;
      try {
        renameSync(file, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = readLock(aside);
      if (moved !== null && holder !== null && (moved.pid !== holder.pid || moved.startedAt !== holder.startedAt)) {
        // a live lock: put it back (if the slot is free) and report it on the next turn
        tryLink(file, aside);
        unlinkSync(aside);
        continue;
      }
      unlinkSync(aside);
      tookOver = holder ?? { pid: 0, host: 'unknown', startedAt: '', purpose };
    }
    throw new UserError('E_LOCKED', `${purpose}: could not take the lock ${file}`, { exitCode: ExitCode.locked });
  } finally {
    unlinkSync(temp);
  }
}

function releaseLock(file: string, info: LockInfo): void {
  const current = readLock(file);
  // only remove our own lock (never one a later run took over after we were presumed dead)
  if (current !== null && current.pid === info.pid && current.startedAt === info.startedAt && current.host === info.host) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}

/** Runs `fn` holding the lock, waiting up to `waitMs` for a short critical section held by another process. */
export async function withLock<T>(file: string, purpose: string, fn: () => Promise<T> | T, waitMs = 10_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let lock: HeldLock;
    try {
      lock = acquireLock(file, purpose);
    } catch (error) {
      if (error instanceof UserError && error.code === 'E_LOCKED' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
        continue;
      }
      throw error;
    }
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }
}
