/**
 * The restic adapter: runs the real `restic` binary for one repository and returns typed results.
 *
 * Rules:
 * - the password reaches restic only through RESTIC_PASSWORD_FILE (a caller's file) or RESTIC_PASSWORD_COMMAND:
 *   a password drkit holds goes down a pipe on restic's fd 3, read by the command `sh -c 'exec cat <&3'`, so no
 *   file ever holds it and a SIGKILL leaves nothing behind (restic 0.14 and 0.18 read it once, at start, for every
 *   command; RESTIC_PASSWORD_FILE=/dev/fd/3 cannot be used: Node's pipes are sockets, which /dev/fd cannot open);
 *   never argv, never RESTIC_PASSWORD;
 *   the repository URL travels in RESTIC_REPOSITORY (it may hold credentials); backend secrets in env only;
 * - stdout of backup and restore is read line by line and never kept, so memory stays flat however big the data;
 * - every failure is a DrkitError (./errors.ts maps exit codes and stderr); messages and stderr tails are redacted;
 * - transient faults (backend unreachable, lock held) are retried with backoff; wrong password, missing
 *   repository and the like never are. The sleep and the clock are parameters so tests do not wait;
 * - restic retries a failing backend itself (0.14: ~1.5 min, ≥ 0.16: up to 15 min). drkit stops it earlier when
 *   its stderr shows nothing but retries for `backendGiveUpMs`, so a dead server gives a clear error in minutes.
 */
import { runProgram, type RunResult } from '../exec.js';
import { InternalError, ToolError, UserError, type DrkitError } from '../../errors.js';
import {
  buildResticArgs, clearedSelectingVariables, resticEnvironment, type BackupArgs, type CheckArgs, type ForgetArgs, type ResticGlobalOptions,
  type ResticOperation, type RestoreArgs, type SnapshotFilter, type StatsArgs,
} from './args.js';
import { DAMAGE, PERMANENT_BACKEND_FAULT, UNREACHABLE, classifyResticRun, lastResticMessage, repositoryDamaged, type ResticRunOutcome } from './errors.js';
import { redactRepository, redactText, repositorySecrets } from '../../core/redact.js';
import {
  parseBackupLine, parseCheckLine, parseForgetOutput, parseInitOutput, parseLsFileLine, parseRepositoryConfig, parseRestoreLine,
  parseSnapshots, parseStats, parseStderrLine, type BackupStatus, type BackupSummary, type ForgetGroup, type ItemError,
  type RepositoryStats, type RestoreStatus, type Snapshot,
} from './json.js';
import { assertSupportedVersion, parseResticVersion, resticFeatures, type ResticFeatures, type ResticVersion } from './version.js';
import { listPlainSnapshots, readPlainConfig } from './plain.js';
import { cachedVersionText } from './version-cache.js';

export type { BackupArgs, CheckArgs, ForgetArgs, KeepPolicy, RestoreArgs, SnapshotFilter, StatsArgs, StatsMode, ResticGlobalOptions } from './args.js';
export type { BackupStatus, BackupSummary, ForgetGroup, ItemError, RepositoryStats, RestoreStatus, Snapshot } from './json.js';
export type { ResticVersion, ResticFeatures } from './version.js';
export { parseResticVersion, resticFeatures } from './version.js';
export { repositoryDamaged } from './errors.js';

/** Where the repository password comes from. `value` goes to restic through a pipe (see the module's rules). */
export type PasswordSource = { file: string } | { command: string } | { value: string };

/** One repository and how to open it. */
export interface ResticRepository extends ResticGlobalOptions {
  /** any restic repository: a local path, `rest:…`, `s3:…`, `b2:…`, `sftp:…`, `rclone:…` */
  repository: string;
  password: PasswordSource;
  /** the backend's variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, B2_ACCOUNT_ID, …) */
  env?: Readonly<Record<string, string>>;
}

export interface RetryPolicy {
  /** runs in all, the first included (1 = no retry) */
  attempts: number;
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = { attempts: 4, initialDelayMs: 5_000, factor: 3, maxDelayMs: 60_000 };

export interface ResticRunnerOptions {
  /** the restic binary; default "restic" on PATH */
  binary?: string;
  retry?: RetryPolicy;
  /** waits between retries; tests pass one that returns at once */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** milliseconds since the epoch; tests may pass a fake clock */
  now?: () => number;
  /** stop restic when its stderr has shown only backend retries for this long (default 5 min) */
  backendGiveUpMs?: number;
  signal?: AbortSignal;
  /** called with each retry decision, e.g. to tell the user "retrying in 15 s" */
  onRetry?: (info: { attempt: number; delayMs: number; error: DrkitError }) => void;
  /**
   * run restic with only these variables (and the repository's own), not drkit's environment: the kit check
   * proves a bundle opens the repository with nothing else (no RESTIC_* or AWS_* of the owner's shell)
   */
  isolatedEnv?: Readonly<Record<string, string>>;
  /**
   * the niceness restic runs with (through nice(1); 19 is the lowest priority): a measurement beside a restore
   * (src/commands/recover-restore.ts) takes only the CPU the restore leaves, not half of it
   */
  niceness?: number;
}

/** The delay before retry number `retry` (1-based): initial × factor^(retry−1), capped. Pure. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, Math.round(policy.initialDelayMs * policy.factor ** Math.max(0, retry - 1)));
}

/** Secret values that must never appear in a message: the password and the backend's secret-looking variables. */
export function secretValuesOf(repository: Pick<ResticRepository, 'password' | 'env'> & { repository?: string }): string[] {
  const secrets: string[] = [];
  if ('value' in repository.password) secrets.push(repository.password.value);
  // a password inside the URL, also as restic may echo it (percent-decoded)
  if (repository.repository !== undefined) secrets.push(...repositorySecrets(repository.repository));
  for (const [key, value] of Object.entries(repository.env ?? {})) {
    if (/SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL|AUTH|ACCOUNT/i.test(key)) secrets.push(value);
  }
  return secrets;
}

const defaultSleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/** restic's own "retrying" notes on stderr (0.14: "Save(<data/…>) returned error, retrying after 552ms: …") */
const BACKEND_RETRY_LINE = /returned error, retrying after|retrying after \d/i;
/** newer restic notes a recovery ("operation successful after 2 retries") */
const BACKEND_RECOVERED_LINE = /successful after \d+ retr/i;

/** versions already detected in this process, by binary: one `restic version` per process is enough */
const detectedVersions = new Map<string, Promise<ResticVersion>>();

/** Runs `restic version` (once per binary and process) and reads it. Throws a UserError when restic is missing or too old. */
export function detectResticVersion(binary = 'restic'): Promise<ResticVersion> {
  let detection = detectedVersions.get(binary);
  if (detection === undefined) {
    detection = runResticVersion(binary);
    detectedVersions.set(binary, detection);
    // a failure is not remembered: the owner may install restic and try again in the same process
    detection.catch(() => detectedVersions.delete(binary));
  }
  return detection;
}

async function runResticVersion(binary: string): Promise<ResticVersion> {
  // once per binary (path, size, modification time), not once per run: ./version-cache.ts
  const text = await cachedVersionText(binary, async () => {
    const result = await runProgram(binary, ['version'], { debianPackage: 'restic', env: clearedSelectingVariables(process.env) });
    if (result.exitStatus !== 0 || parseResticVersion(result.stdout) === null) {
      throw new ToolError('E_RESTIC_VERSION', `${binary} version did not print a restic version: ${lastResticMessage(result.stdout + '\n' + result.stderrTail) || 'no output'}`, {
        program: binary, exitStatus: result.exitStatus, signal: result.signal, stderrTail: result.stderrTail,
        hints: ['check that `restic version` works in a terminal'],
      });
    }
    return result.stdout;
  }, (text) => parseResticVersion(text) !== null);
  const version = parseResticVersion(text);
  if (version === null) throw new InternalError(`restic version text without a version: ${text.slice(0, 80)}`);
  assertSupportedVersion(version);
  return version;
}

interface RunRequest {
  operation: ResticOperation;
  /** called with restic's pid once it runs */
  onSpawn?: (pid: number) => void;
  /** the name used in messages ("backup", "cat config") */
  name: string;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** keep stdout (for single-document commands); off for backup and restore */
  collectStdout: boolean;
  /** extra outcome mapping before the generic one, e.g. check's "repository contains errors" */
  interpret?: (result: RunResult, outcome: ResticRunOutcome) => ResticRunOutcome;
}

export interface BackupResult {
  /** 'partial': restic exited 3; the snapshot exists but lacks the files in `unreadable` */
  status: 'complete' | 'partial';
  snapshotId: string;
  summary: BackupSummary;
  /** files restic could not read (at most 100 kept) and how many there were */
  unreadable: ItemError[];
  unreadableCount: number;
}

export interface RestoreResult {
  /** restic's short id of the snapshot it restored, when it says (0.14 does, ≥ 0.16 with --json does not) */
  snapshotShortId: string | null;
  /** null on restic < 0.16, which prints no JSON summary for restore */
  filesRestored: number | null;
  bytesRestored: number | null;
  errors: ItemError[];
}

export interface CheckResult {
  ok: boolean;
  /** what restic reported as wrong, in its words */
  problems: string[];
}

export interface ForgetResult {
  groups: ForgetGroup[];
  kept: number;
  removed: number;
  pruned: boolean;
}

const MAX_KEPT_ITEM_ERRORS = 100;
/** restic runs this (split like a shell line, no shell of its own) and reads the password from its output */
const PASSWORD_FROM_FD3 = "sh -c 'exec cat <&3'";
/** text lines of `restic check` (0.14 prints no JSON for it) that name a problem */
const CHECK_PROBLEM_LINE = /error|damaged|not found|missing|invalid|does not match|does not exist|failed to download|unreferenced/i;
/** lines that mention errors but are not findings: the all-clear, and restic's own retry notes */
const NO_ERRORS_LINE = /no errors were found|returned error, retrying after/i;

/** A restic binary bound to one repository. Create it with `openResticRepository`. */
export class Restic {
  readonly version: ResticVersion;
  readonly features: ResticFeatures;
  /** the repository as it may be shown (a password in the URL replaced by …: src/core/redact.ts) */
  readonly displayName: string;
  private readonly secrets: string[];

  constructor(private readonly repository: ResticRepository, version: ResticVersion, private readonly options: ResticRunnerOptions = {}) {
    this.version = version;
    this.features = resticFeatures(version);
    this.secrets = secretValuesOf(repository);
    this.displayName = redactText(redactRepository(repository.repository), this.secrets);
  }

  /** Creates the repository. Returns its id (64 hex digits). Throws E_RESTIC_REPO_EXISTS when one is there. */
  async init(): Promise<{ repositoryId: string }> {
    const result = await this.run({ operation: { command: 'init' }, name: 'init', collectStdout: true });
    const created = parseInitOutput(result.stdout);
    // init prints a short id on 0.14; cat config gives the full one on every version
    const repositoryId = await this.repositoryId();
    if (created?.id !== undefined && !repositoryId.startsWith(created.id)) {
      throw new InternalError(`restic init reported repository ${created.id} but cat config says ${repositoryId}`);
    }
    return { repositoryId };
  }

  /** The repository id from `restic cat config` (also the way to test that the repository opens). */
  async repositoryId(): Promise<string> {
    const result = await this.run({ operation: { command: 'cat-config' }, name: 'cat config', collectStdout: true });
    const config = parseRepositoryConfig(result.stdout);
    if (config === null) throw this.outputError('cat config', 'no repository id in its output');
    return config.id;
  }

  /** The repository's encrypted `config` file, read without restic (local and `rest:` only; else null). See ./plain.ts. */
  plainConfig(): Promise<Buffer | null> {
    return readPlainConfig(this.repository.repository, this.repository.cacert === undefined ? {} : { cacert: this.repository.cacert });
  }

  /**
   * The full id of the snapshot whose id starts with `shortId` (restic 0.14 prints 8 hex digits), from the
   * snapshot file names read without restic; null when the backend cannot be listed plainly or the prefix is not
   * unique. A full id is returned as it is.
   */
  async plainFullSnapshotId(shortId: string): Promise<string | null> {
    if (/^[0-9a-f]{64}$/.test(shortId)) return shortId;
    const matches = ((await this.plainSnapshotIds()) ?? []).filter((name) => name.startsWith(shortId));
    return matches.length === 1 && matches[0] !== undefined ? matches[0] : null;
  }

  /** The ids of all snapshots, from the file names read without restic; null when the backend cannot be listed plainly. */
  plainSnapshotIds(): Promise<string[] | null> {
    return listPlainSnapshots(this.repository.repository, this.repository.cacert === undefined ? {} : { cacert: this.repository.cacert });
  }

  /** Backs up `args.paths`. Progress goes to `onStatus`; unreadable files make a 'partial' result (exit 3). */
  async backup(args: BackupArgs, onStatus?: (status: BackupStatus) => void): Promise<BackupResult> {
    let summary: BackupSummary | undefined;
    let unreadable: ItemError[] = [];
    let unreadableCount = 0;
    const onItemError = (message: ItemError) => {
      unreadableCount += 1;
      if (unreadable.length < MAX_KEPT_ITEM_ERRORS) unreadable.push({ ...message, message: redactText(message.message, this.secrets) });
    };
    const result = await this.run({
      operation: { command: 'backup', args }, name: 'backup', collectStdout: false,
      onStdoutLine: (line) => {
        const message = parseBackupLine(line);
        if (message.type === 'status') onStatus?.(message);
        else if (message.type === 'summary') summary = message;
        else if (message.type === 'error') onItemError(message);
      },
      onStderrLine: (line) => {
        const message = parseStderrLine(line);
        if (message.type === 'error') onItemError(message);
        // 0.14 prints a missing source as text and still exits 0; it is as much a gap as an unreadable file
        else if (message.type === 'text' && /does not exist, skipping$/.test(message.text)) {
          onItemError({ type: 'error', message: redactText(message.text, this.secrets), during: 'scan' });
        }
      },
    }, () => {
      // a retried backup starts over: forget what the failed attempt saw
      summary = undefined; unreadable = []; unreadableCount = 0;
    });
    if (summary?.snapshotId === undefined) {
      throw this.outputError('backup', 'no snapshot id in its summary');
    }
    const partial = result.exitStatus === 3 || unreadableCount > 0;
    return { status: partial ? 'partial' : 'complete', snapshotId: summary.snapshotId, summary, unreadable, unreadableCount };
  }

  /** The snapshots that match `filter`, oldest first (restic's order). */
  async snapshots(filter: SnapshotFilter = {}): Promise<Snapshot[]> {
    const result = await this.run({ operation: { command: 'snapshots', args: filter }, name: 'snapshots', collectStdout: true });
    const snapshots = parseSnapshots(result.stdout);
    if (snapshots === null) throw this.outputError('snapshots', 'its output is not a JSON array');
    return snapshots;
  }

  /**
   * Applies the keep policy. With `prune: true` it is `restic forget --prune`, one process and one repository
   * open: restic prunes only when it removed a snapshot, and prints prune's text after forget's JSON line. A
   * failing prune fails the whole run (its stderr says what prune found), as a separate prune would.
   */
  async forget(args: ForgetArgs): Promise<ForgetResult> {
    const name = args.prune ? 'forget --prune' : 'forget';
    // the prune half meets a lost pack as `prune` does: the same damage verdict, never a plain retention failure
    const findings: string[] = [];
    const result = await this.run({
      operation: { command: 'forget', args }, name, collectStdout: true,
      ...(args.prune ? {
        onStderrLine: (line: string) => { if (findings.length < 20 && /missing|does not exist|not found|^\s*[0-9a-f]{64}\s*$/i.test(line)) findings.push(redactText(line, this.secrets)); },
        interpret: (run: RunResult, outcome: ResticRunOutcome): ResticRunOutcome => (outcome.kind === 'error' && DAMAGE.test(run.stderrTail)
          ? { kind: 'error', transient: false, error: repositoryDamaged('prune', this.displayName, findings, this.version, run) }
          : outcome),
      } : {}),
    }, () => { findings.length = 0; });
    const groups = parseForgetOutput(result.stdout);
    if (groups === null) throw this.outputError(name, 'its output is not a JSON array');
    const kept = groups.reduce((sum, group) => sum + group.keep.length, 0);
    const removed = groups.reduce((sum, group) => sum + group.remove.length, 0);
    return { groups, kept, removed, pruned: Boolean(args.prune) && removed > 0 && !args.dryRun };
  }

  /**
   * Removes data no snapshot references. A prune that finds data missing (a lost pack) fails with the one damage
   * verdict, E_RESTIC_DAMAGED (./errors.ts repositoryDamaged), never a plain failure a caller could shrug off.
   */
  async prune(): Promise<void> {
    const findings: string[] = [];
    await this.run({
      operation: { command: 'prune' }, name: 'prune', collectStdout: false, onStdoutLine: () => undefined,
      onStderrLine: (line) => { if (findings.length < 20 && /missing|does not exist|not found|^\s*[0-9a-f]{64}\s*$/i.test(line)) findings.push(redactText(line, this.secrets)); },
      interpret: (result, outcome) => (outcome.kind === 'error' && DAMAGE.test(result.stderrTail)
        ? { kind: 'error', transient: false, error: repositoryDamaged('prune', this.displayName, findings, this.version, result) }
        : outcome),
    }, () => { findings.length = 0; });
  }

  /** Checks the repository; `readDataSubset` (e.g. "10%", "1/5") also reads and verifies that share of the data. */
  async check(args: CheckArgs = {}): Promise<CheckResult> {
    const problems: string[] = [];
    const noteProblem = (text: string) => {
      if (problems.length < MAX_KEPT_ITEM_ERRORS) problems.push(redactText(text, this.secrets));
    };
    let summaryErrors = 0;
    await this.run({
      operation: { command: 'check', args }, name: 'check', collectStdout: false,
      onStdoutLine: (line) => {
        const message = parseCheckLine(line);
        if (message.type === 'check_summary') summaryErrors = message.numErrors ?? 0;
        else if (message.type === 'error') noteProblem(message.message);
        else if (message.type === 'text' && CHECK_PROBLEM_LINE.test(message.text) && !NO_ERRORS_LINE.test(message.text)) noteProblem(message.text.trim());
      },
      onStderrLine: (line) => {
        const message = parseStderrLine(line);
        if (message.type === 'error') noteProblem(message.message);
        else if (message.type === 'text' && CHECK_PROBLEM_LINE.test(message.text) && !NO_ERRORS_LINE.test(message.text) && !/^Fatal: repository contains errors/i.test(message.text)) noteProblem(message.text.trim());
      },
      // "repository contains errors" (exit 1) is a verdict on the data, not a failure to run: report it
      interpret: (result, outcome) => (outcome.kind === 'error' && result.exitStatus === 1 && outcome.error.code !== 'E_RESTIC_WRONG_PASSWORD'
        && /repository contains errors|check failed/i.test(result.stderrTail) ? { kind: 'ok' } : outcome),
    }, () => { problems.length = 0; summaryErrors = 0; });
    const ok = problems.length === 0 && summaryErrors === 0;
    if (!ok && problems.length === 0) problems.push(`restic check counted ${summaryErrors} errors`);
    return { ok, problems };
  }

  /**
   * Restores a snapshot into `args.target`. Progress (restic ≥ 0.16 only) goes to `onStatus`; `onSpawn` gets
   * restic's pid, so a caller can measure what 0.14 does not report (the bytes it has written).
   */
  async restore(args: RestoreArgs, onStatus?: (status: RestoreStatus) => void, hooks: { onSpawn?: (pid: number) => void } = {}): Promise<RestoreResult> {
    let snapshotShortId: string | null = null;
    let filesRestored: number | null = null;
    let bytesRestored: number | null = null;
    const errors: ItemError[] = [];
    await this.run({
      operation: { command: 'restore', args }, name: 'restore', collectStdout: false,
      ...(hooks.onSpawn === undefined ? {} : { onSpawn: hooks.onSpawn }),
      onStdoutLine: (line) => {
        const message = parseRestoreLine(line);
        if (message.type === 'restore_start') snapshotShortId = message.snapshotShortId;
        else if (message.type === 'restore_status') onStatus?.(message);
        else if (message.type === 'restore_summary') {
          filesRestored = message.filesRestored ?? 0;
          bytesRestored = message.bytesRestored ?? 0;
        } else if (message.type === 'error' && errors.length < MAX_KEPT_ITEM_ERRORS) errors.push({ ...message, message: redactText(message.message, this.secrets) });
      },
      onStderrLine: (line) => {
        const message = parseStderrLine(line);
        if (message.type === 'error' && errors.length < MAX_KEPT_ITEM_ERRORS) errors.push({ ...message, message: redactText(message.message, this.secrets) });
      },
    }, () => { snapshotShortId = null; filesRestored = null; bytesRestored = null; errors.length = 0; });
    return { snapshotShortId, filesRestored, bytesRestored, errors };
  }

  /**
   * `restic stats`; mode 'restore-size' (default) is what a restore writes, 'raw-data' what the repository holds.
   * A filter that matches no snapshot is not an error to restic: `snapshotsCount` is then 0.
   */
  async stats(options: StatsArgs = {}): Promise<RepositoryStats> {
    const result = await this.run({ operation: { command: 'stats', args: options }, name: 'stats', collectStdout: true });
    const stats = parseStats(result.stdout);
    if (stats === null) throw this.outputError('stats', 'no total_size in its output');
    return stats;
  }

  /** Every file of a snapshot, one call each, streamed (restic ls): nothing is kept here, so memory stays flat. */
  async listFiles(snapshot: string, onFile: (file: { path: string; size: number }) => void): Promise<void> {
    await this.run({
      operation: { command: 'ls', args: { snapshot } }, name: 'ls', collectStdout: false,
      onStdoutLine: (line) => {
        const file = parseLsFileLine(line);
        if (file !== null) onFile(file);
      },
    });
  }

  /** Removes stale locks only (a crashed run's); a live process's lock stays. */
  async unlockStale(): Promise<void> {
    await this.runOnce({ operation: { command: 'unlock' }, name: 'unlock', collectStdout: true });
  }

  private outputError(command: string, what: string): ToolError {
    return new ToolError('E_RESTIC_OUTPUT', `restic ${command} on ${this.displayName} gave unexpected output: ${what}`, {
      program: 'restic', exitStatus: 0, hints: [`restic ${this.version.major}.${this.version.minor}.${this.version.patch} may print a format drkit does not read; please report it`],
    });
  }

  /** One run with retries for transient faults. `resetAttempt` clears what a failed attempt collected. */
  private async run(request: RunRequest, resetAttempt?: () => void): Promise<RunResult> {
    const policy = this.options.retry ?? DEFAULT_RETRY;
    const sleep = this.options.sleep ?? defaultSleep;
    let triedUnlock = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.runOnce(request);
      } catch (error) {
        // a lock left by a killed run (its restic gone) is stale, and `restic unlock` removes only such locks: try
        // that once at once, whatever the retry policy (retries: 0 must not leave every later run locked out)
        if (error instanceof ToolError && error.code === 'E_RESTIC_LOCKED' && !triedUnlock && !this.options.signal?.aborted) {
          triedUnlock = true;
          if (await this.unlockStale().then(() => true, () => false)) {
            resetAttempt?.();
            attempt -= 1;
            continue;
          }
        }
        const transient = error instanceof ToolError && error.details.transient === true;
        if (!transient || attempt >= policy.attempts || this.options.signal?.aborted) throw error;
        const delayMs = backoffDelay(policy, attempt);
        this.options.onRetry?.({ attempt, delayMs, error });
        await sleep(delayMs, this.options.signal);
        if (this.options.signal?.aborted) throw error;
        // a lock whose holder crashed while we waited is stale now: restic unlock removes only such locks
        if (error.code === 'E_RESTIC_LOCKED') await this.unlockStale().catch(() => undefined);
        resetAttempt?.();
      }
    }
  }

  private async runOnce(request: RunRequest): Promise<RunResult> {
    const args = buildResticArgs(request.operation, this.repository, this.features);
    const now = this.options.now ?? Date.now;
    const giveUpMs = this.options.backendGiveUpMs ?? 5 * 60_000;
    const stopper = new AbortController();
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, stopper.signal]) : stopper.signal;
    let retryingSince: number | null = null;
    let gaveUpOnBackend = false;
    let stoppedOnPermanentFault = false;
    let exitErrorMessage: string | undefined;
    let giveUpTimer: NodeJS.Timeout | undefined;
    const giveUp = (): void => {
      if (retryingSince === null || gaveUpOnBackend) return;
      gaveUpOnBackend = true;
      stopper.abort();
    };

    const { password, secretInput } = this.passwordHandOff();
    const env = resticEnvironment({ repository: this.repository.repository, password, backendEnv: this.withoutPasswordVariables(this.repository.env), inherited: process.env });
    // a pre-seal check (kit create) runs restic in a cleared environment: nothing of the owner's setup leaks in
    const isolated = this.options.isolatedEnv;
    const binary = this.options.binary ?? 'restic';
    // nice(1) execs restic with the niceness from its first instruction, so every thread Go starts has it (and the
    // pid stays restic's, for the stop signal)
    const [program, argv] = this.options.niceness === undefined ? [binary, args] : ['nice', ['-n', String(this.options.niceness), '--', binary, ...args]];
    const result = await runProgram(program, argv, {
      env: isolated === undefined ? env : { ...isolated, ...env }, cleanEnv: isolated !== undefined,
      // stopped with SIGINT, the one signal on which every restic (0.14 too) removes its lock before it exits: after a
      // SIGTERM restic 0.14 leaves the lock in the repository. It gets 10 s for that; a dead server would keep it
      // retrying for a minute
      signal, stopSignal: 'SIGINT', killGraceMs: 10_000, debianPackage: 'restic', collectStdout: request.collectStdout,
      ...(request.onSpawn ? { onSpawn: request.onSpawn } : {}),
      ...(secretInput === undefined ? {} : { secretInput }),
      ...(request.onStdoutLine ? { onStdoutLine: request.onStdoutLine } : {}),
      onStderrLine: (line) => {
        // only network faults count: 0.14 also retries a pack that is simply missing ("no such file"), which
        // is damage for `check` to report, not a server to give up on
        if (BACKEND_RETRY_LINE.test(line) && UNREACHABLE.test(line)) {
          if (retryingSince === null) {
            // restic >= 0.16 backs off for up to a minute between retries: a timer, not only the next line, ends the wait
            giveUpTimer ??= setTimeout(giveUp, giveUpMs);
          }
          retryingSince ??= now();
          if (now() - retryingSince >= giveUpMs && !gaveUpOnBackend) {
            gaveUpOnBackend = true;
            stopper.abort();
          }
        } else if (BACKEND_RETRY_LINE.test(line) && PERMANENT_BACKEND_FAULT.test(line) && !stoppedOnPermanentFault) {
          stoppedOnPermanentFault = true;
          stopper.abort();
        } else if (BACKEND_RECOVERED_LINE.test(line)) {
          retryingSince = null;
          clearTimeout(giveUpTimer);
          giveUpTimer = undefined;
        }
        const message = parseStderrLine(line);
        if (message.type === 'exit_error') exitErrorMessage = message.message;
        request.onStderrLine?.(line);
      },
    }).finally(() => clearTimeout(giveUpTimer));
    const redacted: RunResult = { ...result, stderrTail: redactText(result.stderrTail, this.secrets) };
    let outcome = classifyResticRun({
      command: request.name, repository: this.displayName, exitStatus: result.exitStatus, signal: result.signal,
      stderrTail: redacted.stderrTail, gaveUpOnBackend, stoppedOnPermanentFault, abortedByCaller: this.options.signal?.aborted === true,
      ...(exitErrorMessage === undefined ? {} : { exitErrorMessage: redactText(exitErrorMessage, this.secrets) }),
    }, this.features);
    if (request.interpret) outcome = request.interpret(redacted, outcome);
    if (outcome.kind === 'error') throw outcome.error;
    return redacted;
  }

  /** RESTIC_PASSWORD* in the backend env (e.g. from the secrets file) is moved out: the password goes down the fd-3 pipe. */
  private withoutPasswordVariables(env: Readonly<Record<string, string>> | undefined): Record<string, string> {
    const copy = { ...env };
    delete copy.RESTIC_PASSWORD;
    delete copy.RESTIC_PASSWORD_FILE;
    delete copy.RESTIC_PASSWORD_COMMAND;
    delete copy.RESTIC_REPOSITORY;
    return copy;
  }

  /** How restic gets the password: the caller's file or command as they are, a value down the fd-3 pipe. */
  private passwordHandOff(): { password: { file: string } | { command: string }; secretInput?: string } {
    const source = this.repository.password;
    if (!('value' in source)) return { password: source };
    return { password: { command: PASSWORD_FROM_FD3 }, secretInput: source.value };
  }

}

/**
 * Detects the restic version and binds it to a repository. Does not touch the repository: call
 * `repositoryId()` to test that it opens, or `init()` to create it.
 */
export async function openResticRepository(repository: ResticRepository, options: ResticRunnerOptions = {}): Promise<Restic> {
  if (repository.repository.trim() === '') throw new UserError('E_RESTIC_ARGUMENT', 'the repository is empty: set offsite.repository to a path or restic URL');
  if ('value' in repository.password && repository.password.value === '') {
    throw new UserError('E_RESTIC_PASSWORD_SOURCE', 'the repository password is empty: restic refuses empty passwords');
  }
  const version = await detectResticVersion(options.binary);
  return new Restic(repository, version, options);
}
