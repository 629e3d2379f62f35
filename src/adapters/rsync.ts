/**
 * The rsync adapter: a pure argument builder, a line parser for `--info=progress2` and `--stats`, the mapping of
 * rsync's exit codes to typed outcomes, and a runner over src/adapters/exec.ts that streams stdout line by line
 * (memory stays flat whatever the number of files).
 *
 * Exit codes (rsync(1) "EXIT VALUES"):
 * - 0: success.
 * - 24 (some source files vanished) and 23 (partial transfer) when every error line comes from the SENDER (a
 *   source file unreadable or gone): a WARNING. The files that could be read were transferred completely and
 *   consistently (rsync writes each file to a temporary name and renames it), so the snapshot is kept and renamed
 *   as complete; the job result carries the warning and the lines rsync gave, so the owner sees what is missing.
 *   Refusing the whole snapshot for one locked file would leave the owner with no recent snapshot at all.
 * - 23 with an error on the RECEIVER or GENERATOR side (the target failed to create or write a file), and any
 *   code with "No space left on device" / "Disk quota exceeded" in its messages: a FAILURE — the snapshot is not
 *   complete. A target that only refuses ATTRIBUTES (times, permissions, owners, ACLs, xattrs — a NAS share that
 *   cannot chown) still holds every byte: a warning.
 * - 20 (received SIGINT/SIGTERM/SIGHUP) or death by a signal: interrupted, a failure.
 * - everything else (1 syntax, 2 protocol, 3 file selection, 5 start-up, 10 socket, 11 file I/O, 12 protocol
 *   stream, 30/35 timeouts, 255 ssh, unknown codes): a ToolError with rsync's stderr tail.
 */
import { ExitCode, ToolError } from '../errors.js';
import { runProgram, type RunResult } from './exec.js';

export interface RsyncArgsOptions {
  /** absolute source paths; each is recreated under the destination with its full path (--relative) */
  sources: readonly string[];
  /**
   * --relative (default true). false: the source's content goes straight into `destination`, which the caller
   * made `<snapshot>/<absolute path>/` (one rsync per source; see src/jobs/onsite.ts)
   */
  relative?: boolean;
  /** `DIR/` or `user@host:DIR/` — the folder the sources land in */
  destination: string;
  /** --link-dest: a folder (relative paths are relative to the destination folder, as rsync defines it) */
  linkDest?: string;
  /** patterns passed as --exclude, in order */
  excludes?: readonly string[];
  /**
   * delete files in the destination that are not in the sources, or that are excluded (--delete
   * --delete-excluded): used when an interrupted snapshot is the seed, so the result is what a fresh copy would be
   */
  delete?: boolean;
  /** remote shell command (-e), e.g. `ssh -p 2222 -i KEY -o BatchMode=yes` */
  rsh?: string;
  /** --bwlimit in KiB per second */
  bwlimitKiBps?: number;
  /** emit --info=progress2 lines and the --stats summary (default true) */
  progress?: boolean;
}

/**
 * The argument array for `rsync`. Pure. Every source must be absolute: an absolute path can never be read as an
 * option, and --relative then recreates it in full under the destination. The destination must not start with '-'.
 */
export function buildRsyncArgs(options: RsyncArgsOptions): string[] {
  if (options.sources.length === 0) throw new RangeError('rsync needs at least one source');
  for (const source of options.sources) {
    if (!source.startsWith('/')) throw new RangeError(`rsync source ${JSON.stringify(source)} must be an absolute path`);
  }
  if (options.destination === '' || options.destination.startsWith('-')) {
    throw new RangeError(`rsync destination ${JSON.stringify(options.destination)} must be a path or user@host:path`);
  }
  const args = options.relative === false ? ['--archive'] : ['--archive', '--relative'];
  if (options.progress ?? true) args.push('--info=progress2', '--stats');
  if (options.delete) args.push('--delete', '--delete-excluded');
  if (options.linkDest !== undefined) args.push(`--link-dest=${options.linkDest}`);
  if (options.bwlimitKiBps !== undefined) args.push(`--bwlimit=${options.bwlimitKiBps}`);
  if (options.rsh !== undefined) args.push('-e', options.rsh);
  for (const pattern of options.excludes ?? []) args.push(`--exclude=${pattern}`);
  args.push(...options.sources, options.destination);
  return args;
}

/**
 * The exclude patterns for one source copied without --relative, where rsync anchors a leading '/' at the source
 * folder instead of at '/': a pattern anchored inside the source is made relative to it, one anchored elsewhere
 * cannot match and is left out, unanchored ones are kept as they are. Pure.
 */
export function excludesForSource(source: string, excludes: readonly string[]): string[] {
  const root = source.replace(/\/+$/, '');
  return excludes.flatMap((pattern) => {
    if (!pattern.startsWith('/')) return [pattern];
    if (root === '') return [pattern];
    return pattern.startsWith(`${root}/`) ? [pattern.slice(root.length)] : [];
  });
}

/**
 * The argument array to copy one onsite snapshot back (`drkit recover --onsite`): a plain `rsync -a` of the
 * snapshot folder's content into `destination`, with progress. Pure. Both paths must be absolute.
 */
export function buildRsyncCopyArgs(options: { source: string; destination: string }): string[] {
  for (const path of [options.source, options.destination]) {
    if (!path.startsWith('/')) throw new RangeError(`rsync copy path ${JSON.stringify(path)} must be an absolute path`);
  }
  const folder = (path: string) => (path.endsWith('/') ? path : `${path}/`);
  return ['--archive', '--info=progress2', '--stats', folder(options.source), folder(options.destination)];
}

export interface RsyncProgress {
  /** bytes transferred so far in this run */
  bytesDone: number;
  /** 0..1 (rsync's own estimate; grows with incremental recursion) */
  fraction: number;
  /** files checked so far and the number known (from `to-chk=LEFT/TOTAL`), when rsync gave them */
  filesDone?: number;
  filesTotal?: number;
}

// "      3,000,000  99%  943.26MB/s    0:00:00 (xfr#1, to-chk=1/6)" (ir-chk while the file list still grows)
const PROGRESS = /^\s*([\d,.]+)\s+(\d{1,3})%\s+\S+\s+\S+(?:\s+\(xfr#(\d+), (?:to|ir)-chk=(\d+)\/(\d+)\))?\s*$/;

/** Parses one `--info=progress2` line, or returns null for any other line. */
export function parseProgressLine(line: string): RsyncProgress | null {
  const match = PROGRESS.exec(line);
  if (!match) return null;
  const bytesDone = Number((match[1] ?? '').replace(/[,.]/g, ''));
  if (!Number.isSafeInteger(bytesDone)) return null;
  const progress: RsyncProgress = { bytesDone, fraction: Math.min(1, Number(match[2]) / 100) };
  if (match[4] !== undefined && match[5] !== undefined) {
    const left = Number(match[4]);
    const total = Number(match[5]);
    progress.filesTotal = total;
    progress.filesDone = total - left;
  }
  return progress;
}

export interface RsyncStats {
  /** regular files in the sources (folders and links not counted, as restic counts files) */
  filesTotal?: number;
  regularFilesTransferred?: number;
  /** total size of the files in the sources */
  totalFileSize?: number;
  /** size of the files rsync had to transfer (the rest were hard-linked to the previous snapshot) */
  transferredFileSize?: number;
}

const STAT_LINES: ReadonlyArray<[RegExp, keyof RsyncStats]> = [
  [/^Number of files: [\d,.]+ \(reg: ([\d,.]+)/, 'filesTotal'],
  [/^Number of files: ([\d,.]+)/, 'filesTotal'],
  [/^Number of regular files transferred: ([\d,.]+)/, 'regularFilesTransferred'],
  [/^Total file size: ([\d,.]+) bytes/, 'totalFileSize'],
  [/^Total transferred file size: ([\d,.]+) bytes/, 'transferredFileSize'],
];

/** Folds one `--stats` line into `stats` (other lines are ignored). */
export function parseStatsLine(line: string, stats: RsyncStats): void {
  for (const [pattern, key] of STAT_LINES) {
    const match = pattern.exec(line);
    if (match) {
      const value = Number((match[1] ?? '').replace(/[,.]/g, ''));
      if (Number.isSafeInteger(value)) stats[key] = value;
      return;
    }
  }
}

export type RsyncOutcome =
  | { kind: 'ok' }
  /** 23/24 from the sender's side: the snapshot is usable; `messages` are rsync's error lines */
  | { kind: 'warning'; exitStatus: number; messages: string[] };

/** target-side messages about metadata only: the file's bytes were written */
const ATTRIBUTES_ONLY = /failed to set (?:times|permissions)|chown|chgrp|set_acl|set_xattr|rsync_xal_set|failed to modify/;

const NO_SPACE = /No space left on device|Disk quota exceeded|\(28\)$|\(122\)$/m;

/** rsync's own error lines ("rsync: [sender] ...", "rsync error: ...") from a stderr tail. */
export function rsyncErrorLines(stderrTail: string): string[] {
  return stderrTail.split('\n').map((line) => line.trim()).filter((line) => /^rsync(?:: | error:)/.test(line) || line.startsWith('file has vanished'));
}

const rsyncHint = 'see rsync(1) "EXIT VALUES" for the code';

/**
 * Maps an rsync run's exit to an outcome, or throws the ToolError that says what failed. Pure.
 * `destination` names the target in messages.
 */
export function mapRsyncExit(result: Pick<RunResult, 'exitStatus' | 'signal' | 'stderrTail'>, destination: string): RsyncOutcome {
  const { exitStatus, signal, stderrTail } = result;
  const base = { program: 'rsync', exitStatus, signal, stderrTail };
  if (exitStatus === 0) return { kind: 'ok' };
  const lines = rsyncErrorLines(stderrTail);

  if (exitStatus !== null && NO_SPACE.test(stderrTail)) {
    throw new ToolError('E_RSYNC_NO_SPACE', `target ${destination} is full: rsync could not write the snapshot`, {
      ...base,
      hints: ['free space on the target or use a larger disk; older snapshots are untouched and the partial one is reused next time',
        'retention only thins snapshots after a successful run: delete an old snapshot folder by hand if you need room now'],
    });
  }
  if (signal !== null || exitStatus === 20) {
    throw new ToolError('E_RSYNC_INTERRUPTED', `rsync was stopped${signal ? ` by ${signal}` : ''} before the snapshot was complete`, {
      ...base, exitCode: ExitCode.interrupted,
      hints: ['run the backup again: the partial snapshot is reused, so the work done is not lost'],
    });
  }
  if (exitStatus === 24) return { kind: 'warning', exitStatus, messages: lines };
  if (exitStatus === 23) {
    const targetSide = lines.some((line) => /\[(?:receiver|generator)[=\]]/.test(line) && !line.startsWith('rsync error:')
      && !ATTRIBUTES_ONLY.test(line));
    if (!targetSide) return { kind: 'warning', exitStatus, messages: lines };
    throw new ToolError('E_RSYNC_TARGET_WRITE', `rsync could not write some files to ${destination}`, {
      ...base, hints: ['check the target disk (mounted read-only? failing?); the partial snapshot is kept for the next run'],
    });
  }
  if (/rsync: (?:command )?not found|rsync: No such file or directory/.test(stderrTail) && exitStatus !== 23 && exitStatus !== 24) {
    throw new ToolError('E_RSYNC_REMOTE_MISSING', `rsync is not installed on the host of ${destination}`, {
      ...base, hints: ['install rsync on the NAS or server (it runs on both ends of the copy)'],
    });
  }
  if (exitStatus === 255 || (exitStatus === 12 && /ssh|connection|Connection/.test(stderrTail))) {
    throw new ToolError('E_RSYNC_SSH', `rsync could not reach ${destination} over ssh (exit ${exitStatus})`, {
      ...base, hints: ['check that the host is up and that `ssh` to it works without a password (BatchMode)'],
    });
  }
  const what: Record<number, string> = {
    1: 'rejected its arguments', 2: 'hit a protocol incompatibility', 3: 'could not select input or output files',
    5: 'could not start its protocol', 10: 'had a socket I/O error', 11: 'had a file I/O error',
    12: 'had a protocol stream error', 30: 'timed out', 35: 'timed out waiting for a daemon connection',
  };
  const description = (exitStatus !== null ? what[exitStatus] : undefined) ?? 'failed';
  throw new ToolError('E_RSYNC_FAILED', `rsync ${description} (exit ${exitStatus}) writing to ${destination}`, { ...base, hints: [rsyncHint] });
}

export interface RunRsyncOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RsyncProgress) => void;
  /** each line rsync writes to stderr (its error and warning lines), as it comes */
  onStderrLine?: (line: string) => void;
}

export interface RsyncRunResult {
  outcome: RsyncOutcome;
  stats: RsyncStats;
}

/**
 * Runs rsync with `args` (from buildRsyncArgs), streaming progress. Resolves with the outcome and the --stats
 * figures; throws the ToolError from mapRsyncExit on failure.
 */
export async function runRsync(args: readonly string[], destination: string, options: RunRsyncOptions = {}): Promise<RsyncRunResult> {
  const stats: RsyncStats = {};
  const result = await runProgram('rsync', args, {
    debianPackage: 'rsync',
    splitOnCarriageReturn: true,
    collectStdout: false,
    // LC_ALL=C: English messages for mapRsyncExit and plain digits with ',' grouping for the parsers
    env: { LC_ALL: 'C' },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStderrLine ? { onStderrLine: options.onStderrLine } : {}),
    onStdoutLine: (line) => {
      const progress = parseProgressLine(line);
      if (progress) options.onProgress?.(progress);
      else parseStatsLine(line.trim(), stats);
    },
  });
  return { outcome: mapRsyncExit(result, destination), stats };
}
