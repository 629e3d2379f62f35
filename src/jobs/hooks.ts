/**
 * The owner's commands around a job (config `onsite.hooks`, `offsite.hooks`, `offsite.check.hooks`; docs/config.md):
 * - `before` runs before the job; the first command that fails (non-zero exit, killed, timed out) stops the job
 *   with E_HOOK_FAILED, and the job is recorded as failed (so `failure` runs);
 * - `after` runs after a success or a warning; a command that fails there turns the job into a warning (the
 *   backup itself was made, but what the owner wanted done afterwards was not);
 * - `failure` runs after a failure; a command that fails there is reported, and the job stays failed.
 * Each command runs with /bin/sh -c in its own process group (a timeout or Ctrl-C stops the whole command, its
 * children included), stdin from /dev/null, each line of its output sent to the job's reporter. The environment is
 * drkit's own without anything that may hold a secret (every RESTIC_* variable, and any name with PASSWORD,
 * SECRET, TOKEN or CREDENTIAL in it or ending in _KEY), plus DRKIT_JOB (onsite, offsite, check), DRKIT_HOOK
 * (before, after, failure), DRKIT_OUTCOME (success, warning or failed; empty before the job) and DRKIT_SNAPSHOT (the
 * snapshot's id or name when the job made one, else empty).
 */
import { ToolError } from '../errors.js';
import { runProgram } from '../adapters/exec.js';
import { redactText } from '../core/redact.js';
import type { JobHooks } from '../config/types.js';
import type { JobName, JobOutcome, Reporter } from './types.js';

export type HookPhase = 'before' | 'after' | 'failure';

export interface HookContext {
  job: JobName;
  outcome?: JobOutcome;
  snapshotId?: string;
}

/** after SIGTERM at the timeout, a command that does not stop gets SIGKILL this much later */
const KILL_GRACE_MS = 5_000;

const SECRET_NAME = /^RESTIC_|PASSWORD|SECRET|TOKEN|CREDENTIAL|_KEY$/i;

/** drkit's environment less every variable that may hold a secret, plus the job's own. */
export function hookEnvironment(phase: HookPhase, context: HookContext, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !SECRET_NAME.test(name) && !name.startsWith('DRKIT_')) env[name] = value;
  }
  return { ...env, DRKIT_JOB: context.job, DRKIT_HOOK: phase, DRKIT_OUTCOME: context.outcome ?? '', DRKIT_SNAPSHOT: context.snapshotId ?? '' };
}

/**
 * Runs the commands of one phase in order. `before` throws the E_HOOK_FAILED ToolError of the first command that
 * fails (the rest do not run); `after` and `failure` run every command and return the failures' messages.
 */
export async function runHooks(phase: HookPhase, hooks: JobHooks | undefined, context: HookContext, reporter: Reporter, signal?: AbortSignal): Promise<string[]> {
  const commands = hooks?.[phase] ?? [];
  const problems: string[] = [];
  for (const [index, command] of commands.entries()) {
    if (signal?.aborted === true) break;
    const failure = await runHook(phase, index, command, hooks?.timeout ?? 0, hooks?.timeoutText ?? '', context, reporter, signal);
    if (failure === null) continue;
    if (phase === 'before') throw failure;
    problems.push(failure.message);
  }
  return problems;
}

async function runHook(phase: HookPhase, index: number, command: string, timeoutMs: number, timeoutText: string, context: HookContext,
  reporter: Reporter, signal: AbortSignal | undefined): Promise<ToolError | null> {
  const name = `${phase} hook ${index + 1}`;
  // drkit hands a hook no secret, but a hook's own words (a URL it prints) or its command may hold one
  const say = (line: string): void => reporter.event({ type: 'info', job: context.job, message: `${name}: ${redactText(line)}` });
  const timer = AbortSignal.timeout(timeoutMs);
  const stop = signal === undefined ? timer : AbortSignal.any([signal, timer]);
  const result = await runProgram('/bin/sh', ['-c', command], {
    cleanEnv: true, env: hookEnvironment(phase, context), signal: stop, processGroup: true, killGraceMs: KILL_GRACE_MS,
    onStdoutLine: say, onStderrLine: say,
  });
  if (result.exitStatus === 0) return null;
  const timedOut = timer.aborted && signal?.aborted !== true;
  const how = timedOut ? `did not finish within hooks.timeout ${timeoutText} and was stopped`
    : result.exitStatus === null ? `was stopped by ${result.signal ?? 'a signal'}` : `exited with status ${result.exitStatus}`;
  return new ToolError('E_HOOK_FAILED', `${context.job === 'check' ? 'offsite.check' : context.job}.hooks.${phase}[${index}] \`${redactText(command)}\` ${how}`, {
    program: '/bin/sh', exitStatus: result.exitStatus, signal: result.signal, stderrTail: redactText(result.stderrTail),
    details: { hook: phase, index, timedOut },
    hints: phase === 'before'
      ? [`the ${context.job} job did not run; run the command by hand to see why it fails, or remove it from the config's hooks.before`]
      : [`run the command by hand to see why it fails (its environment: docs/config.md, "hooks")`],
  });
}
