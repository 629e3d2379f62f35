/**
 * `drkit init --answers FILE --yes` through the built CLI, against a real `rclone serve restic` on 127.0.0.1 and
 * a folder as the onsite disk: the files written and their modes, the marker, the repository, a first backup; then
 * a second run that edits the setup and keeps what it does not own.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { parseSecrets } from '../../src/adapters/secrets.js';
import { runCli } from '../helpers/cli.js';
import { runProgram } from '../../src/adapters/exec.js';
import { startRcloneRestServer } from '../helpers/servers.js';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

interface Env { HOME: string; XDG_CONFIG_HOME: string; XDG_STATE_HOME: string; XDG_CACHE_HOME: string }

function setup(): { root: string; source: string; usb: string; env: Env & Record<string, string>; config: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'drkit-wizard-cli-'));
  const source = join(root, 'data');
  mkdirSync(join(source, 'docs'), { recursive: true });
  writeFileSync(join(source, 'docs', 'letter.txt'), 'dear custodian\n');
  writeFileSync(join(source, 'photo.raw'), Buffer.alloc(32 * 1024, 9));
  const usb = join(root, 'usb');
  mkdirSync(usb);
  const home = join(root, 'home');
  mkdirSync(home);
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state'), XDG_CACHE_HOME: join(home, '.cache') };
  return { root, source, usb, env, config: join(home, '.config', 'drkit', 'config.yaml'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test('init --answers FILE --yes: config, secrets, marker, repository, a first backup, the kit and its drill, without a terminal', async () => {
  const box = setup();
  const server = await startRcloneRestServer();
  try {
    const answers = join(box.root, 'answers.yaml');
    writeFileSync(answers, [
      `sources: [${box.source}]`, 'exclude: ["*.tmp"]', 'onsite: folder', `onsiteTarget: ${join(box.usb, 'drkit')}`,
      'offsite: url', `repositoryUrl: ${server.repository}`, 'passwordMode: generate', 'onsiteSchedule: daily', 'offsiteSchedule: daily at 02:30',
      'custodians:', '  - { name: Ann, contact: phone 0101 }', '  - { name: Ben, contact: ben@example.org }', '  - { name: Cy, contact: "" }',
      'threshold: 2', 'owner: Ann Owner', 'onsiteDescription: USB disk in the hall cupboard', 'then: [backup, kit, drill]', `kitOut: ${join(box.root, 'kit')}`, '',
    ].join('\n'));
    const first = await runCli(['init', '--answers', answers, '--yes'], { env: box.env });
    assert.equal(first.exitStatus, 0, first.stderr);

    const secretsFile = join(box.env.XDG_CONFIG_HOME, 'drkit', 'secrets', 'secrets.env');
    assert.equal(mode(box.config), '600');
    assert.equal(mode(join(box.env.XDG_CONFIG_HOME, 'drkit', 'secrets')), '700');
    assert.equal(mode(secretsFile), '600');
    const secrets = parseSecrets(readFileSync(secretsFile, 'utf8'), secretsFile);
    const password = secrets.RESTIC_PASSWORD ?? '';
    assert.match(password, /^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    assert.ok(!first.stdout.includes(password) && !first.stderr.includes(password), 'a generated password is not printed without a terminal');
    const configText = readFileSync(box.config, 'utf8');
    assert.ok(!configText.includes(password));
    const config = parseConfig(configText, box.config);
    assert.deepEqual(config.sources, [box.source]);
    assert.equal(config.onsite?.target, join(box.usb, 'drkit'));
    assert.equal(config.offsite?.repository, server.repository);
    assert.deepEqual(config.offsite?.schedule, { every: 'daily', at: '02:30' });
    assert.equal(config.secrets, secretsFile);
    const record = readFileSync(join(box.env.XDG_CONFIG_HOME, 'drkit', 'answers.yaml'), 'utf8');
    assert.ok(!record.includes(password));
    assert.match(record, /name: Ann\n\s+contact: phone 0101/);

    const marker = readFileSync(join(box.usb, 'drkit', '.drkit-target'), 'utf8').trim();
    const status = JSON.parse(readFileSync(join(box.env.XDG_STATE_HOME, 'drkit', 'status.json'), 'utf8')) as {
      onsite: { markerId: string }; offsite: { repositoryId: string }; runs: { job: string; outcome: string; filesTotal?: number }[];
    };
    assert.equal(status.onsite.markerId, marker);
    assert.match(status.offsite.repositoryId, /^[0-9a-f]{64}$/);
    // the first backup, then once more offsite after the kit, so the backup carries the kit's canary (3 files)
    assert.deepEqual(status.runs.map((run) => [run.job, run.outcome, run.filesTotal]), [['onsite', 'success', 2], ['offsite', 'success', 2], ['offsite', 'success', 3]]);
    const hostFolder = readdirSync(join(box.usb, 'drkit')).find((name) => !name.startsWith('.')) ?? '';
    const snapshots = readdirSync(join(box.usb, 'drkit', hostFolder)).filter((name) => /^\d{4}-/.test(name));
    assert.equal(snapshots.length, 1);
    assert.equal(readFileSync(join(box.usb, 'drkit', hostFolder, snapshots[0] ?? '', box.source, 'docs', 'letter.txt'), 'utf8'), 'dear custodian\n');
    assert.match(first.stderr, /created the repository: id [0-9a-f]{8}/);

    // the kit, built from the config and secrets just written, and checked against the repository before sealing
    assert.deepEqual(readdirSync(join(box.root, 'kit')).sort(), ['checklist.pdf', 'guide.pdf', 'kit.json', 'sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf']);
    const kitRecord = JSON.parse(readFileSync(join(box.root, 'kit', 'kit.json'), 'utf8')) as { threshold: number; custodians: { name: string; contact?: string }[] };
    assert.equal(kitRecord.threshold, 2);
    assert.deepEqual(kitRecord.custodians.map((custodian) => [custodian.name, custodian.contact]), [['Ann', 'phone 0101'], ['Ben', 'ben@example.org'], ['Cy', undefined]]);
    // and the drill of that kit, offered once the kit exists: passed and recorded
    assert.match(first.stdout + first.stderr, /drill passed/i);
    const sheet = await runProgram('pdftotext', ['-layout', join(box.root, 'kit', 'sheet-1.pdf'), '-']);
    assert.match(sheet.stdout, /for Ann Owner/);
    const guide = await runProgram('pdftotext', ['-layout', join(box.root, 'kit', 'guide.pdf'), '-']);
    assert.match(guide.stdout.replace(/\s+/g, ' '), /USB disk in the hall cupboard/);

    // the owner adds a key of their own, then edits the setup with the wizard's record as the answers
    writeFileSync(box.config, `${configText}# mine\n`.replace('offsite:\n', 'offsite:\n  tags: [laptop]\n'));
    const edit = await runCli(['init', '--answers', join(box.env.XDG_CONFIG_HOME, 'drkit', 'answers.yaml'), '--offsite-schedule', 'daily at 04:00', '--yes'], { env: box.env });
    assert.equal(edit.exitStatus, 0, edit.stderr);
    const edited = parseConfig(readFileSync(box.config, 'utf8'), box.config);
    assert.deepEqual(edited.offsite?.tags, ['laptop'], 'a key the wizard does not ask about is kept');
    assert.deepEqual(edited.offsite?.schedule, { every: 'daily', at: '04:00' });
    assert.match(readFileSync(box.config, 'utf8'), /# mine/);
    assert.equal(parseSecrets(readFileSync(secretsFile, 'utf8'), secretsFile).RESTIC_PASSWORD, password, 'the password is kept');
    assert.match(edit.stderr, /opened the repository: id/);
    assert.equal(readFileSync(join(box.usb, 'drkit', '.drkit-target'), 'utf8').trim(), marker, 'the marker is kept');
  } finally {
    await server.stop();
    box.cleanup();
  }
});

test('init without a terminal and without --yes is a usage error; an answers file with secrets must be private', async () => {
  const box = setup();
  try {
    const bare = await runCli(['init'], { env: box.env });
    assert.equal(bare.exitStatus, 2);
    assert.match(bare.stderr, /^error: drkit init asks its questions in a terminal, and this is not one\nhint: answer them in a file and run: drkit init --answers FILE --yes/);
    const answers = join(box.root, 'answers.yaml');
    writeFileSync(answers, `sources: [${box.source}]\npassword: a secret of mine\n`);
    chmodSync(answers, 0o644);
    const open = await runCli(['init', '--answers', answers, '--yes'], { env: box.env });
    assert.equal(open.exitStatus, 2);
    assert.match(open.stderr, /holds secrets .* but others can read it\nhint: chmod 600/);
    assert.ok(!open.stderr.includes('a secret of mine'));
    const missing = await runCli(['init', '--source', box.source, '--onsite', 'none', '--offsite', 'none', '--yes'], { env: box.env });
    assert.equal(missing.exitStatus, 2);
    assert.match(missing.stderr, /must configure at least one job: onsite or offsite/);
    assert.ok(!statSync(box.config, { throwIfNoEntry: false }), 'nothing was written');
  } finally {
    box.cleanup();
  }
});
