/**
 * The one way drkit runs an external program. Rules:
 * - arguments are an array, never a shell string;
 * - secrets never go in `args`: pass them through `secretInput` (a pipe on the program's fd 3, no file on disk) or
 *   env, which /proc shows only to us;
 * - every program started is tracked by the cleanup registry (./cleanup.ts), so an interrupt stops it;
 * - stdout can be consumed line by line (restic --json, rsync progress) without buffering all of it, so memory
 *   stays flat however large the backup is;
 * - a non-zero exit is not an exception here: the result says what happened and each adapter maps it to a
 *   typed outcome. Only "the program is not installed" is thrown, as a UserError naming the package.
 */
import { spawn } from 'node:child_process';
import { UserError } from '../errors.js';
import { trackChild } from './cleanup.js';

export interface RunOptions {
  cwd?: string;
  /** variables added to (or, with cleanEnv, replacing) the inherited environment */
  env?: Readonly<Record<string, string | undefined>>;
  /** start from an empty environment instead of process.env */
  cleanEnv?: boolean;
  /** bytes written to the program's stdin, then closed; without it stdin is /dev/null */
  input?: string | Uint8Array;
  /**
   * bytes written to an extra pipe on the program's fd 3, then closed: a secret handed over without a file (restic
   * reads it with RESTIC_PASSWORD_COMMAND `sh -c 'exec cat <&3'`); the program may also never read it
   */
  secretInput?: string;
  /** called with each complete stdout line (without the newline); when given, stdout is not collected */
  onStdoutLine?: (line: string) => void;
  /** called with each stderr line; stderr's tail is kept either way */
  onStderrLine?: (line: string) => void;
  /** also treat '\r' as a line end on stdout (rsync --info=progress2 redraws with '\r') */
  splitOnCarriageReturn?: boolean;
  /** collect stdout into the result (default true unless onStdoutLine is given); capped at maxStdoutBytes */
  collectStdout?: boolean;
  maxStdoutBytes?: number;
  signal?: AbortSignal;
  /**
   * what `signal` stops the program with (default SIGTERM): restic before 0.17 removes its lock from the repository
   * only on SIGINT, and a SIGTERM leaves the lock there (src/adapters/restic/index.ts passes SIGINT)
   */
  stopSignal?: NodeJS.Signals;
  /**
   * after `signal` stops the program (SIGTERM or stopSignal), SIGKILL follows when it has not exited within this many ms:
   * restic ≥ 0.17 answers SIGTERM by retrying to remove its lock from an unreachable server for a minute
   */
  killGraceMs?: number;
  /** the Debian package that brings the program, named in the error when it is missing */
  debianPackage?: string;
  /** called once the program runs, with its pid (e.g. to measure its progress from /proc while it works) */
  onSpawn?: (pid: number) => void;
  /**
   * run the program in its own process group, and let `signal` (and the SIGKILL after killGraceMs) stop the whole
   * group: a shell command (`sh -c 'sleep 600'`) leaves its own children holding our pipes when only the shell dies
   */
  processGroup?: boolean;
}

export interface RunResult {
  program: string;
  /** exit status, or null when killed by a signal */
  exitStatus: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** the last lines of stderr (at most ~8 KiB) */
  stderrTail: string;
  pid: number | undefined;
}

const STDERR_TAIL_BYTES = 8 * 1024;

/** Runs `program args…` to completion. Resolves with the result whatever the exit status. */
export function runProgram(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env = options.cleanEnv ? { ...options.env } : { ...process.env, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const collect = options.collectStdout ?? options.onStdoutLine === undefined;
  const maxStdout = options.maxStdoutBytes ?? 64 * 1024 * 1024;

  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(program, [...args], {
      cwd: options.cwd,
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...(options.secretInput === undefined ? [] : ['pipe' as const])],
      signal: options.signal,
      killSignal: options.stopSignal ?? 'SIGTERM',
      detached: options.processGroup === true,
    });
    trackChild(child);
    const secretPipe = child.stdio[3] as NodeJS.WritableStream | null | undefined;
    if (options.secretInput !== undefined && secretPipe) {
      secretPipe.on('error', () => { /* a program that never reads the secret closes the pipe; its status says the rest */ });
      secretPipe.end(options.secretInput);
    }
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stdoutBytes = 0;
    let stderrTail = '';
    let pendingOut = '';
    let pendingErr = '';
    const lineBreak = options.splitOnCarriageReturn ? /\r\n|\r|\n/ : /\r?\n/;

    const { stdout: out, stderr: err } = child as unknown as { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      if (collect && stdoutBytes < maxStdout) {
        stdout += chunk;
        stdoutBytes += Buffer.byteLength(chunk);
      }
      if (options.onStdoutLine) {
        pendingOut += chunk;
        const parts = pendingOut.split(lineBreak);
        pendingOut = parts.pop() ?? '';
        for (const line of parts) if (line !== '') options.onStdoutLine(line);
      }
    });
    err.setEncoding('utf8');
    err.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
      if (options.onStderrLine) {
        pendingErr += chunk;
        const parts = pendingErr.split(/\r?\n/);
        pendingErr = parts.pop() ?? '';
        for (const line of parts) if (line !== '') options.onStderrLine(line);
      }
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => { /* the program may exit before reading all of stdin; its status says why */ });
      child.stdin.end(options.input);
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        const pkg = options.debianPackage ?? program;
        reject(new UserError('E_TOOL_MISSING', `${program} is not installed (or not on PATH)`, {
          hints: [`install it: sudo apt-get install ${pkg}`],
        }));
      } else if (error.name === 'AbortError') {
        // 'close' follows and reports the signal
      } else {
        reject(error);
      }
    });
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    if (options.processGroup === true && options.signal !== undefined) {
      const stopGroup = (): void => killGroup(options.stopSignal ?? 'SIGTERM');
      if (options.signal.aborted) stopGroup();
      else options.signal.addEventListener('abort', stopGroup, { once: true });
    }
    if (options.killGraceMs !== undefined && options.signal !== undefined) {
      const grace = options.killGraceMs;
      options.signal.addEventListener('abort', () => {
        killTimer = setTimeout(() => (options.processGroup === true ? killGroup('SIGKILL') : child.kill('SIGKILL')), grace);
      }, { once: true });
    }
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      if (options.onStdoutLine && pendingOut !== '') options.onStdoutLine(pendingOut);
      if (options.onStderrLine && pendingErr !== '') options.onStderrLine(pendingErr);
      resolve({ program, exitStatus: code, signal, stdout, stderrTail, pid: child.pid });
    });
  });
}

/** The first line of `program --version`-like output, or null when the program is absent or fails. */
export async function programVersion(program: string, args: readonly string[] = ['--version']): Promise<string | null> {
  try {
    const result = await runProgram(program, args);
    if (result.exitStatus !== 0) return null;
    return (result.stdout.split('\n')[0] ?? '').trim() || null;
  } catch {
    return null;
  }
}
