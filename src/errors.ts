/**
 * The one error family of drkit. Every failure a user can meet is one of three kinds:
 *
 * - `UserError`: the input broke a rule (a mistyped share line, a bad config key, a missing file). The message
 *   names the input and the rule; `hints` say how to fix it. Never a stack trace.
 * - `ToolError`: an external program (restic, rsync, gpg, ...) failed. Carries the program, its exit status
 *   and the tail of its stderr (which drkit never fills with secrets: they travel in files and env only).
 * - `InternalError`: a bug in drkit. The only kind that prints a stack trace.
 *
 * Each error has a stable `code` (for --json consumers and tests). `exitCodeFor` below is the one place that
 * maps errors to process exit codes; the README's table of exit codes is its documentation.
 *
 * Messages follow one style: lowercase, no final period, name the input and the rule broken.
 */

/** Process exit codes. Documented in README.md ("Exit codes"); keep the two in step. */
export const ExitCode = {
  ok: 0,
  /** a check ran and said no: a share or kit did not verify, a drill found mismatches */
  checkFailed: 1,
  /** bad input or usage: the message names the input and the fix */
  userError: 2,
  /** done, with warnings: e.g. a snapshot was saved but some files could not be read */
  warning: 3,
  /** an external program failed (restic, rsync, gpg, ...) */
  toolError: 4,
  /** `drkit status`: a job is older than its maxAge, or its last run failed */
  stale: 5,
  /** another run of the same job holds the lock */
  locked: 6,
  /** a bug in drkit */
  internal: 70,
  /** interrupted by SIGINT/SIGTERM */
  interrupted: 130,
  /** stdout was closed by its reader (`| head`): stopped quietly, as a program killed by SIGPIPE */
  closedPipe: 141,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorOptions {
  /** how to fix it: one short sentence each, shown as `hint:` lines */
  hints?: readonly string[];
  cause?: unknown;
  /** overrides the default exit code of the error's kind (e.g. checkFailed, locked) */
  exitCode?: ExitCodeValue;
  /** structured, non-secret details for --json output */
  details?: Readonly<Record<string, unknown>>;
}

export abstract class DrkitError extends Error {
  abstract readonly kind: 'user' | 'tool' | 'internal';
  readonly code: string;
  readonly hints: readonly string[];
  readonly details: Readonly<Record<string, unknown>>;
  readonly exitCodeOverride: ExitCodeValue | undefined;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hints = options.hints ?? [];
    this.details = options.details ?? {};
    this.exitCodeOverride = options.exitCode;
  }

  /** A copy of this error with `context: ` in front of its message, keeping kind, code and hints. */
  abstract withContext(context: string): DrkitError;
}

export class UserError extends DrkitError {
  readonly kind = 'user' as const;
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.name = 'UserError';
  }
  withContext(context: string): UserError {
    return new UserError(this.code, `${context}: ${this.message}`, this.optionsForCopy());
  }
  protected optionsForCopy(): ErrorOptions {
    return { hints: this.hints, cause: this, details: this.details, ...(this.exitCodeOverride === undefined ? {} : { exitCode: this.exitCodeOverride }) };
  }
}

export interface ToolErrorOptions extends ErrorOptions {
  program: string;
  /** the program's exit status, or null when it was killed by a signal */
  exitStatus: number | null;
  signal?: string | null;
  /** the last lines of the program's stderr, for the user to read */
  stderrTail?: string;
}

export class ToolError extends DrkitError {
  readonly kind = 'tool' as const;
  readonly program: string;
  readonly exitStatus: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
  constructor(code: string, message: string, options: ToolErrorOptions) {
    super(code, message, options);
    this.name = 'ToolError';
    this.program = options.program;
    this.exitStatus = options.exitStatus;
    this.signal = options.signal ?? null;
    this.stderrTail = options.stderrTail ?? '';
  }
  withContext(context: string): ToolError {
    return new ToolError(this.code, `${context}: ${this.message}`, {
      program: this.program, exitStatus: this.exitStatus, signal: this.signal, stderrTail: this.stderrTail,
      hints: this.hints, cause: this, details: this.details,
      ...(this.exitCodeOverride === undefined ? {} : { exitCode: this.exitCodeOverride }),
    });
  }
}

export class InternalError extends DrkitError {
  readonly kind = 'internal' as const;
  constructor(message: string, options: ErrorOptions = {}) {
    super('E_INTERNAL', message, options);
    this.name = 'InternalError';
  }
  withContext(context: string): InternalError {
    return new InternalError(`${context}: ${this.message}`, { cause: this, details: this.details });
  }
}

/** The one mapping from errors to exit codes. Anything that is not a DrkitError is a bug. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof DrkitError) {
    if (error.exitCodeOverride !== undefined) return error.exitCodeOverride;
    switch (error.kind) {
      case 'user': return ExitCode.userError;
      case 'tool': return ExitCode.toolError;
      case 'internal': return ExitCode.internal;
    }
  }
  return ExitCode.internal;
}

/** Wraps anything thrown into the family: DrkitErrors pass through, the rest become InternalError (a bug). */
export function asDrkitError(error: unknown): DrkitError {
  if (error instanceof DrkitError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`unexpected failure: ${message}`, { cause: error });
}

/** Renders an error the way the CLI prints it: `error: …`, then `hint: …` lines; a stack only for bugs. */
export function formatError(error: DrkitError): string {
  const lines = [`error: ${error.message}`];
  if (error instanceof ToolError && error.stderrTail.trim() !== '') {
    lines.push(`${error.program} said:`);
    for (const line of error.stderrTail.trimEnd().split('\n')) lines.push(`  ${line}`);
  }
  for (const hint of error.hints) lines.push(`hint: ${hint}`);
  if (error instanceof InternalError) {
    lines.push('this is a bug in drkit; please report it with the text below');
    const cause = error.cause;
    lines.push(cause instanceof Error && cause.stack ? cause.stack : (error.stack ?? ''));
  }
  return lines.join('\n');
}

/** The `error` message of --json (docs/json-output.md). */
export interface ErrorJson {
  message_type: 'error';
  kind: DrkitError['kind'];
  code: string;
  message: string;
  hints: readonly string[];
  exitCode: number;
  program?: string;
  exitStatus?: number | null;
  stderrTail?: string;
  details?: DrkitError['details'];
}

/** The JSON form of an error for --json output: no stack, no secrets (messages never hold any). */
export function errorToJson(error: DrkitError): ErrorJson {
  return {
    message_type: 'error',
    kind: error.kind,
    code: error.code,
    message: error.message,
    hints: error.hints,
    exitCode: exitCodeFor(error),
    ...(error instanceof ToolError ? { program: error.program, exitStatus: error.exitStatus, stderrTail: error.stderrTail } : {}),
    ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
  };
}
