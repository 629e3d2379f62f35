/**
 * The one module over @inquirer/prompts, driven by @inquirer/testing's streams: secrets are masked on the screen,
 * a validation message is shown under the prompt, Ctrl-C and a closed input end with WizardCancelled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from '@inquirer/testing';
import type { Readable, Writable } from 'node:stream';
import { ExitCode, exitCodeFor } from '../../src/errors.js';
import { inquirerPrompter, WizardCancelled } from '../../src/wizard/prompter.js';
import type { Prompter } from '../../src/wizard/types.js';

type Screen = Awaited<ReturnType<typeof render>>;

/** Renders one question of the real prompter on @inquirer/testing's streams; `ask` picks the question. */
async function renderQuestion<T>(ask: (prompter: Prompter) => Promise<T>): Promise<Screen & { answer: Promise<T> }> {
  const prompt = (_props: unknown, context?: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream }) =>
    Object.assign(inquirerPrompter({ input: context?.input as Readable, output: context?.output as Writable }).then(ask), { cancel: () => undefined });
  const screen = await render(prompt as never, {});
  return screen as Screen & { answer: Promise<T> };
}

async function until(screen: Screen, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = screen.getScreen();
    if (pattern.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`screen never showed ${String(pattern)}: ${screen.getScreen()}`);
}

test('a secret is typed masked, and its rule is shown until it holds', async () => {
  const screen = await renderQuestion((prompter) => prompter.secret({ message: 'key id', validate: (value) => Promise.resolve(value.length >= 6 ? true : 'must be at least 6 characters') }));
  await until(screen, /key id/);
  screen.events.type('abc');
  assert.match(await until(screen, /\*\*\*/), /^\? key id \*\*\*$/);
  screen.events.keypress('enter');
  assert.match(await until(screen, /must be at least 6/), /> must be at least 6 characters/);
  screen.events.type('defghi');
  screen.events.keypress('enter');
  assert.equal(await screen.answer, 'abcdefghi');
  assert.ok(!screen.getFullOutput().includes('abc'), 'the secret never reaches the screen');
});

test('a choice is picked with the arrow keys; Ctrl-C and a closed input end the wizard with exit 130', async () => {
  const choice = await renderQuestion((prompter) => prompter.select({ message: 'where?', choices: [{ value: 'folder', name: 'a folder' }, { value: 'ssh', name: 'over ssh' }], default: 'folder' }));
  await until(choice, /where\?/);
  choice.events.keypress('down');
  choice.events.keypress('enter');
  assert.equal(await choice.answer, 'ssh');

  const interrupted = await renderQuestion((prompter) => prompter.input({ message: 'a folder' }));
  await until(interrupted, /a folder/);
  interrupted.events.keypress({ name: 'c', ctrl: true });
  await assert.rejects(interrupted.answer, (error: unknown) => error instanceof WizardCancelled && error.message === 'setup interrupted: nothing was written' && exitCodeFor(error) === ExitCode.interrupted);

  const closed = await renderQuestion((prompter) => prompter.input({ message: 'a folder' }));
  await until(closed, /a folder/);
  (closed.input as unknown as Writable).end();
  await assert.rejects(closed.answer, (error: unknown) => error instanceof WizardCancelled && /terminal was closed/.test(error.message));
});
