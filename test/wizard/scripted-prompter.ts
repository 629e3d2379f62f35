/**
 * An injected Prompter that answers from a script, the way a person would: each prompt takes the next scripted
 * answer whose pattern matches its message, runs the prompt's own validate on it (as inquirer does on Enter), and
 * when validate refuses, records the message shown and takes the next matching answer (the person retypes).
 * Everything said and asked is kept, to assert on.
 */
import assert from 'node:assert/strict';
import type { Choice, Prompter } from '../../src/wizard/types.js';

/** an answer, or what the person does to find it (e.g. photograph a printed sheet) */
export type ScriptedAnswer = { ask: RegExp; answer: string | boolean | (() => Promise<string>) };

export interface ScriptedPrompter extends Prompter {
  said: string[];
  asked: string[];
  /** validation messages shown, in order, with the prompt they were shown under */
  refused: { message: string; answer: string; error: string }[];
  /** choices offered by select prompts, by message */
  offered: Map<string, Choice<string>[]>;
  /** defaults offered, by message */
  defaults: Map<string, string | boolean | undefined>;
  remaining(): ScriptedAnswer[];
}

export function scriptedPrompter(script: ScriptedAnswer[]): ScriptedPrompter {
  const queue = [...script];
  const said: string[] = [];
  const asked: string[] = [];
  const refused: ScriptedPrompter['refused'] = [];
  const offered = new Map<string, Choice<string>[]>();
  const defaults = new Map<string, string | boolean | undefined>();
  const next = (message: string): ScriptedAnswer => {
    asked.push(message);
    const index = queue.findIndex((item) => item.ask.test(message));
    assert.ok(index === 0, `prompt "${message}" asked, but the script expected ${queue[0] === undefined ? 'nothing more' : String(queue[0].ask)}`);
    const item = queue.splice(index, 1)[0];
    assert.ok(item !== undefined);
    return item;
  };
  const typed = async (message: string, fallback: string | undefined, validate?: (value: string) => Promise<string | true>): Promise<string> => {
    defaults.set(message, fallback);
    for (;;) {
      const item = next(message);
      const answer = typeof item.answer === 'function' ? await item.answer() : item.answer;
      assert.equal(typeof answer, 'string', `prompt "${message}" wants text`);
      // inquirer's input: Enter on an empty line takes the default
      const value = answer === '' && fallback !== undefined ? fallback : String(answer);
      const verdict = validate === undefined ? true : await validate(value);
      if (verdict === true) return value;
      refused.push({ message, answer: value, error: verdict });
    }
  };
  return {
    said, asked, refused, offered, defaults,
    remaining: () => [...queue],
    say: (text) => { said.push(text); },
    input: (question) => typed(question.message, question.default, question.validate),
    secret: (question) => typed(question.message, undefined, question.validate),
    select: (question) => {
      offered.set(question.message, question.choices);
      defaults.set(question.message, question.default);
      const item = next(question.message);
      const value = item.answer === '' ? question.default : String(item.answer);
      assert.ok(question.choices.some((choice) => choice.value === value), `"${String(value)}" is not a choice of "${question.message}": ${question.choices.map((choice) => choice.value).join(', ')}`);
      return Promise.resolve(value ?? '');
    },
    confirm: (question) => {
      defaults.set(question.message, question.default);
      const item = next(question.message);
      return Promise.resolve(item.answer === '' ? question.default : item.answer === true);
    },
  };
}
