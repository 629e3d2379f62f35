/**
 * The init command's wizard path in process, with an injected prompter and the real machine (a local restic
 * repository, folders): the summary hides secrets, declining writes nothing, editing keeps what is there and lists
 * what the answers remove, Ctrl-C at the summary leaves the files as they were.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/commands/init-wizard.js';
import { parseSecrets } from '../../src/adapters/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { ExitCode, UserError } from '../../src/errors.js';
import { WizardCancelled } from '../../src/wizard/prompter.js';
import { captureIO, makeSandbox } from '../commands/backup-io.js';
import { scriptedPrompter, type ScriptedAnswer } from './scripted-prompter.js';
import type { Prompter } from '../../src/wizard/types.js';

test('editing on a terminal: secrets hidden in the summary, declining writes nothing, a removal is listed, kept keys stay', async () => {
  const box = makeSandbox();
  try {
    const configFile = join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'config.yaml');
    const answers = join(box.root, 'answers.yaml');
    writeFileSync(answers, [
      `sources: [${box.source}]`, 'exclude: ["*.iso"]', 'onsite: folder', `onsiteTarget: ${box.target}`, 'offsite: url', `repositoryUrl: ${box.repository}`,
      'passwordMode: existing', 'password: a long enough password', 'owner: Ann Owner', 'custodians: [{ name: Ann, contact: "ann@example.org" }, { name: Ben }, { name: Cy }]', 'threshold: 2', '',
    ].join('\n'), { mode: 0o600 });
    assert.equal(await run({ config: configFile, answers, yes: true }, captureIO()), ExitCode.ok);
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('offsite:\n', 'offsite:\n  tags: [laptop] # mine\n'));
    const before = readFileSync(configFile, 'utf8');
    const secretsFile = join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'secrets', 'secrets.env');
    const secretsBefore = readFileSync(secretsFile, 'utf8');

    const editing: ScriptedAnswer[] = [
      { ask: /keep these 1\?/, answer: true },
      { ask: /keep these 1\?/, answer: true },
      { ask: /where should the onsite copy go/, answer: 'none' },
      { ask: /where should the offsite copy go/, answer: '' },
      { ask: /restic repository$/, answer: '' },
      { ask: /restic repository password/, answer: '' },
      { ask: /when should the offsite copy run/, answer: 'daily at 01:15' },
      { ask: /run a restore drill/, answer: '' },
      { ask: /your name, as the custodians know you/, answer: '' },
      { ask: /keep these 3\?/, answer: true },
      { ask: /how many sheets/, answer: '' },
    ];
    const declined = scriptedPrompter([...editing, { ask: /write this setup\?/, answer: false }]);
    assert.equal(await run({ config: configFile }, captureIO(), { prompter: declined }), ExitCode.ok);
    assert.deepEqual(declined.remaining(), []);
    const said = declined.said.join('\n');
    assert.match(said, /^drkit init: editing the setup in /);
    assert.match(said, /opened the repository: id [0-9a-f]{8}/);
    assert.match(said, /removed: {5}onsite \(in the config now; your answers turn it off\)/);
    assert.match(said, /password: {4}kept/);
    assert.match(said, /Ann \(ann@example\.org\)/);
    assert.ok(!said.includes('a long enough password'), 'no secret in anything said');
    assert.match(said, /nothing was written$/);
    assert.equal(readFileSync(configFile, 'utf8'), before);
    assert.equal(readFileSync(secretsFile, 'utf8'), secretsBefore);

    // Ctrl-C at the summary: the prompt ends with WizardCancelled, the files stay as they were
    const interrupted = scriptedPrompter(editing);
    const answer = interrupted.confirm.bind(interrupted);
    interrupted.confirm = (question) => (/write this setup/.test(question.message) ? Promise.reject(new WizardCancelled('interrupted', true)) : answer(question));
    await assert.rejects(run({ config: configFile }, captureIO(), { prompter: interrupted }), (error: unknown) => error instanceof WizardCancelled && error.message === 'setup interrupted: nothing was written');
    assert.equal(readFileSync(configFile, 'utf8'), before);

    const accepted = scriptedPrompter([...editing, { ask: /write this setup\?/, answer: true }, { ask: /install the timers/, answer: false }, { ask: /run the first backup now/, answer: false }, { ask: /create the printed kit now/, answer: false }]);
    assert.equal(await run({ config: configFile }, captureIO(), { prompter: accepted }), ExitCode.ok);
    assert.deepEqual(accepted.remaining(), []);
    const after = readFileSync(configFile, 'utf8');
    const config = parseConfig(after, configFile);
    assert.equal(config.onsite, undefined);
    assert.deepEqual(config.offsite?.tags, ['laptop']);
    assert.match(after, /# mine/);
    assert.deepEqual(config.offsite?.schedule, { every: 'daily', at: '01:15' });
    assert.equal(parseSecrets(readFileSync(secretsFile, 'utf8'), secretsFile).RESTIC_PASSWORD, 'a long enough password');
  } finally {
    box.cleanup();
  }
});

/** A person who takes every default of the editing wizard, writes the setup, says `adopt` to the marker question and no to the rest. */
function defaultsPrompter(adopt: boolean): Prompter & { said: string[]; asked: string[] } {
  const said: string[] = [];
  const asked: string[] = [];
  return {
    said, asked,
    say: (text) => { said.push(text); },
    input: (question) => { asked.push(question.message); return Promise.resolve(question.default ?? ''); },
    secret: (question) => { asked.push(question.message); return Promise.resolve(''); },
    select: (question) => { asked.push(question.message); return Promise.resolve(question.default ?? question.choices[0]?.value ?? ''); },
    confirm: (question) => {
      asked.push(question.message);
      if (/should this setup use it too\?/.test(question.message)) return Promise.resolve(adopt);
      return Promise.resolve(/write this setup\?|keep these/.test(question.message));
    },
  };
}

test('a marker another setup wrote on the onsite target: the wizard asks; no keeps it refused, yes adopts it', async () => {
  const box = makeSandbox();
  try {
    const configFile = join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'config.yaml');
    const answers = join(box.root, 'answers.yaml');
    writeFileSync(answers, [
      `sources: [${box.source}]`, 'onsite: folder', `onsiteTarget: ${box.target}`, 'offsite: none', 'owner: Ann Owner', 'custodians: [{ name: Ann }, { name: Ben }]', 'threshold: 2', '',
    ].join('\n'), { mode: 0o600 });
    assert.equal(await run({ config: configFile, answers, yes: true }, captureIO()), ExitCode.ok);
    const foreign = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    writeFileSync(join(box.target, '.drkit-target'), `${foreign}\n`);
    const refused = defaultsPrompter(false);
    await assert.rejects(run({ config: configFile }, captureIO(), { prompter: refused }), (error: unknown) => error instanceof UserError && error.code === 'E_FOREIGN_MARKER');
    assert.match(refused.said.join('\n'), new RegExp(`already holds the marker ${foreign}, which this setup did not write`));
    assert.ok(refused.asked.some((message) => /should this setup use it too\?/.test(message)), refused.asked.join('\n'));
    const adopted = defaultsPrompter(true);
    const io = captureIO();
    assert.equal(await run({ config: configFile }, io, { prompter: adopted }), ExitCode.ok);
    assert.ok(io.outLines.some((line) => line.includes(`adopted the existing marker ${foreign}`)), io.outLines.join('\n'));
    assert.equal(readFileSync(join(box.target, '.drkit-target'), 'utf8').trim(), foreign, 'the marker is kept as it is');
  } finally {
    box.cleanup();
  }
});
