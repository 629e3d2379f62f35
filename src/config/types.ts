/**
 * The validated, resolved configuration: what the rest of drkit reads. Plain data with every path absolute and
 * every duration in milliseconds. This module has no runtime imports so that `drkit status` can use the type
 * without loading the YAML parser or the schema library (see ./cache.ts).
 */
import type { KeepPolicy } from '../core/keep-policy.js';
import type { RetentionPolicy } from '../core/retention.js';

/**
 * Age thinning of the onsite snapshots: keep every snapshot for `all`, one a day for `daily`, ... (ms; null =
 * forever). The one onsite retention type: the core's policy (its defaults are DEFAULT_RETENTION there).
 */
export type OnsiteKeep = RetentionPolicy;

/**
 * restic's forget policy as the config states it; each field becomes `--keep-<name>` (`within` uses restic's
 * duration syntax, "2y5m7d3h", where m means months). The adapter's policy, less the tags the job adds itself.
 */
export type OffsiteKeep = Omit<KeepPolicy, 'tags'>;

export interface HealthcheckUrls {
  start?: string;
  success?: string;
  fail?: string;
}

/** Commands run around a job (src/jobs/hooks.ts, docs/config.md "hooks"), each with /bin/sh -c. */
export interface JobHooks {
  before: string[];
  /** after a success or a warning */
  after: string[];
  /** after a failure, a failed `before` hook included */
  failure: string[];
  /** ms one command may run before it is stopped */
  timeout: number;
  timeoutText: string;
}

/** When a job's timer fires: every hour, every day (at 03:00 unless `at` is set) or every week (Monday). */
export interface Schedule {
  every: 'hourly' | 'daily' | 'weekly';
  /** "HH:MM" for daily/weekly runs */
  at?: string;
}

export interface OnsiteConfig {
  /** a local folder (absolute) or `user@host:path` */
  target: string;
  keep: OnsiteKeep;
  maxAge: number;
  /** the maxAge as written, for messages */
  maxAgeText: string;
  schedule: Schedule;
  healthcheck?: HealthcheckUrls;
  hooks?: JobHooks;
  ssh?: { port?: number; identityFile?: string };
  /**
   * absolute path of the mount point of a removable disk the target lives on (`removable: true`: the target
   * itself): nothing is read from or written to the target unless a file system is mounted there. `false` when
   * the config says so (the target is on an internal disk); absent when the config does not say
   */
  removable?: string | false;
}

/** The repository check (`drkit check`): restic check on its own schedule, recorded like a job. */
export interface RepositoryCheckConfig {
  schedule: Schedule;
  /** restic check --read-data-subset (e.g. "5%", "1/10", "500M"): the share of the data read back and verified */
  readDataSubset?: string;
  /** `drkit status` fails when the last good check is older than this (ms) */
  maxAge: number;
  maxAgeText: string;
  hooks?: JobHooks;
}

export interface OffsiteConfig {
  /** any restic repository: a local path (absolute), `rest:…`, `s3:…`, `b2:…`, `sftp:…`, `rclone:…`, … */
  repository: string;
  keep: OffsiteKeep;
  maxAge: number;
  maxAgeText: string;
  schedule: Schedule;
  /** a command restic runs to print the repository password (RESTIC_PASSWORD_COMMAND) */
  passwordCommand?: string;
  /** absolute path of extra CA certificates to trust for an https backend (restic --cacert) */
  cacert?: string;
  /** how many times a run that met a transient fault (server unreachable, repository locked) is retried */
  retries: number;
  /** ms: restic is stopped when it has only been retrying an unreachable backend for this long */
  giveUpAfter: number;
  tags: string[];
  healthcheck?: HealthcheckUrls;
  hooks?: JobHooks;
  /** absent when the config says `check: false` */
  check?: RepositoryCheckConfig;
}

/** The `kit:` section: what `drkit kit create --config` adds to the bundle, and when the kit is due for a re-check. */
export interface KitConfig {
  owner?: string;
  notes?: string;
  /** the onsite copy as the restorer should read it; default: built from onsite.target */
  onsite?: string;
  /** ms after which `drkit status` says "kit due for re-check" */
  maxAge: number;
  maxAgeText: string;
}

/** The restore drill (`drkit drill`, docs/drills.md). */
export interface DrillConfig {
  /** ms: `drkit status` flags the last drill after this long (default 92 d) */
  maxAge: number;
  maxAgeText: string;
  /** the kit folder (sheet PDFs and guide.pdf) a scheduled drill uses; `drill --kit` overrides it */
  kit?: string;
  /** monthly: `kit create --config` keeps a kit copy for the drill and `drkit schedule` runs it; none: no drill timer */
  schedule?: 'monthly' | 'none';
}

export interface Config {
  /** absolute path of the config file this came from */
  file: string;
  /** the host name the snapshots are filed under */
  host: string;
  sources: string[];
  exclude: string[];
  /** absolute path of the secrets file, when one is configured */
  secrets?: string;
  onsite?: OnsiteConfig;
  offsite?: OffsiteConfig;
  /** absent in configs without a `kit:` section (and in caches written before it existed): defaults apply */
  kit?: KitConfig;
  drill?: DrillConfig;
}

export type JobKey = 'onsite' | 'offsite';
