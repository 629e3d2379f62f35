/**
 * Pure argument builders for restic: an operation and its options in, an argv array out. No process runs here,
 * so every rule below is unit tested without restic.
 *
 * Rules:
 * - secrets never appear here: the password travels in RESTIC_PASSWORD_FILE / RESTIC_PASSWORD_COMMAND and the
 *   repository URL (which may hold credentials, e.g. `rest:https://user:pass@host/`) in RESTIC_REPOSITORY, both
 *   environment variables that /proc shows only to the same user (see ./index.ts);
 * - every command that can report JSON gets `--json`, so the parsers in ./json.ts see machine output;
 * - options that appeared in later restic versions are added only when the version has them (./version.ts).
 */
import { KEEP_COUNT_RULES, type KeepPolicy } from '../../core/keep-policy.js';
import { UserError } from '../../errors.js';
import type { ResticFeatures } from './version.js';

/** Options every restic invocation shares. None of them is secret. */
export interface ResticGlobalOptions {
  /** file with the CA certificate(s) to trust for an https backend (e.g. a self-signed s3 or rest server) */
  cacert?: string;
  /** restic's local cache folder; default: restic's own */
  cacheDir?: string;
  noCache?: boolean;
  /** upload/download limits in KiB/s */
  limitUploadKiBs?: number;
  limitDownloadKiBs?: number;
  /** how long restic itself waits for a held lock (restic ≥ 0.16 only; older versions rely on drkit's retries) */
  retryLock?: string;
}

export type { KeepPolicy } from '../../core/keep-policy.js';

export interface BackupArgs {
  paths: readonly string[];
  excludes?: readonly string[];
  /** files with one exclude pattern a line */
  excludeFiles?: readonly string[];
  tags?: readonly string[];
  host?: string;
  /** do not cross file-system boundaries */
  oneFileSystem?: boolean;
  excludeCaches?: boolean;
}

export interface SnapshotFilter {
  host?: string;
  tags?: readonly string[];
  paths?: readonly string[];
  /** only the latest N snapshots of each group */
  latest?: number;
}

export interface ForgetArgs extends SnapshotFilter {
  keep: KeepPolicy;
  prune?: boolean;
  dryRun?: boolean;
}

export interface CheckArgs {
  /** `--read-data-subset`: "n/t", "x%" or a size like "500M" */
  readDataSubset?: string;
  /** `--read-data`: read all pack files */
  readData?: boolean;
  /**
   * `--no-lock`: check beside commands that take a lock (the drill's check runs while its room restores and
   * measures); a writer running at the same time can then make it report problems that are not there, so a caller
   * confirms problems with a second check (src/jobs/drill.ts)
   */
  noLock?: boolean;
}

export interface RestoreArgs {
  /** snapshot id or "latest" */
  snapshot: string;
  target: string;
  include?: readonly string[];
  exclude?: readonly string[];
  host?: string;
  tags?: readonly string[];
  /** with "latest": only snapshots that include these (absolute) paths */
  paths?: readonly string[];
  /** verify the restored files' content after writing them */
  verify?: boolean;
}

export type StatsMode = 'restore-size' | 'files-by-contents' | 'raw-data' | 'blobs-per-file';

export interface StatsArgs {
  /** a snapshot id or "latest"; without it, all snapshots (that match the filter) */
  snapshot?: string;
  mode?: StatsMode;
  /** which snapshots "latest" (or no snapshot) means */
  host?: string;
  paths?: readonly string[];
}

export type ResticOperation =
  | { command: 'version' }
  | { command: 'init' }
  | { command: 'cat-config' }
  | { command: 'backup'; args: BackupArgs }
  | { command: 'snapshots'; args: SnapshotFilter }
  | { command: 'forget'; args: ForgetArgs }
  | { command: 'prune' }
  | { command: 'check'; args: CheckArgs }
  | { command: 'restore'; args: RestoreArgs }
  | { command: 'stats'; args: StatsArgs }
  | { command: 'ls'; args: { snapshot: string } }
  | { command: 'unlock' };

/** restic's duration syntax, as in `--keep-within 1y6m` or `--retry-lock 2m` */
const DURATION_PATTERN = /^(\d+[ymdh])+$/;
const GO_DURATION_PATTERN = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const SUBSET_PATTERN = /^(\d+\/\d+|\d+(\.\d+)?%|\d+[KMGT]?)$/;

/** The keep flags of a policy. Throws a UserError naming the key when the policy is empty or malformed. */
export function keepPolicyArgs(keep: KeepPolicy): string[] {
  const args: string[] = [];
  for (const key of KEEP_COUNT_RULES) {
    const count = keep[key];
    if (count === undefined) continue;
    if (!Number.isInteger(count) || count < 0) {
      throw new UserError('E_KEEP_POLICY', `keep.${key} is ${String(count)}: it must be a whole number of snapshots, 0 or more`);
    }
    if (count > 0) args.push(`--keep-${key}`, String(count));
  }
  if (keep.within !== undefined) {
    if (!DURATION_PATTERN.test(keep.within)) {
      throw new UserError('E_KEEP_POLICY', `keep.within is "${keep.within}": it must be a restic duration such as 30d or 1y6m`);
    }
    args.push('--keep-within', keep.within);
  }
  for (const tag of keep.tags ?? []) args.push('--keep-tag', tag);
  if (args.length === 0) {
    throw new UserError('E_KEEP_POLICY', 'the keep policy keeps nothing: at least one of last, hourly, daily, weekly, monthly, yearly, within or tags must be set', {
      hints: ['e.g. keep: { daily: 7, weekly: 5, monthly: 12 }'],
    });
  }
  return args;
}

function globalArgs(options: ResticGlobalOptions, features: ResticFeatures, locking: boolean): string[] {
  const args: string[] = [];
  if (options.cacert !== undefined) args.push('--cacert', options.cacert);
  if (options.noCache) args.push('--no-cache');
  else if (options.cacheDir !== undefined) args.push('--cache-dir', options.cacheDir);
  if (options.limitUploadKiBs !== undefined) args.push('--limit-upload', String(options.limitUploadKiBs));
  if (options.limitDownloadKiBs !== undefined) args.push('--limit-download', String(options.limitDownloadKiBs));
  if (locking && options.retryLock !== undefined && features.retryLock) {
    if (!GO_DURATION_PATTERN.test(options.retryLock)) {
      throw new UserError('E_RESTIC_OPTION', `retryLock is "${options.retryLock}": it must be a duration such as 30s or 2m`);
    }
    args.push('--retry-lock', options.retryLock);
  }
  return args;
}

function filterArgs(filter: SnapshotFilter): string[] {
  const args: string[] = [];
  if (filter.host !== undefined) args.push('--host', filter.host);
  // one --tag per tag: restic reads "a,b" in one flag as "both a and b", separate flags as "a or b";
  // drkit's tags are a set the snapshot must carry, so they go in one flag
  if (filter.tags !== undefined && filter.tags.length > 0) args.push('--tag', filter.tags.join(','));
  for (const path of filter.paths ?? []) args.push('--path', path);
  return args;
}

function refuseOptionLike(value: string, what: string): void {
  // an argument starting with '-' would be read as a flag by restic; all paths drkit passes are absolute or
  // relative without a leading dash, so this is a mistake in the input, not something to escape
  if (value.startsWith('-')) {
    throw new UserError('E_RESTIC_ARGUMENT', `${what} "${value}" starts with "-": restic would read it as an option`, {
      hints: ['write it as ./' + value + ' or as an absolute path'],
    });
  }
}

/** The argv (without the program name) for one restic operation. */
export function buildResticArgs(operation: ResticOperation, options: ResticGlobalOptions, features: ResticFeatures): string[] {
  switch (operation.command) {
    case 'version':
      return ['version'];
    case 'init':
      return [...globalArgs(options, features, false), 'init', '--json'];
    case 'cat-config':
      return [...globalArgs(options, features, false), 'cat', 'config', '--json'];
    case 'unlock':
      // without --remove-all, restic removes only stale locks (dead process on this host, or older than 30 min)
      return [...globalArgs(options, features, false), 'unlock'];
    case 'backup': {
      const { args } = operation;
      if (args.paths.length === 0) throw new UserError('E_RESTIC_ARGUMENT', 'backup has no source paths: at least one is needed');
      const argv = [...globalArgs(options, features, true), 'backup', '--json'];
      for (const pattern of args.excludes ?? []) argv.push('--exclude', pattern);
      for (const file of args.excludeFiles ?? []) argv.push('--exclude-file', file);
      if (args.excludeCaches) argv.push('--exclude-caches');
      if (args.oneFileSystem) argv.push('--one-file-system');
      if (args.host !== undefined) argv.push('--host', args.host);
      for (const tag of args.tags ?? []) argv.push('--tag', tag);
      for (const path of args.paths) refuseOptionLike(path, 'source path');
      // "--" ends the options, so a source path can never be read as a flag
      argv.push('--', ...args.paths);
      return argv;
    }
    case 'snapshots': {
      const argv = [...globalArgs(options, features, true), 'snapshots', '--json', ...filterArgs(operation.args)];
      if (operation.args.latest !== undefined) argv.push('--latest', String(operation.args.latest));
      return argv;
    }
    case 'forget': {
      const { args } = operation;
      const argv = [...globalArgs(options, features, true), 'forget', '--json', ...filterArgs(args), ...keepPolicyArgs(args.keep)];
      if (args.prune) argv.push('--prune');
      if (args.dryRun) argv.push('--dry-run');
      return argv;
    }
    case 'prune':
      return [...globalArgs(options, features, true), 'prune'];
    case 'check': {
      const { args } = operation;
      const argv = [...globalArgs(options, features, args.noLock !== true), ...(args.noLock === true ? ['--no-lock'] : []), 'check', '--json'];
      if (args.readData && args.readDataSubset !== undefined) {
        throw new UserError('E_RESTIC_ARGUMENT', 'check: readData and readDataSubset exclude each other: choose one');
      }
      if (args.readData) argv.push('--read-data');
      if (args.readDataSubset !== undefined) {
        if (!SUBSET_PATTERN.test(args.readDataSubset)) {
          throw new UserError('E_RESTIC_ARGUMENT', `readDataSubset is "${args.readDataSubset}": it must be n/t (e.g. 1/5), a percentage (e.g. 10%) or a size (e.g. 500M)`);
        }
        argv.push('--read-data-subset', args.readDataSubset);
      }
      return argv;
    }
    case 'restore': {
      const { args } = operation;
      refuseOptionLike(args.snapshot, 'snapshot');
      const argv = [...globalArgs(options, features, true), 'restore', '--json', '--target', args.target];
      for (const pattern of args.include ?? []) argv.push('--include', pattern);
      for (const pattern of args.exclude ?? []) argv.push('--exclude', pattern);
      if (args.host !== undefined) argv.push('--host', args.host);
      if (args.tags !== undefined && args.tags.length > 0) argv.push('--tag', args.tags.join(','));
      for (const path of args.paths ?? []) argv.push('--path', path);
      if (args.verify) argv.push('--verify');
      argv.push(args.snapshot);
      return argv;
    }
    case 'ls':
      refuseOptionLike(operation.args.snapshot, 'snapshot');
      return [...globalArgs(options, features, true), 'ls', '--json', operation.args.snapshot];
    case 'stats': {
      const argv = [...globalArgs(options, features, true), 'stats', '--json'];
      if (operation.args.mode !== undefined) argv.push('--mode', operation.args.mode);
      argv.push(...filterArgs({ ...(operation.args.host === undefined ? {} : { host: operation.args.host }), ...(operation.args.paths === undefined ? {} : { paths: operation.args.paths }) }));
      if (operation.args.snapshot !== undefined) {
        refuseOptionLike(operation.args.snapshot, 'snapshot');
        argv.push(operation.args.snapshot);
      }
      return argv;
    }
  }
}

/**
 * restic's variables that choose a repository, its password or a backend's credentials (docs/config.md, "restic's
 * environment variables"). drkit never inherits them: a run from a terminal where the owner exported another
 * AWS key or RESTIC_PASSWORD must do exactly what the scheduled run does. Tuning variables (RESTIC_CACHE_DIR,
 * RESTIC_PACK_SIZE, RESTIC_COMPRESSION, proxies, TMPDIR) are inherited as usual.
 */
export const RESTIC_SELECTING_VARIABLE = /^(RESTIC_(REPOSITORY|REPOSITORY_FILE|PASSWORD|PASSWORD_FILE|PASSWORD_COMMAND|KEY_HINT|HOST|FROM_[A-Z_]+|REST_USERNAME|REST_PASSWORD|AWS_[A-Z_]+)|AWS_[A-Z0-9_]+|B2_[A-Z_]+|AZURE_[A-Z_]+|GOOGLE_[A-Z_]+|OS_[A-Z_]+|ST_AUTH|ST_USER|ST_KEY|SWIFT_[A-Z_]+)$/;

/** `undefined` for each of restic's selecting variables in `inherited`: merged into a run's env, it removes them. */
export function clearedSelectingVariables(inherited: Readonly<Record<string, string | undefined>>): Record<string, undefined> {
  const cleared: Record<string, undefined> = {};
  for (const name of Object.keys(inherited)) if (RESTIC_SELECTING_VARIABLE.test(name)) cleared[name] = undefined;
  return cleared;
}

/**
 * The environment restic needs besides the inherited one. `undefined` removes an inherited variable: of restic's
 * selecting variables (above) only those the config and the secrets file give (`backendEnv`) reach restic.
 */
export function resticEnvironment(input: {
  repository: string;
  password: { file: string } | { command: string };
  backendEnv?: Readonly<Record<string, string>>;
  /** the environment drkit runs in (process.env): its selecting variables are removed */
  inherited?: Readonly<Record<string, string | undefined>>;
}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...clearedSelectingVariables(input.inherited ?? {}), ...input.backendEnv };
  env.RESTIC_REPOSITORY = input.repository;
  env.RESTIC_REPOSITORY_FILE = undefined;
  env.RESTIC_PASSWORD = undefined;
  if ('file' in input.password) {
    env.RESTIC_PASSWORD_FILE = input.password.file;
    env.RESTIC_PASSWORD_COMMAND = undefined;
  } else {
    env.RESTIC_PASSWORD_COMMAND = input.password.command;
    env.RESTIC_PASSWORD_FILE = undefined;
  }
  return env;
}
