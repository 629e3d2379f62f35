/**
 * The pre-seal check of `kit create`: opens the repository with exactly what the bundle holds, as a restorer
 * would, before anything is sealed. Rules:
 * - restic runs with a cleared environment (PATH, a temporary HOME and XDG folders, a C locale, then the
 *   bundle's own variables and nothing else: no RESTIC_* or AWS_* of the owner's shell, no drkit config),
 *   with `--no-cache` (an owner's cache could hide a repository that no longer answers), and the password
 *   through the adapter's pipe (no file);
 * - the repository must open (`restic cat config`) and its id must match every expected id (the bundle's
 *   repositoryId, the id recorded at `drkit init`);
 * - a failure is one clear error naming what failed (wrong password, repository not found, wrong repository id,
 *   unreachable, storage refused), never retried for long, and nothing is written;
 * - the temporary home is removed whatever happens (an interrupt included: ./cleanup.ts; a killed run's is swept).
 */
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundleInput } from '../core/bundle.js';
import { redactRepository } from '../core/redact.js';
import { DrkitError, InternalError, ToolError, UserError } from '../errors.js';
import { openResticRepository, type ResticRunnerOptions } from './restic/index.js';
import { ownedTempName, registerCleanupPath, TEMP_PREFIX } from './cleanup.js';

export interface BundleCheckOptions {
  /** ids the repository must have (any length ≥ 8 hex digits; compared on the shorter), each with its origin */
  expectedIds?: readonly { id: string; from: string }[];
  /** CA file for an https backend with its own authority (offsite.cacert) */
  cacert?: string;
  /** the restic binary (tests) */
  binary?: string;
  /** stop restic when the backend has only been retried for this long (default 20 s) */
  giveUpMs?: number;
}

export interface BundleCheckResult {
  repositoryId: string;
  resticVersion: string;
}

const NOTHING_WRITTEN = 'nothing was written; fix it and run kit create again';
const NO_CHECK = 'only if the repository cannot be reached from here on purpose: --no-check seals without this check (the checklist then says "credentials NOT verified")';

/** Opens the bundle's repository in a clean room; throws a DrkitError naming what failed. */
export async function checkBundleOpens(bundle: BundleInput, options: BundleCheckOptions = {}): Promise<BundleCheckResult> {
  const home = join(tmpdir(), ownedTempName(TEMP_PREFIX.kitCheckHome));
  await mkdir(home, { mode: 0o700 });
  const releaseHome = registerCleanupPath(home);
  const where = redactRepository(bundle.repository);
  try {
    const isolatedEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: tmpdir(), LC_ALL: 'C',
      XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), XDG_STATE_HOME: join(home, '.local', 'state'),
      ...bundle.env,
    };
    const runner: ResticRunnerOptions = {
      isolatedEnv, backendGiveUpMs: options.giveUpMs ?? 20_000,
      // a wrong password or URL is not transient; an unreachable server gets one more try
      retry: { attempts: 2, initialDelayMs: 2_000, factor: 1, maxDelayMs: 2_000 },
      ...(options.binary === undefined ? {} : { binary: options.binary }),
    };
    const restic = await openResticRepository({
      repository: bundle.repository, password: { value: bundle.resticPassword }, env: bundle.env, noCache: true,
      ...(options.cacert === undefined ? {} : { cacert: options.cacert }),
    }, runner);
    let repositoryId: string;
    try {
      repositoryId = await restic.repositoryId();
    } catch (error) {
      throw explain(error, where);
    }
    for (const expected of options.expectedIds ?? []) {
      const length = Math.min(expected.id.length, repositoryId.length);
      if (expected.id.slice(0, length).toLowerCase() !== repositoryId.slice(0, length)) {
        throw new UserError('E_KIT_CHECK_REPOSITORY_ID',
          `kit check: wrong repository id: ${where} has id ${repositoryId.slice(0, 8)}, but ${expected.from} says ${expected.id.slice(0, 8)}`, {
            hints: ['the bundle points at another repository than the one the backups go to: check the repository URL', NOTHING_WRITTEN],
            details: { failed: 'repository-id' },
          });
      }
    }
    const { major, minor, patch } = restic.version;
    return { repositoryId, resticVersion: `${major}.${minor}.${patch}` };
  } finally {
    await rm(home, { recursive: true, force: true });
    releaseHome();
  }
}

/** The adapter's typed error, restated as what the kit check found. */
function explain(error: unknown, where: string): DrkitError {
  if (!(error instanceof DrkitError) || error instanceof InternalError) return error instanceof DrkitError ? error : new InternalError(String(error));
  const user = (code: string, failed: string, message: string, hints: string[]) =>
    new UserError(code, `kit check: ${message}`, { hints: [...hints, NOTHING_WRITTEN, NO_CHECK], details: { failed, cause: error.code } });
  switch (error.code) {
    case 'E_RESTIC_WRONG_PASSWORD':
      return user('E_KIT_CHECK_PASSWORD', 'wrong-password', `wrong password: the bundle's restic password does not open ${where}`, [
        'check RESTIC_PASSWORD in the secrets file (or the output of offsite.passwordCommand, or resticPassword in --bundle) for typos such as O for 0',
      ]);
    case 'E_RESTIC_REPO_MISSING':
      return user('E_KIT_CHECK_REPOSITORY', 'repository-not-found', `repository not found: there is no restic repository at ${where}`, [
        'check the repository URL (offsite.repository, or repository in --bundle): scheme, host, port, bucket and path',
      ]);
    case 'E_RESTIC_TLS':
    case 'E_RESTIC_BACKEND_AUTH':
      return user('E_KIT_CHECK_BACKEND', 'storage-refused', `the storage refused the bundle's credentials for ${where}: ${error.message}`, [...error.hints]);
    case 'E_RESTIC_UNREACHABLE':
      return new ToolError('E_KIT_CHECK_UNREACHABLE', `kit check: unreachable: ${error.message}`, {
        program: 'restic', exitStatus: error instanceof ToolError ? error.exitStatus : null,
        hints: ['check the repository URL and that the server or bucket is online and reachable from here', NOTHING_WRITTEN, NO_CHECK],
        details: { failed: 'unreachable', cause: error.code },
      });
    default:
      if (error instanceof UserError) return user('E_KIT_CHECK_FAILED', 'failed', `the repository ${where} did not open: ${error.message}`, [...error.hints]);
      return new ToolError('E_KIT_CHECK_FAILED', `kit check: the repository ${where} did not open: ${error.message}`, {
        program: 'restic', exitStatus: error instanceof ToolError ? error.exitStatus : null,
        hints: [...error.hints, NOTHING_WRITTEN, NO_CHECK], details: { failed: 'failed', cause: error.code },
      });
  }
}
