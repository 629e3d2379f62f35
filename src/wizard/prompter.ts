/**
 * The one module that talks to @inquirer/prompts. Everything else asks through the Prompter interface
 * (./types.ts), so the steps stay data and tests can drive the real prompts with @inquirer/testing's streams.
 *
 * Rules:
 * - Ctrl-C, SIGHUP/SIGTERM (a closed terminal window) and the end of the input stream all end a prompt with
 *   WizardCancelled (exit 130), never a stack trace and never a hang;
 * - secrets are typed masked (`*`), and never echoed back by the prompt once answered.
 */
import type { Readable, Writable } from 'node:stream';
import { ExitCode, UserError } from '../errors.js';
import type { Choice, Prompter } from './types.js';

/** The owner stopped the wizard (Ctrl-C, a closed terminal). `afterWrite` says whether the files were already written. */
export class WizardCancelled extends UserError {
  constructor(how: 'interrupted' | 'terminal closed', nothingWritten: boolean) {
    super('E_INTERRUPTED', `setup ${how === 'interrupted' ? 'interrupted' : 'stopped: the terminal was closed'}${nothingWritten ? ': nothing was written' : ''}`, {
      exitCode: ExitCode.interrupted,
      hints: nothingWritten ? ['run drkit init again to start over'] : [],
    });
  }
}

export interface PrompterStreams {
  input: Readable;
  output: Writable;
}

/** `text` folded at spaces to `width` columns, each continuation indented like the first line. */
export function wrap(text: string, width: number): string {
  const indent = /^ */.exec(text)?.[0] ?? '';
  const words = text.slice(indent.length).split(' ');
  const lines: string[] = [];
  let line = indent;
  for (const word of words) {
    if (line.trim() !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = line.trim() === '' ? `${indent}${word}` : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join('\n');
}

/** A prompter on a terminal's streams (the process's by default). */
export async function inquirerPrompter(streams: PrompterStreams = { input: process.stdin, output: process.stdout }): Promise<Prompter> {
  const prompts = await import('@inquirer/prompts');
  const closed = new AbortController();
  const onEnd = (): void => closed.abort(new Error('input ended'));
  streams.input.once('end', onEnd);
  streams.input.once('close', onEnd);
  const context = { input: streams.input, output: streams.output, signal: closed.signal };

  async function ask<T>(prompt: () => Promise<T>): Promise<T> {
    if (closed.signal.aborted) throw new WizardCancelled('terminal closed', true);
    try {
      return await prompt();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'AbortPromptError') throw new WizardCancelled('terminal closed', true);
      if (name === 'ExitPromptError' || name === 'CancelPromptError') {
        throw new WizardCancelled(/SIGHUP|SIGTERM/.test((error as Error).message) ? 'terminal closed' : 'interrupted', true);
      }
      throw error;
    }
  }

  return {
    say: (text) => { streams.output.write(`${wrap(text, Math.min(80, (streams.output as { columns?: number }).columns ?? 80) - 1)}\n`); },
    input: (question) => ask(() => prompts.input({
      message: question.message,
      ...(question.default === undefined || question.default === '' ? {} : { default: question.default }),
      ...(question.validate === undefined ? {} : { validate: question.validate }),
    }, context)),
    secret: (question) => ask(() => prompts.password({
      message: question.message, mask: '*',
      ...(question.validate === undefined ? {} : { validate: question.validate }),
    }, context)),
    select: (question) => ask(() => prompts.select<string>({
      message: question.message,
      choices: question.choices.map((choice: Choice<string>) => ({ value: choice.value, name: choice.name, ...(choice.description === undefined ? {} : { description: choice.description }) })),
      ...(question.default === undefined ? {} : { default: question.default }),
      pageSize: 8,
    }, context)),
    confirm: (question) => ask(() => prompts.confirm({ message: question.message, default: question.default }, context)),
  };
}
