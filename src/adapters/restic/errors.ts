/**
 * What a finished restic run means: its exit status and stderr mapped to one typed outcome. Pure.
 *
 * Exit codes (restic doc/075_scripting.rst, cmd/restic/main.go): 0 ok; 1 failed; 2 Go runtime error; 3 backup
 * could not read some source data (the snapshot exists but is incomplete); 10 repository does not exist (0.17.0);
 * 11 failed to lock (0.17.0); 12 wrong password (0.17.1); 130 interrupted. "If an unknown exit code is returned,
 * then it MUST be treated as a command failure", so anything else is a ToolError.
 *
 * Older restic (Debian's 0.14) says all of 10/11/12 with exit 1, so the same errors are recognised from the
 * text restic prints ("wrong password or no key found", "Is there a repository at the following location?",
 * "repository is already locked"). Order matters: 0.14 prints "unable to open config file … connection refused
 * … Is there a repository" when the server is down, which is a transient fault, not a missing repository.
 *
 * Messages never hold a secret: stderr is passed through `redactText` (src/core/redact.ts) before it is kept.
 */
import { ExitCode, ToolError, UserError, type DrkitError } from '../../errors.js';
import type { ResticFeatures, ResticVersion } from './version.js';

export type ResticErrorCode =
  | 'E_RESTIC_WRONG_PASSWORD'
  | 'E_RESTIC_REPO_MISSING'
  | 'E_RESTIC_REPO_EXISTS'
  | 'E_RESTIC_LOCKED'
  | 'E_RESTIC_UNREACHABLE'
  | 'E_RESTIC_TLS'
  | 'E_RESTIC_BACKEND_AUTH'
  | 'E_RESTIC_NO_SNAPSHOT'
  | 'E_RESTIC_SOURCES_MISSING'
  | 'E_RESTIC_PASSWORD_SOURCE'
  | 'E_RESTIC_INTERRUPTED'
  | 'E_RESTIC_CRASHED'
  | 'E_RESTIC_UNKNOWN_EXIT'
  | 'E_RESTIC_OUTPUT'
  | 'E_RESTIC_FAILED'
  | 'E_RESTIC_DAMAGED';

export type ResticRunOutcome =
  | { kind: 'ok' }
  /** exit 3 from backup: a snapshot was saved, but without some files; `unreadable` names them when known */
  | { kind: 'partial' }
  | { kind: 'error'; error: DrkitError; /** worth trying again later: the fault is in the network or a lock */ transient: boolean };

export interface FinishedRun {
  /** which restic command ran ("backup", "cat config", …), named in messages */
  command: string;
  /** the repository as the user may see it (already redacted) */
  repository: string;
  exitStatus: number | null;
  signal: string | null;
  /** stderr's tail, already redacted */
  stderrTail: string;
  /** the `exit_error` message restic ≥ 0.17 prints with --json, when seen */
  exitErrorMessage?: string;
  /** the run was stopped by drkit because the backend kept failing (see ./index.ts, backendGiveUpMs) */
  gaveUpOnBackend?: boolean;
  /**
   * the run was stopped by drkit at restic's first retry of a fault that waiting cannot cure (an untrusted TLS
   * certificate, refused credentials: see PERMANENT_BACKEND_FAULT); it is classified by its text as a failed run
   */
  stoppedOnPermanentFault?: boolean;
  /**
   * the caller aborted the run (SIGINT/SIGTERM in the CLI). restic ≥ 0.17 catches the SIGINT drkit sends, cleans
   * up and exits 1 with "context canceled", which is an interruption, not a failure
   */
  abortedByCaller?: boolean;
}

const WRONG_PASSWORD = /wrong password|no key found/i;
/** a network fault between restic and its backend (also used by ./index.ts to read restic's retry notes) */
export const UNREACHABLE = /connection refused|connection reset|no route to host|network is unreachable|i\/o timeout|\btimed out\b|deadline exceeded|timeout awaiting|client\.timeout|tls handshake timeout|no such host|server misbehaving|temporary failure in name resolution|broken pipe|unexpected eof|status code 50[0234]|\b50[0234] (internal server error|bad gateway|service unavailable|gateway timeout)/i;
const LOCKED = /repository is already locked|unable to create lock|failed to lock|lock .* held by/i;
const REPO_MISSING = /is there a repository at the following location|repository does not exist|unable to open config file|config: no such file/i;
const REPO_EXISTS = /config file already exists|repository master key and config already initialized|already initialized/i;
const TLS = /x509:|certificate signed by unknown authority|certificate is not valid|tls: /i;
const BACKEND_AUTH = /access denied|invalidaccesskeyid|signaturedoesnotmatch|403 forbidden|401 unauthorized|status code 40[13]/i;
/**
 * Backend faults restic ≥ 0.16 retries like a network fault (its retry backend retries every error of Stat/Load
 * for up to 15 minutes; 0.14 gave up on these at once) although no retry can cure them: the certificate stays
 * untrusted and the key stays refused. ./index.ts stops restic at the first such retry line.
 */
export const PERMANENT_BACKEND_FAULT = new RegExp(`${TLS.source}|${BACKEND_AUTH.source}`, 'i');
const NO_SNAPSHOT = /no matching id found|no snapshot found|snapshot .* not found|invalid id/i;
const SOURCES_MISSING = /all (target|source) directories\/files do not exist/i;
const PASSWORD_SOURCE = /password-command|password command|resolving password failed|reading password|password file|empty password|please specify repository location|--password-file/i;

/**
 * restic's words for data the index names but the repository lacks (prune: "packs from index missing in repo",
 * "needed pack files which are missing"; check: "pack …: does not exist", "failed to download", "repository
 * contains errors"). Seen on 0.14 and 0.18.
 */
export const DAMAGE = /packs from index missing|needed pack files which are missing|pack [0-9a-f]+: does not exist|failed to download|repository contains errors|repository is damaged|blob [0-9a-f]+ not found|tree [0-9a-f]+ not found|could not load index/i;

/**
 * The one verdict for a repository that is missing data, whichever command found it (a prune during retention,
 * a scheduled check): a ToolError E_RESTIC_DAMAGED with exit code checkFailed, naming the damage and restic's
 * repair commands for this version (`repair index`/`repair snapshots` since 0.16; 0.14 has `rebuild-index`).
 */
export function repositoryDamaged(command: string, repository: string, findings: readonly string[], version: Pick<ResticVersion, 'major' | 'minor'>,
  run: { exitStatus: number | null; stderrTail: string } = { exitStatus: 1, stderrTail: '' }): ToolError {
  const named = findings.map((finding) => finding.trim().replace(/\s+/g, ' ')).filter((finding) => finding !== '' && !/^fatal:/i.test(finding));
  // restic names the missing packs on the lines after "… missing from the repository:"
  const first = named[0]?.endsWith(':') && named[1] !== undefined ? `${named[0]} ${named[1]}` : named[0];
  const hasRepair = version.major > 0 || version.minor >= 16;
  const said = `restic ${version.major}.${version.minor}`;
  return new ToolError('E_RESTIC_DAMAGED',
    `restic ${command}: the repository ${repository} is damaged: data its index names is missing${first === undefined ? '' : ` (${first.slice(0, 200)})`}; snapshots that use it cannot be restored in full`, {
      program: 'restic', exitStatus: run.exitStatus, stderrTail: run.stderrTail, exitCode: ExitCode.checkFailed,
      details: { resticCommand: command, findings: findings.slice(0, 20) },
      hints: [
        'run `restic check` with the repository and password of the secrets file to see every problem (add --read-data to read all the data)',
        hasRepair
          ? `then \`restic repair index\` and \`restic repair snapshots --forget\` (${said}); the next backup stores the files that are still on this computer again`
          : `then \`restic rebuild-index\`; ${said} cannot repair snapshots: \`restic repair snapshots --forget\` needs restic 0.16 or newer`,
        'keep the onsite copy safe until a check passes again, and see https://restic.readthedocs.io/en/stable/077_troubleshooting.html',
      ],
    });
}

/** The last meaningful line restic printed, for messages ("Fatal: " and Go stack frames dropped). */
export function lastResticMessage(stderrTail: string): string {
  const lines = stderrTail.split('\n').map((line) => line.trim())
    .filter((line) => line !== '' && !/^(\S+\.go:\d+|github\.com\/|golang\.org\/|runtime\/|runtime\.|main\.)/.test(line) && !line.startsWith('{'));
  const fatal = lines.find((line) => /^fatal:/i.test(line));
  const chosen = fatal ?? lines[lines.length - 1] ?? '';
  return chosen.replace(/^fatal:\s*/i, '').slice(0, 400);
}

function reasonOf(text: string, pattern: RegExp): string {
  const match = pattern.exec(text);
  return match ? match[0].toLowerCase() : 'unknown reason';
}

/** Maps a finished run to its outcome. `features` decides whether 10/11/12 can be trusted as exit codes. */
export function classifyResticRun(run: FinishedRun, features: ResticFeatures): ResticRunOutcome {
  const { command, repository } = run;
  // stopped by drkit on a permanent fault: judged as the failure restic would have reported, not as interrupted
  const exitStatus = run.stoppedOnPermanentFault ? 1 : run.exitStatus;
  if (exitStatus === 0) return { kind: 'ok' };
  const text = [run.exitErrorMessage ?? '', run.stderrTail].join('\n');
  const said = lastResticMessage(run.exitErrorMessage ?? run.stderrTail);
  const tool = (code: ResticErrorCode, message: string, extra: { hints?: string[]; transient?: boolean; exitCode?: typeof ExitCode[keyof typeof ExitCode] } = {}) =>
    new ToolError(code, message, {
      program: 'restic', exitStatus, signal: run.signal, stderrTail: run.stderrTail,
      hints: extra.hints ?? [], details: { resticCommand: command, resticExitStatus: exitStatus, transient: extra.transient ?? false },
      ...(extra.exitCode === undefined ? {} : { exitCode: extra.exitCode }),
    });
  const user = (code: ResticErrorCode, message: string, hints: string[]) =>
    new UserError(code, message, { hints, details: { resticCommand: command, resticExitStatus: exitStatus, program: 'restic' } });

  if (run.gaveUpOnBackend) {
    return {
      kind: 'error', transient: true,
      error: tool('E_RESTIC_UNREACHABLE', `restic ${command}: the repository ${repository} stayed unreachable (${reasonOf(text, UNREACHABLE)}), so drkit stopped restic`, {
        transient: true, hints: ['check that the server or bucket is online and the network works, then run the backup again'],
      }),
    };
  }
  if (exitStatus === 3 && command === 'backup') return { kind: 'partial' };
  if (exitStatus === 130 || (exitStatus === null && run.signal !== null) || (run.abortedByCaller === true && exitStatus !== 3)) {
    return { kind: 'error', transient: false, error: tool('E_RESTIC_INTERRUPTED', `restic ${command} was interrupted${run.signal ? ` (${run.signal})` : ''}`, { exitCode: ExitCode.interrupted }) };
  }
  const wrongPassword = (features.exitCodeWrongPassword && exitStatus === 12) || (exitStatus === 1 && WRONG_PASSWORD.test(text)) || (exitStatus === 12 && WRONG_PASSWORD.test(text));
  if (wrongPassword) {
    return {
      kind: 'error', transient: false,
      error: user('E_RESTIC_WRONG_PASSWORD', `restic ${command}: wrong password for the repository ${repository} (no key in the repository opens with it)`, [
        'check RESTIC_PASSWORD in the secrets file, or the output of passwordCommand, against the password the repository was created with',
        'if the repository is right but the password is lost, the data cannot be decrypted: create a new repository and a new kit',
      ]),
    };
  }
  if ((features.exitCodesRepositoryAndLock && exitStatus === 11) || (exitStatus !== 10 && LOCKED.test(text) && !UNREACHABLE.test(text))) {
    return {
      kind: 'error', transient: true,
      error: tool('E_RESTIC_LOCKED', `restic ${command}: the repository ${repository} is locked by another restic process`, {
        transient: true, exitCode: ExitCode.locked,
        hints: ['wait for the other backup, prune or check to finish; a lock left by a crashed run is removed by `restic unlock`'],
      }),
    };
  }
  if (exitStatus !== 10 && UNREACHABLE.test(text)) {
    return {
      kind: 'error', transient: true,
      error: tool('E_RESTIC_UNREACHABLE', `restic ${command}: cannot reach the repository ${repository} (${reasonOf(text, UNREACHABLE)})`, {
        transient: true, hints: ['check that the server or bucket is online and that this computer can reach it, then try again'],
      }),
    };
  }
  if (TLS.test(text)) {
    return {
      kind: 'error', transient: false,
      error: user('E_RESTIC_TLS', `restic ${command}: the TLS certificate of ${repository} is not trusted: ${said}`, [
        'for a server with its own certificate authority, set the CA file (restic --cacert)',
      ]),
    };
  }
  if (BACKEND_AUTH.test(text)) {
    return {
      kind: 'error', transient: false,
      error: user('E_RESTIC_BACKEND_AUTH', `restic ${command}: the storage refused the credentials for ${repository}: ${said}`, [
        'check the backend variables in the secrets file (e.g. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the key\'s bucket permissions',
      ]),
    };
  }
  if (command === 'init' && REPO_EXISTS.test(text)) {
    return {
      kind: 'error', transient: false,
      error: user('E_RESTIC_REPO_EXISTS', `restic init: a repository already exists at ${repository}`, ['open it instead of creating it (it needs its existing password)']),
    };
  }
  if ((features.exitCodesRepositoryAndLock && exitStatus === 10) || (exitStatus === 1 && REPO_MISSING.test(text))) {
    return {
      kind: 'error', transient: false,
      error: user('E_RESTIC_REPO_MISSING', `restic ${command}: there is no restic repository at ${repository}`, [
        'check offsite.repository in the config (spelling, bucket, path)',
        'a new repository is created by `drkit init`',
      ]),
    };
  }
  if (exitStatus === 1 && command === 'backup' && SOURCES_MISSING.test(text)) {
    return {
      kind: 'error', transient: false,
      error: user('E_RESTIC_SOURCES_MISSING', 'restic backup: none of the source folders exists, so nothing was backed up', [
        'check `sources` in the config; a source on a disk that is not mounted looks like this too',
      ]),
    };
  }
  if (exitStatus === 1 && NO_SNAPSHOT.test(text)) {
    return { kind: 'error', transient: false, error: user('E_RESTIC_NO_SNAPSHOT', `restic ${command}: no such snapshot in ${repository}: ${said}`, ['list the snapshots with `restic snapshots`']) };
  }
  if (exitStatus === 1 && PASSWORD_SOURCE.test(text)) {
    return { kind: 'error', transient: false, error: user('E_RESTIC_PASSWORD_SOURCE', `restic ${command}: could not read the repository password: ${said}`, ['check passwordCommand in the config, or RESTIC_PASSWORD in the secrets file']) };
  }
  if (exitStatus === 1) {
    return { kind: 'error', transient: false, error: tool('E_RESTIC_FAILED', `restic ${command} failed on ${repository}: ${said || 'no message'}`) };
  }
  if (exitStatus === 2) {
    return { kind: 'error', transient: false, error: tool('E_RESTIC_CRASHED', `restic ${command} crashed (Go runtime error): ${said || 'no message'}`, { hints: ['this is a restic bug or a broken installation: try another restic version'] }) };
  }
  return {
    kind: 'error', transient: false,
    error: tool('E_RESTIC_UNKNOWN_EXIT', `restic ${command} exited with code ${String(exitStatus)}, which drkit does not know: treated as a failure${said ? `: ${said}` : ''}`),
  };
}
