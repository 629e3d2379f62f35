/**
 * Runs the drkit CLI as a user would: the built dist/src/cli.js when the tests run from dist/ (npm test), or
 * src/cli.ts through tsx when a test file is run directly from src.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram, type RunResult } from '../../src/adapters/exec.js';
import { packageRoot } from '../../src/paths.js';

const fromDist = fileURLToPath(import.meta.url).includes(`${join('dist', 'test')}`);

export function cliCommand(): { program: string; prefix: string[] } {
  const root = packageRoot();
  return fromDist
    ? { program: process.execPath, prefix: [join(root, 'dist', 'src', 'cli.js')] }
    : { program: process.execPath, prefix: ['--import', 'tsx', join(root, 'src', 'cli.ts')] };
}

export interface CliResult extends RunResult { stderr: string }

export async function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {}): Promise<CliResult> {
  const { program, prefix } = cliCommand();
  const result = await runProgram(program, [...prefix, ...args], { cwd: options.cwd ?? packageRoot(), env: options.env, ...(options.input === undefined ? {} : { input: options.input }) });
  return { ...result, stderr: result.stderrTail };
}
