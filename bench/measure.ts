/**
 * Measuring a child process: wall time, and the peak resident memory of that process alone (VmHWM from
 * /proc/<pid>/status, polled while it runs: the kernel keeps the high-water mark, so the last reading before the
 * exit is the peak). GNU time would report the largest of the process and its children (restic, rsync), which is
 * not drkit's own memory.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measured {
  ms: number;
  /** peak RSS in KiB of the process itself, 0 when it ended before the first reading */
  peakKiB: number;
  exitStatus: number | null;
  stderr: string;
  stdout: string;
}

function hwm(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs `program args` to its end, measuring time (and memory when `pollMs` is given). */
export function measure(program: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; pollMs?: number } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(program, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let peakKiB = 0;
    child.stdout.on('data', (chunk: Buffer) => { stdout = (stdout + chunk.toString()).slice(-20_000); });
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-20_000); });
    const timer = options.pollMs === undefined ? undefined : setInterval(() => {
      if (child.pid !== undefined) peakKiB = Math.max(peakKiB, hwm(child.pid));
    }, options.pollMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (timer) clearInterval(timer);
      resolve({ ms, peakKiB, exitStatus: code, stderr, stdout });
    });
  });
}

/** Runs `fn` `times` times and returns the median of the measured milliseconds. */
export async function medianMs(times: number, fn: () => Promise<Measured>): Promise<number> {
  const values: number[] = [];
  for (let index = 0; index < times; index++) values.push((await fn()).ms);
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? Number.NaN;
}

/** Throws with the tail of stderr when a measured run failed: a ratio over a failed run means nothing. */
export function expectSuccess(what: string, result: Measured, allowed: readonly number[] = [0]): Measured {
  if (result.exitStatus === null || !allowed.includes(result.exitStatus)) {
    throw new Error(`${what} exited with ${String(result.exitStatus)}: ${result.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  return result;
}

export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
