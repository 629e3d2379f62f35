/**
 * `drkit backup [onsite|offsite|all] [--json]` and `drkit check [--json]`: runs the configured jobs one after the
 * other. For each job:
 * 1. take the job's lock in the setup's state folder (held by a live run → that job is skipped with exit code
 *    `locked`; a stale lock of a dead run is taken over with a note);
 * 2. ping the healthcheck's start URL;
 * 3. run the engine (src/jobs/onsite.ts, src/jobs/offsite.ts, src/jobs/check.ts) with a reporter: bars on a
 *    terminal, plain lines otherwise, JSON lines with --json. Every engine resolves with a JobResult that carries
 *    the typed error of a failure (src/jobs/types.ts), so there is one way to render and exit;
 * 4. record the run in the setup's status file (success / warning / failed, with time, size, snapshot id, error
 *    code and message, scrubbed of secret values), release the lock, ping success or fail.
 * A failure of one job does not stop the next (`all` still runs offsite when the onsite disk is absent).
 *
 * `drkit check` is the repository check job (restic check, with --read-data-subset when offsite.check says so),
 * run by its own timer (drkit schedule) and recorded like a backup, so `drkit status` can say when it last passed.
 *
 * Exit code: the worst of the jobs — a failure's code from the error family (1 for a damaged repository, 4 for a
 * tool, 2 for the user's input, 130 when interrupted), else 6 when a job was locked, else 3 when a job had
 * warnings, else 0.
 */
import { join, resolve } from 'node:path';
import type { CommandIO } from '../ui/io.js';
import { asDrkitError, DrkitError, errorToJson, exitCodeFor, ExitCode, formatError, UserError, type ExitCodeValue } from '../errors.js';
import type { Config } from '../config/types.js';
import { loadConfigCached } from '../config/cache.js';
import { defaultConfigPath, stateDir, stateHome } from '../adapters/paths.js';
import { offsiteAccess } from '../config/offsite.js';
import { locksDir, readState, recordRun, type StateData } from '../adapters/state.js';
import { acquireLock, type HeldLock } from '../adapters/lock.js';
import { ping } from '../adapters/healthcheck.js';
import { redactRepository, redactText } from '../core/redact.js';
import type { RecordJob, RunRecord } from '../core/status.js';
import { existingCanary, kitCopyRoot } from '../adapters/kit-store.js';
import type { JobResult, Reporter } from '../jobs/types.js';
import { runHooks } from '../jobs/hooks.js';
import type { JobHooks } from '../config/types.js';
import { reporterFor, type ClosableReporter } from '../ui/reporters.js';
import { formatLocalTime } from '../ui/format.js';
import type { ErrorMessage } from '../ui/json-messages.js';

/** the jobs this command runs: the two backups and the repository check */
type RunnableJob = RecordJob;

export interface BackupOptions {
  job?: 'onsite' | 'offsite' | 'all' | 'check';
  config?: string;
  json?: boolean;
}

interface JobOutcome {
  job: RunnableJob;
  exitCode: ExitCodeValue;
}

function selectJobs(config: Config, which: BackupOptions['job']): RunnableJob[] {
  if (which === 'check') {
    if (config.offsite === undefined) {
      throw new UserError('E_JOB_NOT_CONFIGURED', `${config.file}: there is no offsite repository to check`, {
        hints: ['add an offsite section to the config (see docs/config.md)'],
      });
    }
    if (config.offsite.check === undefined) {
      throw new UserError('E_JOB_NOT_CONFIGURED', `${config.file}: offsite.check is false: the repository check is turned off`, {
        hints: ['remove `check: false` from the offsite section (the default is a weekly restic check)'],
      });
    }
    return ['check'];
  }
  if (which === 'onsite' || which === 'offsite') {
    if (config[which] === undefined) {
      throw new UserError('E_JOB_NOT_CONFIGURED', `${config.file}: the ${which} job is not configured`, {
        hints: [`add an ${which} section to the config (see docs/config.md)`],
      });
    }
    return [which];
  }
  return (['onsite', 'offsite'] as const).filter((job) => config[job] !== undefined);
}

/**
 * What both backups leave out: the config's `exclude`, and the kit copy a scheduled drill uses (its shares must not
 * travel to the onsite disk or offsite, src/adapters/kit-store.ts), wherever the sources put the state folder.
 */
export function backupExcludes(config: Config): string[] {
  return [...config.exclude, kitCopyRoot(stateDir(config.file))];
}

/** the kit's canary goes into every snapshot once a kit exists (src/adapters/kit-store.ts) */
const canaryOf = (dir: string): { canary?: string } => {
  const canary = existingCanary(dir);
  return canary === undefined ? {} : { canary };
};

const notInitialised = (config: Config, what: string): UserError => new UserError('E_NOT_INITIALIZED', what, {
  hints: [`run: drkit init --config ${config.file} --yes`],
});

/** A failure before the engine ran (not set up, no password, …), as the result an engine would have returned. */
function failedBeforeStart(job: RunnableJob, error: DrkitError, startedAt: string): JobResult {
  return { job, outcome: 'failed', startedAt, finishedAt: new Date().toISOString(), warnings: [], error };
}

/** Runs one engine; every outcome, a failure before the engine started included, is a JobResult. */
async function runEngine(job: RunnableJob, config: Config, state: StateData, reporter: Reporter, signal: AbortSignal,
  secretsOut: string[], previousRunDied: boolean): Promise<{ result: JobResult; reported: boolean }> {
  const startedAt = new Date().toISOString();
  try {
    if (job === 'onsite') {
      const onsite = config.onsite;
      if (onsite === undefined) throw new Error('onsite not configured');
      if (state.onsite === undefined || state.onsite.target !== onsite.target) {
        throw notInitialised(config, state.onsite === undefined
          ? `the onsite target ${onsite.target} has not been set up (no marker recorded)`
          : `onsite.target changed from ${state.onsite.target} to ${onsite.target} since it was set up`);
      }
      const { runOnsiteSnapshot } = await import('../jobs/onsite.js');
      const result = await runOnsiteSnapshot({
        target: onsite.target, expectedMarker: state.onsite.markerId, host: config.host, sources: config.sources,
        excludes: backupExcludes(config), keep: onsite.keep, ...(onsite.ssh ? { ssh: onsite.ssh } : {}),
        ...(typeof onsite.removable === 'string' ? { mountPoint: onsite.removable } : {}), ...canaryOf(stateDir(config.file)),
      }, reporter, signal);
      return { result, reported: true };
    }
    const offsite = config.offsite;
    if (offsite === undefined) throw new Error('offsite not configured');
    const access = offsiteAccess(config, offsite);
    secretsOut.push(...access.secretValues);
    // the status file keeps the repository as it may be shown (no URL password); older files kept it whole
    if (state.offsite === undefined || ![offsite.repository, redactRepository(offsite.repository)].includes(state.offsite.repository)) {
      throw notInitialised(config, state.offsite === undefined
        ? `the offsite repository ${redactRepository(offsite.repository)} has not been set up (no repository id recorded)`
        : `offsite.repository changed from ${redactRepository(state.offsite.repository)} to ${redactRepository(offsite.repository)} since it was set up`);
    }
    // the engine's modules in one wave of the loader, not one after the other (each wave is a few ms of a run)
    const [{ DEFAULT_RETRY }, { drkitCacheDir }, checkJob, offsiteJob] = await Promise.all([
      import('../adapters/restic/index.js'), import('../adapters/restic/known.js'),
      job === 'check' ? import('../jobs/check.js') : null, job === 'check' ? null : import('../jobs/offsite.js'),
    ]);
    const runtime = { restic: { retry: { ...DEFAULT_RETRY, attempts: offsite.retries + 1 }, backendGiveUpMs: offsite.giveUpAfter } };
    const repository = {
      repository: access.repository, password: access.password, env: access.env,
      ...(access.cacert === undefined ? {} : { cacert: access.cacert }),
      expectedRepositoryId: state.offsite.repositoryId,
    };
    if (checkJob !== null) {
      const { runRepositoryCheck } = checkJob;
      const subset = offsite.check?.readDataSubset;
      const result = await runRepositoryCheck({ ...repository, ...(subset === undefined ? {} : { readDataSubset: subset }) }, reporter, signal, runtime);
      return { result, reported: true };
    }
    if (offsiteJob === null) throw new Error('offsite job module not loaded');
    const { runOffsiteBackup } = offsiteJob;
    const result = await runOffsiteBackup({
      ...repository, cache: drkitCacheDir(stateDir(config.file)), sources: config.sources, excludes: backupExcludes(config), keep: offsite.keep, host: config.host, tags: offsite.tags,
      ...canaryOf(stateDir(config.file)), previousRunDied,
    }, reporter, signal, runtime);
    return { result, reported: true };
  } catch (thrown) {
    const error = asDrkitError(thrown);
    if (error.kind === 'internal') throw error;
    return { result: failedBeforeStart(job, error, startedAt), reported: false };
  }
}

function toRecord(result: JobResult, secrets: readonly string[]): RunRecord {
  const clean = (text: string): string => redactText(text, secrets);
  const record: RunRecord = {
    job: result.job,
    outcome: result.outcome,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    warnings: result.warnings.slice(0, 50).map(clean),
  };
  for (const key of ['snapshotId', 'filesTotal', 'bytesTotal', 'bytesAdded', 'snapshotCount'] as const) {
    const value = result[key];
    if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
  }
  if (result.outcome === 'failed') {
    record.error = result.error === undefined ? { code: 'E_UNKNOWN', message: 'failed without an error' } : { code: result.error.code, message: clean(result.error.message) };
  }
  return record;
}

async function pingQuietly(url: string | undefined, body: string, reporter: Reporter, job: RunnableJob): Promise<void> {
  if (url === undefined) return;
  const result = await ping(url, body);
  if (!result.ok && result.problem !== undefined) reporter.event({ type: 'info', job, message: result.problem });
}

async function runJob(job: RunnableJob, config: Config, dir: string, reporter: ClosableReporter, io: CommandIO, signal: AbortSignal): Promise<JobOutcome> {
  let lock: HeldLock;
  try {
    lock = acquireLock(join(locksDir(dir), `backup-${job}.lock`), job === 'check' ? 'repository check' : `backup ${job}`);
  } catch (error) {
    const drkitError = asDrkitError(error);
    if (drkitError.code !== 'E_LOCKED') throw drkitError;
    reportError(io, drkitError, job);
    return { job, exitCode: ExitCode.locked };
  }
  const secrets: string[] = [];
  try {
    if (lock.tookOver) {
      reporter.event({ type: 'info', job, message: `took over a stale lock of pid ${lock.tookOver.pid} (started ${lock.tookOver.startedAt === '' ? 'at an unknown time' : io.jsonMode ? lock.tookOver.startedAt : formatLocalTime(lock.tookOver.startedAt)}), which is no longer running` });
    }
    const hc = job === 'check' ? undefined : config[job]?.healthcheck;
    await pingQuietly(hc?.start, '', reporter, job);
    const state = readState(dir);
    // the owner's hooks (src/jobs/hooks.ts): a failing `before` stops the job, which is then recorded as failed
    const hooks = job === 'check' ? config.offsite?.check?.hooks : config[job]?.hooks;
    const beforeFailed = hooks === undefined ? undefined : await beforeHooks(job, hooks, reporter, signal);
    // with hooks, the engine's 'done' waits for the after hooks: a failed one turns a success into a warning, and
    // the 'done' (the --json `done` message) must report the outcome the run is recorded with
    const engineReporter: Reporter = hooks === undefined ? reporter : { event: (event) => { if (event.type !== 'done') reporter.event(event); } };
    const ran = beforeFailed === undefined
      ? await runEngine(job, config, state, engineReporter, signal, secrets, lock.tookOver !== undefined)
      : { result: failedBeforeStart(job, beforeFailed, new Date().toISOString()), reported: false };
    const reported = ran.reported && hooks === undefined;
    const result = hooks === undefined ? ran.result : await afterHooks(ran.result, hooks, reporter, signal);
    const record = toRecord(result, secrets);
    await recordRun(dir, record);
    if (record.outcome === 'failed') {
      await pingQuietly(hc?.fail, `${record.error?.code ?? ''}: ${record.error?.message ?? ''}`, reporter, job);
    } else {
      await pingQuietly(hc?.success, `${record.outcome}: ${record.snapshotId ?? ''}`, reporter, job);
    }
    // an engine has sent its 'done' event; a failure before the engine started has not
    if (!reported) reporter.event({ type: 'done', job, result });
    if (result.outcome === 'failed') {
      const error = result.error ?? new UserError('E_UNKNOWN', `${job} failed without an error`);
      reportError(io, error, job, secrets);
      return { job, exitCode: exitCodeFor(error) };
    }
    return { job, exitCode: record.outcome === 'warning' ? ExitCode.warning : ExitCode.ok };
  } finally {
    lock.release();
  }
}

/** The `before` hooks; the error of the one that failed, if one did. */
async function beforeHooks(job: RunnableJob, hooks: JobHooks, reporter: Reporter, signal: AbortSignal): Promise<DrkitError | undefined> {
  try {
    await runHooks('before', hooks, { job }, reporter, signal);
    return undefined;
  } catch (thrown) {
    const error = asDrkitError(thrown);
    if (error.kind === 'internal') throw error;
    return error;
  }
}

/**
 * `after` after a success or a warning, `failure` after a failure. A failed `after` command makes the run a
 * warning (the snapshot was made; what was to follow it was not done); a failed `failure` command is only reported.
 */
async function afterHooks(result: JobResult, hooks: JobHooks, reporter: Reporter, signal: AbortSignal): Promise<JobResult> {
  const failed = result.outcome === 'failed';
  const context = { job: result.job, outcome: result.outcome, ...(result.snapshotId === undefined ? {} : { snapshotId: result.snapshotId }) };
  const problems = await runHooks(failed ? 'failure' : 'after', hooks, context, reporter, signal);
  for (const message of problems) reporter.event({ type: 'warning', job: result.job, message });
  if (problems.length === 0) return result;
  return { ...result, outcome: failed ? 'failed' : 'warning', warnings: [...result.warnings, ...problems] };
}

/** A job's failure, printed the one way of src/errors.ts (formatError, errorToJson), named after the job and scrubbed. */
function reportError(io: CommandIO, error: DrkitError, job: RunnableJob, secrets: readonly string[] = []): void {
  const clean = (text: string): string => redactText(text, secrets);
  if (io.jsonMode) {
    // through JSON text, so the redaction reaches every string of it
    io.json(JSON.parse(clean(JSON.stringify({ ...errorToJson(error), job } satisfies ErrorMessage))) as ErrorMessage);
    return;
  }
  for (const line of clean(formatError(error)).replace(/^error: /, `error: ${job}: `).split('\n')) io.note(line);
}

/** The worst exit code: failures (by the error family) first, then locked, then warnings. */
function combine(codes: readonly ExitCodeValue[]): ExitCodeValue {
  const failures = codes.filter((code) => code !== ExitCode.ok && code !== ExitCode.warning && code !== ExitCode.locked);
  if (failures.includes(ExitCode.interrupted)) return ExitCode.interrupted;
  if (failures.length > 0) return failures.includes(ExitCode.toolError) ? ExitCode.toolError : (failures[0] ?? ExitCode.toolError);
  if (codes.includes(ExitCode.locked)) return ExitCode.locked;
  if (codes.includes(ExitCode.warning)) return ExitCode.warning;
  return ExitCode.ok;
}

export async function run(options: BackupOptions, io: CommandIO): Promise<number> {
  // the validated config is cached by its exact text (src/config/cache.ts): a scheduled run that finds the config
  // unchanged skips loading the YAML parser and the schema library; any edit is fully validated again
  const config = await loadConfigCached(resolve(options.config ?? defaultConfigPath()), stateHome());
  const dir = stateDir(config.file);
  const jobs = selectJobs(config, options.job ?? 'all');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const reporter = await reporterFor(io);
  const outcomes: JobOutcome[] = [];
  try {
    for (const job of jobs) {
      if (controller.signal.aborted) break;
      outcomes.push(await runJob(job, config, dir, reporter, io, controller.signal));
    }
  } finally {
    reporter.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (controller.signal.aborted) return ExitCode.interrupted;
  return combine(outcomes.map((outcome) => outcome.exitCode));
}
