/**
 * `drkit backup [onsite|offsite|all] [--json]`: runs the configured jobs one after the other. For each job:
 * 1. take the job's lock (held by a live run → that job is skipped with exit code `locked`; a stale lock of a
 *    dead run is taken over with a note);
 * 2. ping the healthcheck's start URL;
 * 3. run the engine (src/jobs/onsite.ts, src/jobs/offsite.ts) with a reporter: bars on a terminal, plain lines
 *    otherwise, JSON lines with --json;
 * 4. record the run in the status file (success / warning / failed, with time, size, snapshot id, error code and
 *    message, scrubbed of secret values), release the lock, ping success or fail.
 * A failure of one job does not stop the next (`all` still runs offsite when the onsite disk is absent).
 *
 * Exit code: the worst of the jobs — a failure's code from the error family (4 for a tool, 2 for the user's input,
 * 130 when interrupted), else 6 when a job was locked, else 3 when a job had warnings, else 0.
 */
import { resolve } from 'node:path';
import type { CommandIO } from '../ui/io.js';
import { asDrkitError, DrkitError, exitCodeFor, ExitCode, UserError, type ExitCodeValue } from '../errors.js';
import type { Config, JobKey } from '../config/types.js';
import { loadConfigCached } from '../config/cache.js';
import { defaultConfigPath, stateDir } from '../config/paths.js';
import { offsiteAccess } from '../config/offsite.js';
import { locksDir, readState, recordRun, type StateData } from '../adapters/state.js';
import { acquireLock, type HeldLock } from '../adapters/lock.js';
import { ping } from '../adapters/healthcheck.js';
import { redact } from '../adapters/secrets.js';
import { existingCanary } from '../adapters/kit-store.js';
import type { RunRecord } from '../core/status.js';
import type { JobResult, Reporter } from '../jobs/types.js';
import { reporterFor, type ClosableReporter } from '../ui/reporters.js';
import { join } from 'node:path';

export interface BackupOptions {
  job?: 'onsite' | 'offsite' | 'all';
  config?: string;
  json?: boolean;
}

interface JobOutcome {
  job: JobKey;
  exitCode: ExitCodeValue;
}

function selectJobs(config: Config, which: BackupOptions['job']): JobKey[] {
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

/** the kit's canary goes into every snapshot once a kit exists (src/adapters/kit-store.ts) */
const canaryOf = (dir: string): { canary?: string } => {
  const canary = existingCanary(dir);
  return canary === undefined ? {} : { canary };
};

const notInitialised = (config: Config, what: string): UserError => new UserError('E_NOT_INITIALIZED', what, {
  hints: [`run: drkit init --config ${config.file} --yes`],
});

/** Runs one engine; resolves with its result (failed results included) and the error of a failed run. */
async function runEngine(job: JobKey, config: Config, state: StateData, reporter: Reporter, signal: AbortSignal,
  secretsOut: string[]): Promise<{ result: JobResult | null; error: DrkitError | null }> {
  let reported: JobResult | null = null;
  const watching: Reporter = {
    event: (event) => {
      if (event.type === 'done') reported = event.result;
      reporter.event(event);
    },
  };
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
        excludes: config.exclude, keep: onsite.keep, ...(onsite.ssh ? { ssh: onsite.ssh } : {}), ...canaryOf(stateDir()),
      }, watching, signal);
      return { result, error: null };
    }
    const offsite = config.offsite;
    if (offsite === undefined) throw new Error('offsite not configured');
    const access = offsiteAccess(config, offsite);
    secretsOut.push(...access.secretValues);
    if (state.offsite === undefined || state.offsite.repository !== offsite.repository) {
      throw notInitialised(config, state.offsite === undefined
        ? `the offsite repository ${offsite.repository} has not been set up (no repository id recorded)`
        : 'offsite.repository changed since it was set up');
    }
    const [{ runOffsiteBackup }, { DEFAULT_RETRY }] = await Promise.all([import('../jobs/offsite.js'), import('../adapters/restic/index.js')]);
    const result = await runOffsiteBackup({
      repository: access.repository, password: access.password, env: access.env,
      ...(access.cacert === undefined ? {} : { cacert: access.cacert }),
      expectedRepositoryId: state.offsite.repositoryId,
      sources: config.sources, excludes: config.exclude, keep: offsite.keep, host: config.host, tags: offsite.tags, ...canaryOf(stateDir()),
    }, watching, signal, {
      restic: { retry: { ...DEFAULT_RETRY, attempts: offsite.retries + 1 }, backendGiveUpMs: offsite.giveUpAfter },
    });
    return { result, error: null };
  } catch (thrown) {
    return { result: reported, error: asDrkitError(thrown) };
  }
}

function toRecord(job: JobKey, result: JobResult | null, error: DrkitError | null, startedAt: string, secrets: readonly string[]): RunRecord {
  const clean = (text: string): string => redact(text, secrets);
  const base = result ?? { job, outcome: 'failed' as const, startedAt, finishedAt: new Date().toISOString(), warnings: [] };
  const record: RunRecord = {
    job,
    outcome: error === null ? base.outcome : 'failed',
    startedAt: base.startedAt,
    finishedAt: base.finishedAt,
    warnings: base.warnings.slice(0, 50).map(clean),
  };
  for (const key of ['snapshotId', 'filesTotal', 'bytesTotal', 'bytesAdded', 'snapshotCount'] as const) {
    const value = base[key];
    if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
  }
  const failure = error ?? (base.outcome === 'failed' ? base.error ?? { code: 'E_UNKNOWN', message: 'failed without an error' } : null);
  if (failure) record.error = { code: failure.code, message: clean(failure.message) };
  return record;
}

async function pingQuietly(url: string | undefined, body: string, reporter: Reporter, job: JobKey): Promise<void> {
  if (url === undefined) return;
  const result = await ping(url, body);
  if (!result.ok && result.problem !== undefined) reporter.event({ type: 'info', job, message: result.problem });
}

async function runJob(job: JobKey, config: Config, dir: string, reporter: ClosableReporter, io: CommandIO, signal: AbortSignal): Promise<JobOutcome> {
  let lock: HeldLock;
  try {
    lock = acquireLock(join(locksDir(dir), `backup-${job}.lock`), `backup ${job}`);
  } catch (error) {
    const drkitError = asDrkitError(error);
    if (drkitError.code !== 'E_LOCKED') throw drkitError;
    reportError(io, drkitError, job);
    return { job, exitCode: ExitCode.locked };
  }
  const startedAt = new Date().toISOString();
  const secrets: string[] = [];
  try {
    if (lock.tookOver) {
      reporter.event({ type: 'info', job, message: `took over a stale lock of pid ${lock.tookOver.pid} (started ${lock.tookOver.startedAt || 'at an unknown time'}), which is no longer running` });
    }
    const hc = config[job]?.healthcheck;
    await pingQuietly(hc?.start, '', reporter, job);
    const state = readState(dir);
    const { result, error } = await runEngine(job, config, state, reporter, signal, secrets);
    const record = toRecord(job, result, error, startedAt, secrets);
    await recordRun(dir, record);
    if (record.outcome === 'failed') {
      await pingQuietly(hc?.fail, `${record.error?.code ?? ''}: ${record.error?.message ?? ''}`, reporter, job);
    } else {
      await pingQuietly(hc?.success, `${record.outcome}: ${record.snapshotId ?? ''}`, reporter, job);
    }
    if (error !== null) {
      // an engine that throws has sent its 'done' event first; a failure before the engine started has not
      if (result === null) reporter.event({ type: 'done', job, result: { job, outcome: 'failed', startedAt: record.startedAt, finishedAt: record.finishedAt, warnings: record.warnings, ...(record.error ? { error: record.error } : {}) } });
      reportError(io, error, job, secrets);
      return { job, exitCode: exitCodeFor(error) };
    }
    if (record.outcome === 'failed') {
      // an engine that returns its failure (the offsite job) carries the typed error's kind, hints and exit code
      const failure = result?.error;
      reportError(io, new ReportedFailure(failure?.code ?? 'E_UNKNOWN', failure?.message ?? 'failed', failure?.hints ?? []), job, secrets);
      const code = failure?.exitCode;
      return { job, exitCode: isExitCode(code) ? code : failure?.kind === 'user' ? ExitCode.userError : ExitCode.toolError };
    }
    return { job, exitCode: record.outcome === 'warning' ? ExitCode.warning : ExitCode.ok };
  } finally {
    lock.release();
  }
}

/** A failure an engine returned rather than threw, in the shape reportError prints. */
class ReportedFailure {
  readonly kind = 'tool';
  constructor(readonly code: string, readonly message: string, readonly hints: readonly string[]) {}
}

const EXIT_CODES: readonly number[] = Object.values(ExitCode);
const isExitCode = (value: unknown): value is ExitCodeValue => typeof value === 'number' && EXIT_CODES.includes(value);

function reportError(io: CommandIO, error: DrkitError | ReportedFailure, job: JobKey, secrets: readonly string[] = []): void {
  const clean = (text: string): string => redact(text, secrets);
  if (io.jsonMode) {
    io.json({ message_type: 'error', job, code: error.code, message: clean(error.message), hints: error.hints.map(clean) });
    return;
  }
  io.note(`error: ${job}: ${clean(error.message)}`);
  const tail = 'stderrTail' in error && typeof error.stderrTail === 'string' ? error.stderrTail.trim() : '';
  if (tail !== '') {
    io.note(`${'program' in error ? String(error.program) : 'the program'} said:`);
    for (const line of clean(tail).split('\n').slice(-10)) io.note(`  ${line}`);
  }
  for (const hint of error.hints) io.note(`hint: ${clean(hint)}`);
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
  const dir = stateDir();
  // the validated config is cached by its exact text (src/config/cache.ts): a scheduled run that finds the config
  // unchanged skips loading the YAML parser and the schema library; any edit is fully validated again
  const config = await loadConfigCached(resolve(options.config ?? defaultConfigPath()), dir);
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
