/**
 * The wizard's steps driven through an injected prompter against the real machine: real folders measured, a real
 * restic repository opened or created, a real `rclone serve restic` on 127.0.0.1 for the correction loop.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DrkitError } from '../../src/errors.js';
import { runWizard, type WizardRun } from '../../src/wizard/run.js';
import { systemProbe } from '../../src/wizard/probe.js';
import { DEFAULT_EXCLUDES } from '../../src/wizard/steps.js';
import type { Draft, StepContext } from '../../src/wizard/types.js';
import { deterministicRandom } from '../../src/core/random.js';
import { createHash } from 'node:crypto';
import { freePort, startRcloneRestServer } from '../helpers/servers.js';
import { scriptedPrompter } from './scripted-prompter.js';

const random = deterministicRandom('wizard-steps', (data) => new Uint8Array(createHash('sha256').update(data).digest()));

function sandbox(): { root: string; source: string; target: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'drkit-wizard-'));
  const source = join(root, 'data');
  mkdirSync(join(source, 'docs'), { recursive: true });
  writeFileSync(join(source, 'docs', 'a.txt'), 'hello\n');
  writeFileSync(join(source, 'b.bin'), Buffer.alloc(3000, 1));
  return { root, source, target: join(root, 'usb', 'drkit'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const context = (existing: Draft | null = null): StepContext => ({ existing, disks: [], drillScheduleSupported: false });

function wizard(overrides: Partial<WizardRun> & Pick<WizardRun, 'prompter'>): WizardRun {
  const said: string[] = [];
  return { given: {}, context: context(), probe: systemProbe({ giveUpMs: 3000 }), random, say: (line) => { said.push(line); overrides.prompter?.say(line); }, ...overrides };
}

test('a first run on a terminal: every step asked, wrong answers refused with their rule, sizes shown, the repository created', async () => {
  const box = sandbox();
  try {
    const repository = join(box.root, 'repo');
    mkdirSync(join(box.root, 'usb'));
    const prompter = scriptedPrompter([
      { ask: /a folder or file to back up/, answer: 'data' },
      { ask: /a folder or file to back up/, answer: join(box.root, 'missing') },
      { ask: /a folder or file to back up/, answer: box.source },
      { ask: /a folder or file to back up/, answer: box.source },
      { ask: /a folder or file to back up/, answer: '' },
      { ask: /keep these 5\?/, answer: true },
      { ask: /where should the onsite copy go/, answer: 'folder' },
      { ask: /onsite target/, answer: join(box.source, 'inside') },
      { ask: /onsite target/, answer: box.target },
      { ask: /where is the onsite copy kept/, answer: 'USB disk in the hall cupboard' },
      { ask: /where should the offsite copy go/, answer: 'url' },
      { ask: /restic repository/, answer: 'ftp:nowhere' },
      { ask: /restic repository/, answer: repository },
      { ask: /restic repository password/, answer: 'generate' },
      { ask: /saved it in your password manager/, answer: true },
      { ask: /create it now \(restic init\)/, answer: true },
      { ask: /how often should the onsite copy run/, answer: 'hourly' },
      { ask: /when should the offsite copy run/, answer: 'sometimes' },
      { ask: /when should the offsite copy run/, answer: '' },
      { ask: /run a restore drill every month/, answer: 'monthly' },
      { ask: /your name, as the custodians know you/, answer: '' },
      { ask: /your name, as the custodians know you/, answer: 'Ann Owner' },
      { ask: /custodian 1: name/, answer: '' },
      { ask: /custodian 1: name/, answer: 'Ann Example' },
      { ask: /how to reach Ann Example/, answer: 'phone 0101, 3 Elm Street' },
      { ask: /custodian 2: name/, answer: 'ann example' },
      { ask: /custodian 2: name/, answer: 'Ben' },
      { ask: /how to reach Ben/, answer: 'ben@example.org' },
      ...['Cy', 'Dee', 'Eve'].flatMap((name, index) => [
        { ask: new RegExp(`custodian ${index + 3}: name`), answer: name },
        { ask: new RegExp(`how to reach ${name}`), answer: '' },
      ]),
      { ask: /custodian 6: name/, answer: '' },
      { ask: /how many sheets/, answer: '1' },
      { ask: /how many sheets/, answer: '' },
    ]);
    const outcome = await runWizard(wizard({ prompter }));
    assert.deepEqual(prompter.remaining(), []);
    assert.deepEqual(prompter.refused.map((refusal) => refusal.error), [
      'must be an absolute path (starting with / or ~/)',
      `${join(box.root, 'missing')} does not exist`,
      'is already in the list',
      'must not be inside a folder being backed up (each backup would copy the last)',
      'must be a path or a restic repository URL (local:, sftp:, rest:, s3:, b2:, azure:, gs:, swift:, rclone:)',
      'must be "hourly", "daily", "weekly", "daily at HH:MM", "weekly at HH:MM" or "HH:MM"',
      'must be a name',
      'name at least 2 custodians',
      'ann example is named already: each custodian holds one sheet',
      '--threshold: 1 is below 2',
    ]);
    const draft = outcome.draft;
    assert.deepEqual(draft.sources, [box.source]);
    assert.deepEqual(draft.exclude, DEFAULT_EXCLUDES);
    assert.equal(draft.onsiteTarget, box.target);
    assert.equal(draft.onsiteDescription, 'USB disk in the hall cupboard');
    assert.equal(draft.owner, 'Ann Owner');
    assert.equal(draft.repositoryUrl, repository);
    assert.equal(draft.offsiteSchedule, 'daily at 03:00');
    assert.equal(draft.threshold, '3', 'the recommended threshold for 5 is the default');
    assert.equal(prompter.defaults.get('how many sheets should it take to open the kit?'), '3');
    assert.deepEqual(draft.custodians?.[0], { name: 'Ann Example', contact: 'phone 0101, 3 Elm Street' });
    assert.equal(draft.custodians?.length, 5);
    assert.match(draft.password ?? '', /^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    assert.equal(outcome.passwordGenerated, true);
    assert.equal(outcome.repositoryCreated, true);
    assert.match(outcome.repositoryId ?? '', /^[0-9a-f]{64}$/);
    const said = prompter.said.join('\n');
    assert.match(said, new RegExp(`${box.source}: 2\\.94 KiB in 2 files`), 'the source is measured and its size shown');
    assert.match(said, /will be created, .* free/);
    assert.match(said, /warning: .* on the same disk as the target/);
    assert.ok(said.includes(`your new restic password:  ${draft.password ?? ''}`), 'the generated password is shown once');
    assert.equal(said.split(draft.password ?? '').length, 2, 'and only once');
    assert.match(said, /recommended: 3 of 5: 2 lost sheets or unreachable people do not stop a restore; 2 people colluding cannot open it/);
    assert.match(said, /hard links to the previous one/);
    assert.match(said, /created the repository: id [0-9a-f]{8}/);
  } finally {
    box.cleanup();
  }
});

test('a failed connection check names the likely cause, and only the answer picked is asked again', async () => {
  const box = sandbox();
  const server = await startRcloneRestServer();
  try {
    const dead = `rest:http://127.0.0.1:${await freePort()}/`;
    const given: Draft = {
      sources: [box.source], exclude: [], onsite: 'none', offsite: 'url', repositoryUrl: dead, passwordMode: 'existing', password: 'correct horse battery',
      offsiteSchedule: 'daily at 03:00', drillSchedule: 'none', owner: 'Ann', custodians: [{ name: 'Ann', contact: '' }, { name: 'Ben', contact: '' }], threshold: '2',
    };
    const prompter = scriptedPrompter([
      { ask: /what should be corrected/, answer: 'repositoryUrl' },
      { ask: /restic repository/, answer: server.repository },
      { ask: /create it now/, answer: true },
    ]);
    const outcome = await runWizard(wizard({ prompter, given }));
    assert.deepEqual(prompter.remaining(), []);
    const said = prompter.said.join('\n');
    assert.match(said, /the check failed: restic cat config: cannot reach the repository .*connection refused/);
    assert.match(said, /likely cause: the repository could not be reached: check the network/);
    assert.equal(prompter.defaults.get('restic repository'), dead, 'the answer being corrected is offered as it was');
    const choices = prompter.offered.get('what should be corrected?')?.map((choice) => choice.value);
    assert.deepEqual(choices, ['repositoryUrl', 'password', 'offsite', 'retry']);
    assert.equal(outcome.draft.repositoryUrl, server.repository);
    assert.equal(outcome.repositoryCreated, true);
    assert.ok(!prompter.asked.some((message) => /folder or file to back up|custodian|how many sheets/.test(message)), 'nothing else is asked again');

    // the same repository with a wrong password: the cause is the password, and the password alone is retyped
    const wrong = scriptedPrompter([
      { ask: /what should be corrected/, answer: '' },
      { ask: /repository password/, answer: 'short' },
      { ask: /repository password/, answer: 'correct horse battery' },
    ]);
    const again = await runWizard(wizard({ prompter: wrong, given: { ...given, repositoryUrl: server.repository, password: 'not the password' } }));
    assert.deepEqual(wrong.remaining(), []);
    assert.match(wrong.said.join('\n'), /likely cause: a repository is there, but it does not open with this password/);
    assert.equal(wrong.offered.get('what should be corrected?')?.[0]?.value, 'password');
    assert.deepEqual(wrong.refused.map((refusal) => refusal.error), ['must be at least 8 characters']);
    assert.equal(again.repositoryId, outcome.repositoryId);
    assert.equal(again.repositoryCreated, false);
  } finally {
    await server.stop();
    box.cleanup();
  }
});

test('without a terminal: a missing answer names its flag, a wrong one its rule, a missing secret its variable', async () => {
  const box = sandbox();
  try {
    const run = (given: Draft): Promise<unknown> => runWizard(wizard({ prompter: null, given }));
    await assert.rejects(run({}), (error: unknown) => error instanceof DrkitError && error.message === '--source (answers key sources) is needed: folders and files to back up');
    const base: Draft = { sources: [box.source], onsite: 'none', offsite: 'b2-s3', b2Region: 'us-west-004' };
    await assert.rejects(run({ ...base, bucket: 'x' }), (error: unknown) => error instanceof DrkitError
      && error.message === '--bucket (answers key bucket) "x": must be a bucket name: 3 to 63 letters, digits, "-" or "."');
    await assert.rejects(run({ ...base, bucket: 'ann-backups' }), (error: unknown) => error instanceof DrkitError
      && error.message === 'answer keyId is needed: key id' && /DRKIT_KEY_ID/.test(error.hints[0] ?? ''));
    await assert.rejects(run({ ...base, b2Region: 'Europe', bucket: 'ann-backups' }), (error: unknown) => error instanceof DrkitError
      && /--b2-region .*"Europe": must be a B2 region such as us-west-004/.test(error.message));
    const dead = `rest:http://127.0.0.1:${await freePort()}/`;
    await assert.rejects(run({ sources: [box.source], onsite: 'none', offsite: 'url', repositoryUrl: dead, passwordMode: 'existing', password: 'long enough password' }), (error: unknown) => error instanceof DrkitError
      && error.code === 'E_WIZARD_CONNECTION' && /did not open: restic cat config: cannot reach the repository/.test(error.message)
      && /^the repository could not be reached: check the network/.test(error.hints[0] ?? '') && !error.message.includes('long enough password'));
    await assert.rejects(run({ sources: [join(box.root, 'nope')] }), (error: unknown) => error instanceof DrkitError && /does not exist$/.test(error.message));
  } finally {
    box.cleanup();
  }
});

test('editing: the current values are the defaults and secrets can be kept by answering nothing', async () => {
  const box = sandbox();
  try {
    const existing: Draft = {
      sources: [box.source], exclude: ['*.iso'], onsite: 'none', offsite: 'b2-s3', b2Region: 'eu-central-003', bucket: 'ann-backups', bucketPath: 'laptop',
      keyId: '003a0000000000000000000001', secretKey: 'K003secretsecretsecret', password: 'the old password', offsiteSchedule: 'daily at 02:30',
      drillSchedule: 'monthly', custodians: [{ name: 'Ann', contact: 'x' }, { name: 'Ben', contact: 'y' }, { name: 'Cy', contact: 'z' }], threshold: '2',
    };
    // the connection check would reach B2: stop the run there, once the offsite answers are in
    const prompter = scriptedPrompter([
      { ask: /keep these 1\?/, answer: true },
      { ask: /keep these 1\?/, answer: true },
      { ask: /where should the onsite copy go/, answer: '' },
      { ask: /where should the offsite copy go/, answer: '' },
      { ask: /B2 region/, answer: '' },
      { ask: /bucket name/, answer: '' },
      { ask: /folder inside the bucket/, answer: '' },
      { ask: /key id \(empty: keep the current one\)/, answer: '' },
      { ask: /secret key .*\(empty: keep the current one\)/, answer: 'K003newsecret' },
      { ask: /restic repository password/, answer: '' },
    ]);
    const probe = systemProbe();
    const seen: { repository?: string; env?: Record<string, string>; password?: string } = {};
    probe.openRepository = (access) => {
      Object.assign(seen, access);
      return Promise.reject(new Error('stop here'));
    };
    await assert.rejects(runWizard(wizard({ prompter, context: context(existing), probe })), /stop here/);
    assert.deepEqual(prompter.remaining(), []);
    assert.equal(prompter.defaults.get('where should the onsite copy go?'), 'none');
    assert.equal(prompter.defaults.get('B2 region of the bucket (e.g. us-west-004, eu-central-003)'), 'eu-central-003');
    assert.equal(prompter.defaults.get('restic repository password'), 'keep');
    assert.equal(seen.repository, 's3:https://s3.eu-central-003.backblazeb2.com/ann-backups/laptop');
    assert.deepEqual(seen.env, { AWS_ACCESS_KEY_ID: '003a0000000000000000000001', AWS_SECRET_ACCESS_KEY: 'K003newsecret' });
    assert.equal(seen.password, 'the old password');
  } finally {
    box.cleanup();
  }
});

test('the owner\'s name follows the custodians\' rule for printed text: a control character is refused by code point', async () => {
  const { ownerQuestion } = await import('../../src/wizard/steps-plan.js');
  const validate = ownerQuestion.validate;
  assert.ok(validate !== undefined);
  for (const [bad, code] of [['\u001b', 'U+001B'], ['\u009b', 'U+009B'], ['\u2028', 'U+2028']] as const) {
    assert.equal(validate(`Ann${bad}Owner`, {}), `must not hold the control character ${code}: it is printed on every sheet`);
  }
  assert.equal(validate('Ann Owner', {}), null);
});
