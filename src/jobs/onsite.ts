/**
 * The onsite job: one versioned snapshot of the sources on the onsite target, Time Machine style, then retention.
 *
 * Layout on the target (the recovery guide tells a restorer "the snapshots are plain folders: copy them"):
 *
 *     TARGET/.drkit-target                 the target's identity (a UUID written by `drkit init`)
 *     TARGET/<host>/2026-11-27T081500Z/    one complete snapshot per run, named after its UTC start second
 *     TARGET/<host>/latest -> 2026-...Z    the newest complete snapshot (a relative symbolic link)
 *     TARGET/<host>/2026-...Z.inprogress/  a snapshot being written, or one a crash interrupted
 *
 * Inside a snapshot, each source keeps its full absolute path: the source `/home/ann/Photos` is
 * `TARGET/<host>/<time>/home/ann/Photos/` (on a local target one rsync per source writes straight there, linked
 * to the same folder of the previous snapshot; over ssh one `rsync --relative` copies all sources, one connection). Two sources with the same last folder name (`/home/ann/work` and
 * `/srv/work`) can never collide, and a restore is unambiguous: copy `<snapshot>/home/ann/Photos` back to
 * `/home/ann/Photos`. Unchanged files are hard links to the previous snapshot (`--link-dest`), so every snapshot
 * is a full, browsable copy that costs only the changed files.
 *
 * Steps, and what a failure at each leaves behind:
 * 1. read the marker; missing or foreign → UserError E_TARGET_ABSENT, nothing written;
 * 2. name the snapshot; if an interrupted `*.inprogress` folder exists, rename it to the new in-progress name and
 *    use it as the seed (rsync --delete into it: files already there are not copied again, files since removed from
 *    the sources are dropped);
 * 3. rsync into `<name>.inprogress` with --link-dest to the newest complete snapshot; on failure (crash, SIGKILL,
 *    full disk, network) the in-progress folder stays for the next run and no complete snapshot or `latest` changes;
 * 4. flush the target's file system (sync -f), rename to `<name>`, then move `latest` (a new link renamed over
 *    the old one): a complete name is only given to data that is on the disk;
 * 5. retention (src/core/retention.ts), only now that a new complete snapshot exists; it never removes the
 *    newest, and a deletion that fails is a warning (the next run finishes it: the plan is idempotent).
 *
 * rsync 23/24 (files that vanished or could not be read on the source side): the snapshot is completed and
 * renamed, because every file in it was copied whole; the result's outcome is 'warning' and its `warnings` name
 * what rsync could not read. See src/adapters/rsync.ts for the full exit-code mapping.
 *
 * A failure is returned, not thrown (the engine contract of src/jobs/types.ts): a 'failed' result carrying the
 * DrkitError (UserError, ToolError), also sent as the `done` event. Only a bug in drkit rejects.
 *
 * Known limits of reusing an interrupted snapshot (both only affect that one resumed snapshot):
 * - when the sources were changed in between, folders of the removed sources stay in it (rsync --delete only
 *   prunes inside the folders it is sending);
 * - a file in the seed that was hard-linked to the previous snapshot and whose content is unchanged but whose
 *   permissions or owner changed is updated in place, so the previous snapshot's copy shows the new permissions
 *   too (same inode). Contents are never shared that way: rsync writes changed files to a new file.
 *
 * The target must be a POSIX file system (ext4, xfs, btrfs, NTFS through ntfs-3g, a NAS share over ssh): hard
 * links and symbolic links are how snapshots share files and how `latest` is made. FAT and exFAT have neither.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { asDrkitError, ExitCode, InternalError, UserError } from '../errors.js';
import { DEFAULT_RETENTION, planRetention, type RetentionPolicy } from '../core/retention.js';
import { classifyEntries, inProgressName, newSnapshotName, parseInProgressName } from '../core/snapshot-names.js';
import { buildRsyncArgs, excludesForSource, runRsync, type RsyncOutcome, type RsyncStats } from '../adapters/rsync.js';
import { checkHostName, openTarget, requireMounted, requireTargetMarker, type SshSettings } from '../adapters/onsite-target.js';
import type { JobResult, Reporter } from './types.js';

export type { RetentionPolicy } from '../core/retention.js';
export type { SnapshotListing, SshSettings } from '../adapters/onsite-target.js';
export { listSnapshots, openTarget, readTargetMarker, requireMounted, requireTargetMarker, writeTargetMarker } from '../adapters/onsite-target.js';

export interface OnsiteSnapshotOptions {
  /** a local folder or `user@host:path` (config `onsite.target`) */
  target: string;
  /** the UUID the target's marker must hold (written by `drkit init`) */
  expectedMarker: string;
  /** the folder the snapshots are filed under (config `host`) */
  host: string;
  /** folders or files to back up; relative paths are resolved against the working folder */
  sources: readonly string[];
  /** rsync exclude patterns (config `exclude`) */
  excludes: readonly string[];
  /** the kit's canary file (src/adapters/kit-store.ts, absolute), copied with the sources when given */
  canary?: string;
  /** age thinning (config `onsite.keep`); DEFAULT_RETENTION when absent */
  keep?: RetentionPolicy;
  /** how to reach a `user@host:path` target */
  ssh?: SshSettings;
  /** the mount point of the removable disk the target is on (config `onsite.removable`): it must be mounted */
  mountPoint?: string;
  /** the clock (tests pass a fixed one); names the snapshot and drives retention */
  clock?: () => Date;
  /** rsync --bwlimit, KiB/s (a NAS on a slow link; tests use it to interrupt a run) */
  bwlimitKiBps?: number;
  /** at most one progress event per this many milliseconds (default 200) */
  progressIntervalMs?: number;
}

/** At most this many rsync error lines are kept as warnings (memory stays flat on a source full of bad files). */
const MAX_WARNING_LINES = 50;

/**
 * Absolute, de-duplicated sources, each folder with a trailing '/' (so a source that is a symbolic link to a
 * folder is backed up as the folder's content, under the link's path). Throws UserError E_SOURCES_MISSING, before
 * anything is written, when not one source exists (an unmounted home partition must not become an empty
 * "latest"); when only some are missing, rsync reports them and the run ends with a warning.
 */
async function resolveSources(sources: readonly string[]): Promise<string[]> {
  if (sources.length === 0) {
    throw new UserError('E_NO_SOURCES', 'sources is empty: there is nothing to back up', { hints: ['list the folders to back up under `sources` in the config'] });
  }
  const absolute = [...new Set(sources.map((source) => {
    const resolved = path.resolve(source);
    return resolved.length > 1 ? resolved.replace(/\/+$/, '') : resolved;
  }))];
  const kinds = await Promise.all(absolute.map((source) => stat(source).then((info) => (info.isDirectory() ? 'dir' : 'file'), () => 'missing')));
  if (kinds.every((kind) => kind === 'missing')) {
    throw new UserError('E_SOURCES_MISSING', `no source exists (${absolute.join(', ')}); nothing was written`, {
      hints: ['is the disk holding the sources mounted?', 'check `sources` in the config'],
    });
  }
  return absolute.map((source, index) => (kinds[index] === 'dir' && source !== '/' ? `${source}/` : source));
}

/**
 * Takes one onsite snapshot (see the module comment for the layout and the steps). Resolves with the result of
 * every run, a failed one included (its `error` is the typed error); rejects only on a bug in drkit.
 */
export async function runOnsiteSnapshot(options: OnsiteSnapshotOptions, reporter: Reporter, signal?: AbortSignal): Promise<JobResult> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const warnings: string[] = [];
  reporter.event({ type: 'start', job: 'onsite', at: startedAt.toISOString(), target: options.target });

  try {
    const result = await snapshot(options, reporter, signal, startedAt, clock, warnings);
    reporter.event({ type: 'done', job: 'onsite', result });
    return result;
  } catch (thrown) {
    const error = asDrkitError(thrown);
    if (error instanceof InternalError) throw error;
    const result: JobResult = {
      // no snapshotId: a failed run made no snapshot (its in-progress folder is named in the error's message)
      job: 'onsite', outcome: 'failed', startedAt: startedAt.toISOString(), finishedAt: clock().toISOString(), warnings, error,
    };
    reporter.event({ type: 'done', job: 'onsite', result });
    return result;
  }
}

async function snapshot(
  options: OnsiteSnapshotOptions, reporter: Reporter, signal: AbortSignal | undefined, startedAt: Date,
  clock: () => Date, warnings: string[],
): Promise<JobResult> {
  const info = (message: string): void => reporter.event({ type: 'info', job: 'onsite', message });
  const warn = (message: string): void => {
    warnings.push(message);
    reporter.event({ type: 'warning', job: 'onsite', message });
  };
  const { host } = options;
  checkHostName(host);
  // the canary joins after the check that some source exists: on its own it must not make an empty snapshot
  const sources = [...await resolveSources(options.sources), ...(options.canary === undefined ? [] : [options.canary])];
  const keep = options.keep ?? DEFAULT_RETENTION;
  const target = openTarget(options.target, options.ssh);
  if (signal?.aborted) throw interrupted();

  // 1. identity first: nothing is written to a target that does not prove it is ours (nor read from an empty
  // mount point of an unplugged disk)
  if (options.mountPoint !== undefined) await requireMounted(options.mountPoint, options.target);
  await requireTargetMarker(target, options.expectedMarker);

  // 2. name, seed, previous
  await target.makeHostFolder(host);
  const entries = classifyEntries((await target.list(host)) ?? []);
  const inProgressBases = entries.inProgress.map((entry) => parseInProgressName(entry) ?? entry);
  const name = newSnapshotName(startedAt, [...entries.complete, ...inProgressBases]);
  const working = inProgressName(name);
  const seed = entries.inProgress.at(-1);
  if (seed !== undefined) {
    info(`resuming the interrupted snapshot ${seed} as ${working}`);
    await target.rename(host, seed, working);
  }
  const previous = entries.complete.at(-1);

  // 3. copy
  const destination = target.rsyncDestination(host, working);
  const rsh = target.rsyncShell();
  const common = {
    excludes: options.excludes, delete: seed !== undefined,
    ...(rsh === undefined ? {} : { rsh }),
    ...(options.bwlimitKiBps === undefined ? {} : { bwlimitKiBps: options.bwlimitKiBps }),
  };
  const runs = rsh === undefined
    ? await perSourceRuns(sources, destination, previous, common)
    : [{ destination, args: buildRsyncArgs({ sources, destination, ...common, ...(previous === undefined ? {} : { linkDest: `../${previous}` }) }) }];
  info(previous === undefined ? `writing ${name} (first snapshot: every file is copied)` : `writing ${name} (unchanged files linked to ${previous})`);
  const interval = options.progressIntervalMs ?? 200;
  let lastProgress = 0;
  const errorLines: string[] = [];
  let moreErrorLines = 0;
  const stats: RsyncStats = {};
  let outcome: RsyncOutcome = { kind: 'ok' };
  let bytesBefore = 0;
  for (const [index, run] of runs.entries()) {
    let result: Awaited<ReturnType<typeof runRsync>>;
    try {
      result = await runRsync(run.args, run.destination, {
        ...(signal ? { signal } : {}),
        onProgress: (progress) => {
          const now = Date.now();
          const fraction = (index + progress.fraction) / runs.length;
          if (now - lastProgress < interval && fraction < 1) return;
          lastProgress = now;
          reporter.event({
            type: 'progress', job: 'onsite', fraction, bytesDone: bytesBefore + progress.bytesDone,
            ...(progress.filesDone === undefined || runs.length > 1 ? {} : { filesDone: progress.filesDone }),
            ...(progress.filesTotal === undefined || runs.length > 1 ? {} : { filesTotal: progress.filesTotal }),
          });
        },
        onStderrLine: (line) => {
          if (!/^(?:rsync: |file has vanished)/.test(line)) return;
          if (errorLines.length < MAX_WARNING_LINES) errorLines.push(line);
          else moreErrorLines += 1;
        },
      });
    } catch (error) {
      throw asDrkitError(error).withContext(`onsite snapshot ${name} not completed (${working} is kept and reused next time)`);
    }
    for (const key of ['filesTotal', 'regularFilesTransferred', 'totalFileSize', 'transferredFileSize'] as const) {
      const value = result.stats[key];
      if (value !== undefined) stats[key] = (stats[key] ?? 0) + value;
    }
    bytesBefore += result.stats.transferredFileSize ?? 0;
    // the first warning names the case; every run's rsync lines are kept in errorLines
    if (result.outcome.kind === 'warning' && outcome.kind === 'ok') outcome = result.outcome;
  }

  if (outcome.kind === 'warning') {
    const what = outcome.exitStatus === 24 ? 'some files vanished while they were copied' : 'some files could not be read';
    warn(`${what} (rsync exit ${outcome.exitStatus}); the snapshot holds everything else`);
    for (const line of errorLines) warn(line);
    if (moreErrorLines > 0) warn(`... and ${moreErrorLines} more`);
  }

  // 4. complete: flush, rename, then latest
  await target.flush(host);
  await target.rename(host, working, name);
  await target.setLatest(host, name);
  info(`snapshot ${name} complete`);

  // 5. retention, now that a new complete snapshot exists; stale in-progress folders go too
  const after = classifyEntries((await target.list(host)) ?? []);
  const plan = planRetention(after.complete, clock(), keep);
  if (plan.remove.length > 0) info(`thinning: removing ${plan.remove.length} old snapshot${plan.remove.length === 1 ? '' : 's'}`);
  let removeFailures = 0;
  for (const old of [...plan.remove, ...after.inProgress]) {
    try {
      await target.remove(host, old);
    } catch (error) {
      removeFailures += 1;
      warn(`could not delete ${old}: ${asDrkitError(error).message}`);
    }
  }
  const remaining = removeFailures === 0 ? plan.keep.length : classifyEntries((await target.list(host)) ?? []).complete.length;

  return {
    job: 'onsite',
    outcome: warnings.length > 0 ? 'warning' : 'success',
    startedAt: startedAt.toISOString(),
    finishedAt: clock().toISOString(),
    snapshotId: name,
    ...(stats.filesTotal === undefined ? {} : { filesTotal: stats.filesTotal }),
    ...(stats.totalFileSize === undefined ? {} : { bytesTotal: stats.totalFileSize }),
    ...(stats.transferredFileSize === undefined ? {} : { bytesAdded: stats.transferredFileSize }),
    snapshotCount: remaining,
    warnings,
  };
}

type RsyncRun = { args: string[]; destination: string };

/**
 * A local target: one rsync per source, without --relative, into `<snapshot>/<absolute path>/` (made here) with
 * --link-dest to the same folder of the previous snapshot. The layout is the one --relative makes (module
 * comment), but rsync no longer resolves every file's full path under the snapshot, which costs about a quarter
 * of its system calls (issue 11). A file source goes into its folder's path. Sources that do not exist go to
 * one --relative rsync of their own, which reports them (exit 23, a warning) as before.
 */
async function perSourceRuns(sources: readonly string[], root: string, previous: string | undefined,
  common: Omit<Parameters<typeof buildRsyncArgs>[0], 'sources' | 'destination'>): Promise<RsyncRun[]> {
  const runs: RsyncRun[] = [];
  const missing: string[] = [];
  const hostDir = path.dirname(path.resolve(root));
  for (const source of sources) {
    const absolute = source.length > 1 ? source.replace(/\/+$/, '') : source;
    const kind = await stat(absolute).then((info) => (info.isDirectory() ? 'dir' : 'file'), () => 'missing');
    if (kind === 'missing') { missing.push(source); continue; }
    const folder = kind === 'dir' ? absolute : path.dirname(absolute);
    const destination = `${path.join(root, folder)}/`;
    await mkdir(destination, { recursive: true });
    const linked = previous === undefined ? undefined : path.join(hostDir, previous, folder);
    const linkDest = linked !== undefined && await stat(linked).then((info) => info.isDirectory(), () => false)
      ? path.relative(path.resolve(destination), linked) : undefined;
    runs.push({
      destination,
      args: buildRsyncArgs({
        ...common, sources: [source], destination, relative: false, excludes: excludesForSource(folder, common.excludes ?? []),
        ...(linkDest === undefined ? {} : { linkDest }),
      }),
    });
  }
  if (missing.length > 0) runs.push({ destination: root, args: buildRsyncArgs({ ...common, sources: missing, destination: root }) });
  return runs;
}

function interrupted(): UserError {
  return new UserError('E_INTERRUPTED', 'onsite snapshot interrupted before it started; nothing was written', { exitCode: ExitCode.interrupted });
}
