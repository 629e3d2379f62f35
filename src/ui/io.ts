/**
 * What a command may say and where. Commands never write to process.stdout directly: they get a CommandIO,
 * so tests can capture output and --json can keep stdout machine-readable (human notes go to stderr then).
 */
import type { JsonMessage } from './json-messages.js';

export interface CommandIO {
  /** a line of the command's result on stdout */
  out(line: string): void;
  /** a line for the human on stderr (progress, notes, warnings) */
  note(line: string): void;
  /** one JSON message as one line on stdout (for --json): only the types of src/ui/json-messages.ts */
  json(value: JsonMessage): void;
  /** true when --json was given */
  readonly jsonMode: boolean;
  /** true when stderr is a terminal (progress bars are drawn only then) */
  readonly interactive: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** where a command reads what a person types (drkit recover without --from) */
  readonly stdin?: NodeJS.ReadableStream;
}

export function processIO(jsonMode: boolean): CommandIO {
  return {
    out: (line) => { process.stdout.write(`${line}\n`); },
    note: (line) => { process.stderr.write(`${line}\n`); },
    json: (value) => { process.stdout.write(`${JSON.stringify(value)}\n`); },
    jsonMode,
    interactive: Boolean(process.stderr.isTTY) && !jsonMode,
    stdout: process.stdout,
    stderr: process.stderr,
    // a getter: process.stdin makes a stream (a socket for a pipe) when first read, which most commands never need
    get stdin() { return process.stdin; },
  };
}
