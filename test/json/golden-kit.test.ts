/**
 * Golden `--json` messages of the kit side (docs/json-output.md), each printed by the real command on one
 * sandboxed setup with an offsite repository on `rclone serve restic` at 127.0.0.1: kit create (text, then PDF),
 * kit verify (an envelope, a sheet PDF), recover (credentials, and a restore with its progress), drill (via drkit
 * recover, in bwrap), drill --live and --record, status with a kit and drills, and kit print to a private CUPS
 * queue. The cases run in order on the same setup and kit. See test/json/golden.ts for what is normalised.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setupId } from '../../src/adapters/paths.js';
import { packageRoot } from '../../src/paths.js';
import { writeChainedFile } from '../helpers/files.js';
import { runCli } from '../helpers/cli.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';
import { cupsInstalled, startPrivateCups } from '../wizard/cups.js';
import { expectGolden, messagesOf, ofType, type Message, type Normalising } from './golden.js';

const PASSWORD = 'golden-kit-Restic-Password-2c9e';
const CUSTODIANS = 'Ann Smith <ann@example.org>,Ben Jones <+44 20 7946 0002>,Cy Young';

const root = mkdtempSync(join(tmpdir(), 'drkit-json-golden-kit-'));
let server: RunningServer | undefined;
let config = '';
let env: Record<string, string> = {};
/** kit ids are random: each is replaced by its name in the goldens */
const kitIds: Array<[string, string]> = [];

const rules = (): Normalising => ({
  literals: [[root, '<sandbox>'], [packageRoot(), '<drkit>'], [setupId(config), '<setup>'], ...kitIds],
  keys: [
    // each share's fingerprint comes from the random key; the kit's keyed fingerprint of the credentials too
    'fingerprint', 'fingerprints',
    // gpg, python and bwrap are the machine's (restic is the one on PATH, as for every case)
    'versions',
    { key: 'bytesAdded', where: (object) => object.job === 'offsite' },
    // the envelope holds the repository's URL, whose port is a free one of the moment
    { key: 'bytes', where: (object) => object.kind === 'envelope' },
  ],
});

before(async () => {
  const data = join(root, 'data');
  mkdirSync(join(data, 'letters'), { recursive: true });
  writeFileSync(join(data, 'letters', 'will.txt'), 'the photos go to Ann\n');
  writeChainedFile(join(data, 'photo.raw'), 150_000, 'golden kit photo');
  mkdirSync(join(root, 'private'), { mode: 0o700 });
  const secrets = join(root, 'private', 'secrets.env');
  writeFileSync(secrets, `RESTIC_PASSWORD=${PASSWORD}\n`, { mode: 0o600 });
  server = await startRcloneRestServer({ dataDir: join(root, 'rest') });
  config = join(root, 'config.yaml');
  writeFileSync(config, [
    `sources: [${data}]`, `secrets: ${secrets}`, 'host: golden',
    'offsite:', `  repository: ${server.repository}`, '  keep: { last: 5 }',
    'kit:', '  owner: Ann Smith', '  notes: the photos are also on the blue disk',
    '',
  ].join('\n'));
  env = {
    XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'xdg-config'), RESTIC_CACHE_DIR: join(root, 'restic-cache'),
    PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1',
  };
  const init = await runCli(['init', '--yes', '--config', config], { env });
  assert.equal(init.exitStatus, 0, init.stderr);
  const backup = await runCli(['backup', 'offsite', '--config', config], { env });
  assert.equal(backup.exitStatus, 0, backup.stderr);
});
after(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function drkit(args: readonly string[], expected = 0): Promise<Message[]> {
  const result = await runCli([...args, '--json'], { env });
  assert.equal(result.exitStatus, expected, `drkit ${args.join(' ')}: ${result.stdout}\n${result.stderr}`);
  return messagesOf(result.stdout);
}

const kit = (name: string): string => join(root, 'kit', name);
const textKit = (name: string): string => join(root, 'kit-text', name);

async function createKit(name: string, args: readonly string[]): Promise<Message[]> {
  const messages = await drkit(['kit', 'create', '--config', config, '--custodians', CUSTODIANS, '--threshold', '2', ...args]);
  const created = ofType(messages, 'kit_created')[0];
  assert.ok(created !== undefined && typeof created.kitId === 'string');
  kitIds.push([created.kitId, name]);
  return messages;
}

test('kit create --format text, and kit verify of its envelope', async () => {
  expectGolden('kit_created', 'kit create --config --format text', await createKit('<text-kit>', ['--format', 'text', '--out', join(root, 'kit-text')]), rules());
  expectGolden('verified', 'kit verify envelope.txt', await drkit(['kit', 'verify', textKit('envelope.txt')]), rules());
  expectGolden('verified', 'kit verify share-2.txt', await drkit(['kit', 'verify', textKit('share-2.txt')]), rules());
});

test('kit create (PDF), and kit verify of a sheet', async () => {
  expectGolden('kit_created', 'kit create --config (PDF)', await createKit('<kit>', ['--out', join(root, 'kit')]), rules());
  expectGolden('verified', 'kit verify sheet-1.pdf', await drkit(['kit', 'verify', kit('sheet-1.pdf')]), rules());
});

test('recover: the credentials, then a restore of the newest snapshot', async () => {
  // the snapshot the drills use is made after the kit, so it holds the kit's canary
  const backup = await runCli(['backup', 'offsite', '--config', config], { env });
  assert.equal(backup.exitStatus, 0, backup.stderr);
  expectGolden('recovered', 'recover --from 2 sheets --envelope --out', await drkit(['recover', '--from', kit('sheet-1.pdf'), kit('sheet-3.pdf'), '--envelope', kit('sheet-2.pdf'), '--out', join(root, 'credentials.json')]), rules());
  const restored = await drkit(['recover', '--from', kit('sheet-2.pdf'), kit('sheet-3.pdf'), '--envelope', kit('sheet-3.pdf'), '--restore-to', join(root, 'restored')]);
  expectGolden('recovered', 'recover --from 2 sheets --restore-to', ofType(restored, 'recovered'), rules());
  // one a second and a last one: how many come before the last depends on the machine's speed
  expectGolden('restore_progress', 'recover --restore-to (restic): the last', ofType(restored, 'restore_progress').slice(-1), rules());
});

// the live drill runs before the drill from the kit folder: that drill (main as of 2026-12-01) can leave a
// restic lock in the repository, taken in its bwrap room under a PID that is some other process on this host, so
// restic does not see it as stale and the live drill's `restic check` then fails as locked
test('drill --live with two sheets, then --record of its certificate (twice)', async () => {
  const out = join(root, 'certificate');
  mkdirSync(out);
  const live = await drkit(['drill', '--live', '--from', kit('sheet-1.pdf'), '--from', kit('sheet-2.pdf'), '--envelope', kit('sheet-1.pdf'), '--out', out]);
  // the live drill shows the restore's progress as recover does: its messages are restore_progress ones
  expectGolden('drill_live', 'drill --live --from 2 sheets', ofType(live, 'drill_live'), rules());
  expectGolden('restore_progress', 'drill --live (restic): the last', ofType(live, 'restore_progress').slice(-1), rules());
  assert.deepEqual([...new Set(live.map((message) => message.message_type))].sort(), ['drill_live', 'restore_progress']);
  const certificate = ofType(live, 'drill_live')[0]?.certificate;
  assert.ok(certificate !== null && typeof certificate === 'object' && !Array.isArray(certificate) && typeof certificate.text === 'string');
  expectGolden('drill_recorded', 'drill --record CERT', await drkit(['drill', '--record', certificate.text, '--config', config]), rules());
  expectGolden('drill_recorded', 'drill --record CERT, again', await drkit(['drill', '--record', certificate.text, '--config', config]), rules());
});

test('drill via drkit recover, sheets 1 and 3', async () => {
  expectGolden('drill', 'drill --via tool --sheets 1,3', await drkit(['drill', '--config', config, '--kit', join(root, 'kit'), '--via', 'tool', '--sheets', '1,3']), rules());
});

test('status with a kit, a drill and a live drill', async () => {
  // exit 5: no repository check has run in this setup
  expectGolden('status', 'offsite only, after a kit, a drill and a live drill; no check yet', await drkit(['status', '--config', config], 5), rules());
});

test('kit print to a private CUPS queue', { skip: cupsInstalled() ? false : 'CUPS is not installed (scripts/install-system-deps.sh installs cups, cups-bsd)' }, async () => {
  const cups = await startPrivateCups();
  try {
    const result = await runCli(['kit', 'print', join(root, 'kit'), '--printer', cups.printer, '--yes', '--json'], { env: { ...env, CUPS_SERVER: cups.socket } });
    assert.equal(result.exitStatus, 0, `${result.stdout}\n${result.stderr}`);
    const messages = messagesOf(result.stdout);
    // the queue's job ids count up from wherever this scheduler's are
    expectGolden('printed', 'kit print DIR --printer --yes', messages, { ...rules(), keys: [...(rules().keys ?? []), 'jobs'] });
    for (const message of messages) assert.ok(Array.isArray(message.jobs) && message.jobs.every((id) => typeof id === 'string' && id.startsWith(`${cups.printer}-`)));
  } finally {
    await cups.stop();
  }
});
