/**
 * The process-wide cleanup registry: every exit of drkit ends in a known state.
 *
 * Rules:
 * - whatever a command stages (a kit's staging folder, rendered QR pages) is registered here while it exists and
 *   unregistered once it was published or removed; src/cli.ts removes what is still registered on SIGINT, SIGTERM,
 *   SIGHUP, a closed stdout (EPIPE) and a crash (the process's 'exit' event), synchronously;
 * - every external program drkit starts (restic, rsync, pdftoppm, …) is tracked here; on a signal it is sent SIGINT
 *   (restic 0.14 removes its lock on SIGINT only, rsync stops cleanly on it) and drkit waits for it before exiting;
 * - a SIGKILL runs no handler, so temporary things are named `<prefix>-<pid>-<random>`: the next run finds the
 *   ones whose owner process is gone and removes them (`sweepStale`). A name of a live process is never touched.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

const registeredPaths = new Set<string>();
const liveChildren = new Set<ChildProcess>();
/**
 * Set once an interrupt began to stop the programs: the command's own code still runs meanwhile (a killed program's
 * error unwinds it, a parallel step may start another program and make another temp folder), so a program started
 * now is killed at once, and the removal waits for nothing it did not see.
 */
let stopping = false;

/** Registers a file or folder to remove if the process ends before `release` is called. Returns `release`. */
export function registerCleanupPath(path: string): () => void {
  registeredPaths.add(path);
  return () => { registeredPaths.delete(path); };
}

/** Removes every registered path now (synchronously: it runs from signal and 'exit' handlers too). */
export function removeRegisteredPaths(): void {
  // a program started after the interrupt may still be writing into a folder: it goes first
  killChildrenNow();
  for (const path of registeredPaths) {
    try {
      // a dying program's last file can land while the folder is emptied (ENOTEMPTY): tried again, briefly
      rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // nothing more can be done at exit; the next run's sweep finds it by its owner pid
    }
    registeredPaths.delete(path);
  }
  // and whatever else this process made in the temp folder under its own pid-owned name (ownedTempName), even a
  // folder an unwinding step made or deregistered while the interrupt ran: the name says whose it is
  const mine = new RegExp(`^drkit-[a-z-]+-${process.pid}-[0-9a-f]{8}$`);
  try {
    for (const name of readdirSync(tmpdir())) {
      if (mine.test(name)) rmSync(join(tmpdir(), name), { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    }
  } catch {
    // the next run's sweep finds it by its owner pid
  }
}

/** The paths registered now (for tests and for the interrupt message). */
export function registeredCleanupPaths(): string[] {
  return [...registeredPaths];
}

/** Tracks a started program until it exits, so an interrupt can stop it. */
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  if (stopping) child.kill('SIGKILL');
  child.once('exit', () => liveChildren.delete(child));
  child.once('error', () => liveChildren.delete(child));
}

/**
 * Sends `signal` to every program still running and waits until they have exited, at most `graceMs`; what is
 * still running then gets SIGKILL. Resolves when none is left.
 */
export async function stopChildren(signal: NodeJS.Signals = 'SIGINT', graceMs = 10_000): Promise<void> {
  stopping = true;
  const children = [...liveChildren].filter((child) => child.exitCode === null && child.signalCode === null);
  if (children.length === 0) return;
  const exited = children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => { resolve(); });
  }));
  for (const child of children) child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => { resolve('timeout'); }, graceMs); });
  const outcome = await Promise.race([Promise.all(exited), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') for (const child of children) child.kill('SIGKILL');
}

/** Kills every program still running at once (the process is exiting and cannot wait). */
export function killChildrenNow(): void {
  for (const child of liveChildren) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A name for a temporary file or folder that the sweep can tie to this process: `<prefix>-<pid>-<8 hex>`. */
export function ownedTempName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** True when a process with this id runs (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A kind of leftover: names matching `pattern`, whose first capture group is the owner pid. `legacyAgeMs`:
 * for names of older drkit versions without a pid, removed once older than this.
 */
export interface LeftoverPattern {
  pattern: RegExp;
  legacy?: RegExp;
  legacyAgeMs?: number;
}

/**
 * Removes the entries of `dir` that a dead process left (see LeftoverPattern). Returns the names removed.
 * Never throws: a sweep that cannot read or remove something leaves it for the next one.
 */
export function sweepStale(dir: string, patterns: readonly LeftoverPattern[], now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    let stale = false;
    for (const { pattern, legacy, legacyAgeMs } of patterns) {
      const match = pattern.exec(name);
      if (match !== null) {
        const pid = Number(match[1]);
        stale = pid !== process.pid && !processAlive(pid);
        break;
      }
      if (legacy?.test(name) === true) {
        try {
          stale = now - statSync(join(dir, name)).mtimeMs > (legacyAgeMs ?? 3_600_000);
        } catch {
          stale = false;
        }
        break;
      }
    }
    if (!stale) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // left for the next sweep
    }
  }
  return removed;
}

/** Folders of temporary files drkit makes outside the kit's own folder. */
export const TEMP_PREFIX = { qrPages: 'drkit-qr', kitCheckHome: 'drkit-kit-check', drillScratch: 'drkit-drill', liveDrill: 'drkit-live-drill' } as const;

const TEMP_LEFTOVERS: LeftoverPattern[] = [
  { pattern: /^drkit-qr-(\d+)-[0-9a-f]{8}$/, legacy: /^drkit-qr-[A-Za-z0-9]{6}$/ },
  { pattern: /^drkit-kit-check-(\d+)-[0-9a-f]{8}$/, legacy: /^drkit-kit-check-[A-Za-z0-9]{6}$/ },
  // a drill's clean-room scratch (restored files, typed shares)
  { pattern: /^drkit-drill-(\d+)-[A-Za-z0-9]+$/ },
  // the scratch folder of drkit drill --live (restored files of the owner's backup)
  { pattern: /^drkit-live-drill-(\d+)-[0-9a-f]{8}$/ },
  // password files of drkit before the password went through a pipe (nothing makes them now); restic reads the file
  // once, as it starts, so one 10 minutes old is no longer needed even by an older drkit still running
  { pattern: /^drkit-restic-(\d+)-[0-9a-f]{8}$/, legacy: /^drkit-restic-[A-Za-z0-9]{6}$/, legacyAgeMs: 10 * 60_000 },
];

/** Sweeps the temp folder (and $XDG_RUNTIME_DIR) of what killed drkit runs left there. */
export function sweepTempLeftovers(): string[] {
  const folders = new Set([tmpdir(), ...(process.env.XDG_RUNTIME_DIR ? [process.env.XDG_RUNTIME_DIR] : [])]);
  return [...folders].flatMap((folder) => sweepStale(folder, TEMP_LEFTOVERS).map((name) => join(folder, name)));
}

/**
 * The suffix of a kit's staging folder: `.<out>.<suffix>` beside the output folder, or `.<suffix>` inside it
 * (src/render/kit-pdf.ts), and `.drkit-staging-<pid>-<hex>` inside it for a text kit (src/commands/kit-create.ts).
 */
export function kitStagingSuffix(): string {
  return `${ownedTempName('drkit')}.tmp`;
}

export function textKitStagingName(): string {
  return `.${ownedTempName('drkit-staging')}`;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes the staging folders of kits that killed runs of `kit create --out outDir` left (a complete kit may be in
 * one: it must not lie around). Returns the paths removed.
 */
export function sweepKitStaging(outDir: string): string[] {
  const out = resolve(outDir);
  const name = escapeRegExp(basename(out));
  const beside = sweepStale(dirname(out), [{ pattern: new RegExp(`^\\.${name}\\.drkit-(\\d+)-[0-9a-f]{8}\\.tmp$`), legacy: new RegExp(`^\\.${name}\\.drkit-[0-9a-f]{8}\\.tmp$`) }]);
  const inside = sweepStale(out, [
    { pattern: /^\.drkit-(\d+)-[0-9a-f]{8}\.tmp$/, legacy: /^\.drkit-[0-9a-f]{8}\.tmp$/ },
    { pattern: /^\.drkit-staging-(\d+)-[0-9a-f]{8}$/, legacy: /^\.drkit-staging-[0-9A-Z]+$/ },
  ]);
  return [...beside.map((entry) => join(dirname(out), entry)), ...inside.map((entry) => join(out, entry))];
}
