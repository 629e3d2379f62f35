/**
 * The repository check job: `restic check` of the offsite repository (with `--read-data-subset` when the owner
 * chose a share of the data to read back), reported through a Reporter and summed up in a JobResult like a backup
 * (the engine contract of ./types.ts), so the status file records it and `drkit status` can say when the
 * repository last proved whole.
 *
 * Rules:
 * - the repository id recorded at init is checked first: a check of another repository proves nothing;
 * - a check that finds problems (a lost pack, a damaged blob) fails with the one damage verdict,
 *   E_RESTIC_DAMAGED (src/adapters/restic/errors.ts), naming what restic found and the repair commands of this
 *   restic version; never 'success', never a mere warning;
 * - a check that cannot run (server down, wrong password, locked) fails with restic's typed error: it proves
 *   nothing either way, and `drkit status` reports the check as failed until one passes.
 */
import { DrkitError, InternalError, UserError } from '../errors.js';
import { openResticRepository, repositoryDamaged, type PasswordSource, type Restic } from '../adapters/restic/index.js';
import type { OffsiteRuntime } from './offsite.js';
import type { JobEvent, JobResult, Reporter } from './types.js';
import { redactRepository } from '../core/redact.js';

export interface RepositoryCheckOptions {
  repository: string;
  password: PasswordSource;
  env?: Readonly<Record<string, string>>;
  cacert?: string;
  /** the id recorded at `drkit init`; when set, a repository with another id is refused */
  expectedRepositoryId?: string;
  /** restic --read-data-subset ("5%", "1/10", "500M"); without it only the structure is checked */
  readDataSubset?: string;
}

/** How many of restic's findings are named in the result's warnings and the error. */
const NAMED_FINDINGS = 20;

/** Runs one repository check. Resolves with the JobResult for success and failure alike; rejects only on a bug. */
export async function runRepositoryCheck(options: RepositoryCheckOptions, reporter: Reporter, signal?: AbortSignal, runtime: OffsiteRuntime = {}): Promise<JobResult> {
  const clock = runtime.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const emit = (event: JobEvent): void => reporter.event(event);
  const info = (message: string): void => emit({ type: 'info', job: 'check', message });
  const finish = (result: Omit<JobResult, 'job' | 'startedAt' | 'finishedAt'>): JobResult => {
    const full: JobResult = { job: 'check', startedAt, finishedAt: clock().toISOString(), ...result };
    emit({ type: 'done', job: 'check', result: full });
    return full;
  };
  let restic: Restic | undefined;
  try {
    restic = await openResticRepository({
      repository: options.repository, password: options.password,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cacert === undefined ? {} : { cacert: options.cacert }),
    }, {
      ...runtime.restic,
      ...(signal === undefined ? {} : { signal }),
      onRetry: ({ attempt, delayMs, error }) => {
        info(`${error.message}; retrying in ${Math.round(delayMs / 1000)} s (attempt ${attempt + 1})`);
        runtime.restic?.onRetry?.({ attempt, delayMs, error });
      },
    });
    emit({ type: 'start', job: 'check', at: startedAt, target: restic.displayName });
    info(`restic ${restic.version.major}.${restic.version.minor}.${restic.version.patch}: checking the repository${options.readDataSubset === undefined ? ' (structure only)' : ` and reading ${options.readDataSubset} of its data`}`);
    if (options.expectedRepositoryId !== undefined) {
      const actual = await restic.repositoryId();
      if (actual !== options.expectedRepositoryId) {
        throw new UserError('E_RESTIC_REPO_MISMATCH',
          `the repository at ${restic.displayName} has id ${actual.slice(0, 8)}, not ${options.expectedRepositoryId.slice(0, 8)} recorded at init: a check of another repository proves nothing`, {
            hints: ['check offsite.repository in the config; if the repository was replaced on purpose, run `drkit init` again to record it'],
          });
      }
    }
    const verdict = await restic.check(options.readDataSubset === undefined ? {} : { readDataSubset: options.readDataSubset });
    if (!verdict.ok) {
      const findings = verdict.problems.slice(0, NAMED_FINDINGS);
      throw repositoryDamaged('check', restic.displayName, findings, restic.version, { exitStatus: 1, stderrTail: findings.join('\n') });
    }
    return finish({ outcome: 'success', warnings: [] });
  } catch (error) {
    if (!(error instanceof DrkitError) || error instanceof InternalError) throw error;
    if (restic === undefined) emit({ type: 'start', job: 'check', at: startedAt, target: redactRepository(options.repository) });
    return finish({ outcome: 'failed', warnings: [], error });
  }
}
