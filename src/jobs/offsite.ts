/**
 * The offsite backup job: `restic backup` of the configured sources, then the keep policy (`forget`, and `prune`
 * when something was forgotten), reported through a Reporter and summed up in a JobResult.
 *
 * Rules:
 * - retention runs only after a complete backup. After a partial one (restic exit 3: some files unreadable) it
 *   is skipped, because a keep-last/daily rule would count the incomplete snapshot and could forget the last
 *   complete one;
 * - exit 3 is outcome 'warning' with the snapshot id kept and every unreadable file named, never 'success';
 * - when `expectedRepositoryId` is given, the repository's id is checked first: a URL that now points at
 *   another repository (or a swapped disk) fails before anything is written. With `cache`, the check is the
 *   `config` file's fingerprint when it matches, `restic cat config` otherwise (src/adapters/restic/identity.ts);
 * - with `cache`, the keep policy runs only when due (src/core/forget-due.ts), as one `forget --prune`;
 * - failures are returned, not thrown (the engine contract of src/jobs/types.ts): every DrkitError from restic
 *   (wrong password, server down, …) becomes outcome 'failed' carrying that error, and a 'done' event. Only bugs
 *   (InternalError, or anything that is not a DrkitError) are thrown.
 * - a failed retention after a good backup is a 'warning': the data is safe, the housekeeping is not done;
 *   except a prune that finds data missing (E_RESTIC_DAMAGED): damage is a failure, never a warning.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DrkitError, InternalError, UserError } from '../errors.js';
import {
  openResticRepository, type BackupStatus, type KeepPolicy, type PasswordSource, type Restic, type ResticRunnerOptions,
  type Snapshot,
} from '../adapters/restic/index.js';
import type { JobEvent, JobResult, Reporter } from './types.js';
import { redactRepository } from '../core/redact.js';
import { plural } from '../core/words.js';
import { confirmRepositoryId } from '../adapters/restic/identity.js';
import { knownRepositoryFile, readKnownRepository, retentionGroupKey, updateKnownRepository } from '../adapters/restic/known.js';
import { forgetDecision, policyKey, type RetentionLedger } from '../core/forget-due.js';

export type { KeepPolicy, PasswordSource } from '../adapters/restic/index.js';

export interface OffsiteBackupOptions {
  /** any restic repository: a local path, `rest:…`, `s3:…`, `b2:…`, `sftp:…`, `rclone:…` */
  repository: string;
  password: PasswordSource;
  /** backend variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, B2_…); RESTIC_PASSWORD here is ignored */
  env?: Readonly<Record<string, string>>;
  /** CA file for an https backend with its own certificate authority */
  cacert?: string;
  /** the id recorded at `drkit init`; when set, a repository with another id is refused */
  expectedRepositoryId?: string;
  sources: readonly string[];
  /** the kit's canary file (src/adapters/kit-store.ts), backed up with the sources when given */
  canary?: string;
  /**
   * the previous run of this job was killed (drkit's own job lock was stale): its restic may have left a lock in
   * the repository. A backup takes a shared lock and would not notice it, so `restic unlock` (which removes only
   * locks whose process is gone) runs first; a later prune or check would otherwise meet it.
   */
  previousRunDied?: boolean;
  excludes?: readonly string[];
  /** restic forget policy; without it, no snapshot is ever forgotten */
  keep?: KeepPolicy;
  /**
   * drkit's cache folder (src/adapters/restic/known.ts): the repository's fingerprint and the retention ledger.
   * Without it (or without expectedRepositoryId) every run asks restic for the id and applies the keep policy.
   */
  cache?: string;
  /** the snapshot's host name (default: this machine's); forget is scoped to it */
  host?: string;
  /** tags put on every snapshot; forget is scoped to snapshots carrying all of them */
  tags?: readonly string[];
  cacheDir?: string;
  oneFileSystem?: boolean;
  /** restic ≥ 0.16 waits this long for a lock itself (e.g. "2m"); older restic relies on drkit's retries */
  retryLock?: string;
  /** upload limit in KiB/s, for a slow or metered link */
  limitUploadKiBs?: number;
}

/** Test and tuning seams: restic binary, retry policy, sleep and clocks. */
export interface OffsiteRuntime {
  restic?: ResticRunnerOptions;
  /** the wall clock for startedAt/finishedAt */
  clock?: () => Date;
}

/** How many unreadable files are named one by one in warnings; the rest are counted. */
const NAMED_UNREADABLE = 20;

/**
 * Runs one offsite backup. Resolves with the JobResult (also sent as the 'done' event) for success, warning and
 * failure alike; rejects only on a bug in drkit.
 */
export async function runOffsiteBackup(options: OffsiteBackupOptions, reporter: Reporter, signal?: AbortSignal, runtime: OffsiteRuntime = {}): Promise<JobResult> {
  const clock = runtime.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const host = options.host ?? hostname();
  const tags = [...(options.tags ?? [])];
  const warnings: string[] = [];
  const emit = (event: JobEvent) => reporter.event(event);
  const info = (message: string) => emit({ type: 'info', job: 'offsite', message });
  const warn = (message: string) => {
    warnings.push(message);
    emit({ type: 'warning', job: 'offsite', message });
  };
  const finish = (result: Omit<JobResult, 'job' | 'startedAt' | 'finishedAt' | 'warnings'>): JobResult => {
    const full: JobResult = { job: 'offsite', startedAt, finishedAt: clock().toISOString(), warnings, ...result };
    emit({ type: 'done', job: 'offsite', result: full });
    return full;
  };

  let restic: Restic | undefined;
  let snapshotId: string | undefined;
  let filesTotal: number | undefined;
  let bytesTotal: number | undefined;
  let bytesAdded: number | undefined;
  try {
    if (options.sources.length === 0) {
      throw new UserError('E_OFFSITE_NO_SOURCES', 'offsite backup: sources is empty: name at least one folder to back up');
    }
    restic = await openResticRepository({
      repository: options.repository, password: options.password,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cacert === undefined ? {} : { cacert: options.cacert }),
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.retryLock === undefined ? {} : { retryLock: options.retryLock }),
      ...(options.limitUploadKiBs === undefined ? {} : { limitUploadKiBs: options.limitUploadKiBs }),
    }, {
      ...runtime.restic,
      ...(signal === undefined ? {} : { signal }),
      onRetry: ({ attempt, delayMs, error }) => {
        info(`${error.message}; retrying in ${Math.round(delayMs / 1000)} s (attempt ${attempt + 1})`);
        runtime.restic?.onRetry?.({ attempt, delayMs, error });
      },
    });
    emit({ type: 'start', job: 'offsite', at: startedAt, target: restic.displayName });
    info(`restic ${restic.version.major}.${restic.version.minor}.${restic.version.patch}`);

    const knownFile = options.cache === undefined || options.expectedRepositoryId === undefined ? undefined
      : knownRepositoryFile(options.cache, options.expectedRepositoryId);
    if (options.expectedRepositoryId !== undefined) {
      const { id: actual } = await confirmRepositoryId(restic, options.expectedRepositoryId, knownFile);
      if (actual !== options.expectedRepositoryId) {
        throw new UserError('E_RESTIC_REPO_MISMATCH',
          `the repository at ${restic.displayName} has id ${actual.slice(0, 8)}, not ${options.expectedRepositoryId.slice(0, 8)} recorded at init: refusing to back up into another repository`, {
            hints: ['check offsite.repository in the config; if the repository was replaced on purpose, run `drkit init` again to record it'],
          });
      }
    }

    if (options.previousRunDied === true) {
      await restic.unlockStale().then(() => info('removed the stale restic lock the killed run left, if any'), () => undefined);
    }

    const backup = await restic.backup({
      // restic records a source as it is given; absolute paths make snapshots, forget groups and restore
      // filters independent of the folder drkit happened to run in
      paths: [...options.sources.map((source) => resolve(source)), ...(options.canary === undefined ? [] : [options.canary])],
      ...(options.excludes === undefined ? {} : { excludes: options.excludes }),
      host, tags,
      ...(options.oneFileSystem ? { oneFileSystem: true } : {}),
    }, (status) => emit(progressEvent(status)));
    snapshotId = backup.snapshotId;
    const groupKey = retentionGroupKey(host, tags, options.sources.map((source) => resolve(source)));
    const ledger = knownFile === undefined || options.keep === undefined ? undefined : countBackup(knownFile, groupKey, options.keep);
    filesTotal = backup.summary.totalFilesProcessed;
    bytesTotal = backup.summary.totalBytesProcessed;
    bytesAdded = backup.summary.dataAdded;

    if (backup.status === 'partial') {
      for (const item of backup.unreadable.slice(0, NAMED_UNREADABLE)) {
        warn(`could not read ${item.item ?? 'an item'}: ${item.message}`);
      }
      const unnamed = backup.unreadableCount - Math.min(NAMED_UNREADABLE, backup.unreadable.length);
      if (unnamed > 0) warn(`${unnamed} more files could not be read`);
      warn(`snapshot ${snapshotId} is incomplete: ${backup.unreadableCount ? plural(backup.unreadableCount, 'item') : 'some items'} could not be read; retention skipped so no complete snapshot is forgotten`);
      const snapshots = await listSnapshots(restic, host, tags, warn);
      snapshotId = fullSnapshotId(snapshotId, snapshots);
      return finish({ outcome: 'warning', snapshotId, filesTotal, bytesTotal, bytesAdded, ...(snapshots === undefined ? {} : { snapshotCount: snapshots.length }) });
    }

    let snapshotCount: number | undefined;
    const decision = options.keep === undefined || knownFile === undefined ? undefined : forgetDecision(options.keep, ledger, clock());
    if (decision !== undefined && !decision.due) {
      info(`keep policy not applied this time: ${decision.reason}`);
      snapshotCount = decision.expectedCount;
      snapshotId = (await restic.plainFullSnapshotId(snapshotId)) ?? fullSnapshotId(snapshotId, await listSnapshots(restic, host, tags, warn));
    } else if (options.keep !== undefined) {
      try {
        info('applying the keep policy');
        const forgotten = await restic.forget({ keep: options.keep, host, tags, prune: true });
        snapshotCount = forgotten.kept;
        snapshotId = fullSnapshotId(snapshotId, forgotten.groups.flatMap((group) => group.keep));
        if (knownFile !== undefined) recordForget(knownFile, groupKey, options.keep, forgotten.kept, clock());
        if (forgotten.removed > 0) info(`forgot ${plural(forgotten.removed, 'old snapshot')}${forgotten.pruned ? ' and pruned their data' : ''}`);
      } catch (error) {
        if (!(error instanceof DrkitError) || error instanceof InternalError) throw error;
        // missing data is never housekeeping: the run fails with the damage verdict (the snapshot id is kept)
        if (error.code === 'E_RESTIC_DAMAGED') throw error;
        // the backup is safe; the next run retries retention. The hints travel with the warning: a warning
        // repeated every run (a stale lock) must say how to end it
        warn(`retention failed: ${[error.message, ...error.hints.map((hint) => `hint: ${hint}`)].join('; ')}`);
        if (error.kind === 'user') throw error;
        return finish({ outcome: 'warning', snapshotId, filesTotal, bytesTotal, bytesAdded });
      }
    } else {
      const snapshots = await listSnapshots(restic, host, tags, warn);
      snapshotCount = snapshots?.length;
      snapshotId = fullSnapshotId(snapshotId, snapshots);
    }
    return finish({ outcome: 'success', snapshotId, filesTotal, bytesTotal, bytesAdded, ...(snapshotCount === undefined ? {} : { snapshotCount }) });
  } catch (error) {
    if (!(error instanceof DrkitError) || error instanceof InternalError) throw error;
    if (restic === undefined) emit({ type: 'start', job: 'offsite', at: startedAt, target: redactRepository(options.repository) });
    return finish({
      outcome: 'failed',
      ...(snapshotId === undefined ? {} : { snapshotId, filesTotal, bytesTotal, bytesAdded }),
      error,
    });
  }
}

function progressEvent(status: BackupStatus): JobEvent {
  return {
    type: 'progress', job: 'offsite',
    ...(status.percentDone === undefined ? {} : { fraction: Math.min(1, Math.max(0, status.percentDone)) }),
    ...(status.filesDone === undefined ? {} : { filesDone: status.filesDone }),
    ...(status.totalFiles === undefined ? {} : { filesTotal: status.totalFiles }),
    ...(status.bytesDone === undefined ? {} : { bytesDone: status.bytesDone }),
    ...(status.totalBytes === undefined ? {} : { bytesTotal: status.totalBytes }),
    ...(status.currentFiles?.[0] === undefined ? {} : { currentFile: status.currentFiles[0] }),
  };
}

/**
 * restic 0.14 reports the new snapshot's short id (8 hex digits); the list drkit reads anyway for the count or
 * the retention gives the full one, which status files and drills keep.
 */
function fullSnapshotId(shortId: string, snapshots: readonly Snapshot[] | undefined): string {
  const matches = (snapshots ?? []).filter((snapshot) => snapshot.id.startsWith(shortId));
  return matches.length === 1 && matches[0] !== undefined ? matches[0].id : shortId;
}

/** The snapshots of this host and tags, or undefined (with a warning) when restic cannot list them. */
async function listSnapshots(restic: Restic, host: string, tags: string[], warn: (message: string) => void): Promise<Snapshot[] | undefined> {
  try {
    return await restic.snapshots({ host, tags });
  } catch (error) {
    if (!(error instanceof DrkitError) || error instanceof InternalError) throw error;
    warn(`could not count the snapshots: ${error.message}`);
    return undefined;
  }
}

/** Counts this run's new snapshot in the group's ledger; returns the ledger as it now stands (undefined: none). */
function countBackup(knownFile: string, groupKey: string, keep: KeepPolicy): RetentionLedger | undefined {
  const known = readKnownRepository(knownFile);
  let ledger: RetentionLedger | undefined = known.retention?.[groupKey];
  // a repository that was empty at drkit init holds no snapshot of any group but drkit's own backups
  if (ledger === undefined && known.createdEmpty === true) ledger = { policy: policyKey(keep), kept: 0, since: 0, forgotAt: null };
  if (ledger === undefined || ledger.policy !== policyKey(keep)) return ledger;
  ledger = { ...ledger, since: ledger.since + 1 };
  const counted = ledger;
  updateKnownRepository(knownFile, (record) => { record.retention = { ...record.retention, [groupKey]: counted }; });
  return ledger;
}

function recordForget(knownFile: string, groupKey: string, keep: KeepPolicy, kept: number, now: Date): void {
  const ledger: RetentionLedger = { policy: policyKey(keep), kept, since: 0, forgotAt: now.toISOString() };
  updateKnownRepository(knownFile, (record) => { record.retention = { ...record.retention, [groupKey]: ledger }; });
}
