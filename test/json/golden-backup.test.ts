/**
 * Golden `--json` messages of the backup side (docs/json-output.md), each printed by the real command on one
 * sandboxed setup: init, both backups (real rsync, real restic on `rclone serve restic` at 127.0.0.1) with a hook
 * that prints and one that fails, check, status, schedule print/install/uninstall (systemd and cron, in the
 * sandbox's XDG_CONFIG_HOME), recover --onsite (list and restore), and errors (a missing config, a failed `before`
 * hook). The cases run in order on the same setup. See test/json/golden.ts for what is normalised.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setupId } from '../../src/adapters/paths.js';
import { ownerName } from '../../src/adapters/schedule-files.js';
import { packageRoot } from '../../src/paths.js';
import { writeChainedFile } from '../helpers/files.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';
import { expectGolden, messagesOf, ofType, type Message, type Normalising } from './golden.js';

const PASSWORD = 'golden-Restic-Password-7d41';

const root = mkdtempSync(join(tmpdir(), 'drkit-json-golden-'));
let server: RunningServer | undefined;
let config = '';
let env: Record<string, string> = {};


const rules = (): Normalising => ({
  literals: [[root, '<sandbox>'], [packageRoot(), '<drkit>'], [process.execPath, '<node>'], [setupId(config), '<setup>']],
  // restic's own metadata (trees with inode numbers and times) makes the size an offsite run adds vary
  keys: [{ key: 'bytesAdded', where: (object) => object.job === 'offsite' }],
});

before(async () => {
  const data = join(root, 'data');
  mkdirSync(join(data, 'letters'), { recursive: true });
  writeFileSync(join(data, 'letters', 'will.txt'), 'the photos go to Ann\n');
  writeChainedFile(join(data, 'photo.raw'), 200_000, 'golden photo');
  mkdirSync(join(root, 'usb'));
  mkdirSync(join(root, 'private'), { mode: 0o700 });
  const secrets = join(root, 'private', 'secrets.env');
  writeFileSync(secrets, `RESTIC_PASSWORD=${PASSWORD}\n`, { mode: 0o600 });
  server = await startRcloneRestServer({ dataDir: join(root, 'rest') });
  config = join(root, 'config.yaml');
  writeFileSync(config, [
    `sources: [${data}]`, `secrets: ${secrets}`, 'host: golden',
    'onsite:', `  target: ${join(root, 'usb')}`, '  hooks:', '    before: ["echo the disk is mounted"]', '    after: ["echo unmounting; exit 3"]',
    'offsite:', `  repository: ${server.repository}`, '  keep: { last: 2 }',
    '',
  ].join('\n'));
  env = {
    XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'xdg-config'), RESTIC_CACHE_DIR: join(root, 'restic-cache'),
    PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1',
  };
});
after(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function drkit(args: readonly string[], expected: number, withConfig = true): Promise<Message[]> {
  const result: CliResult = await runCli([...args, ...(withConfig ? ['--config', config] : []), '--json'], { env });
  assert.equal(result.exitStatus, expected, `drkit ${args.join(' ')}: ${result.stdout}\n${result.stderr}`);
  return messagesOf(result.stdout);
}

/** the last progress message of a job: how many come before it depends on the machine's speed */
const lastProgress = (messages: readonly Message[], job: string): Message[] => ofType(messages, 'progress').filter((message) => message.job === job).slice(-1);

test('init', async () => {
  expectGolden('init', 'init --yes (onsite folder, offsite on rclone serve restic)', await drkit(['init', '--yes'], 0), rules());
});

test('backup: start, progress, info, warning and done of both jobs', async () => {
  // exit 3: the onsite job's after hook failed, a warning
  const messages = await drkit(['backup'], 3);
  const name = 'backup (onsite with hooks, then offsite)';
  expectGolden('start', name, ofType(messages, 'start'), rules());
  expectGolden('progress', `${name}: the onsite job's last`, lastProgress(messages, 'onsite'), rules());
  expectGolden('info', name, ofType(messages, 'info'), rules());
  expectGolden('warning', name, ofType(messages, 'warning'), rules());
  expectGolden('done', name, ofType(messages, 'done'), rules());
  // the onsite `done` comes after its after hook, whose failure made the run a warning
  const order = messages.map((message) => `${message.message_type} ${JSON.stringify(message.job ?? null)}`);
  assert.ok(order.indexOf('warning "onsite"') < order.indexOf('done "onsite"'), order.join('\n'));
  for (const message of ofType(messages, 'progress')) assert.ok(message.job === 'onsite' || message.job === 'offsite');
});

test('check', async () => {
  const messages = await drkit(['check'], 0);
  expectGolden('start', 'check', ofType(messages, 'start'), rules());
  expectGolden('info', 'check', ofType(messages, 'info'), rules());
  expectGolden('done', 'check', ofType(messages, 'done'), rules());
});

test('status after the backups and the check', async () => {
  const [status] = await drkit(['status'], 0);
  assert.ok(status !== undefined);
  expectGolden('status', 'after backup and check, no kit, no schedule', [status], rules());
  // the onsite run's `done` said what the status file keeps: a warning, from the failed after hook
  const jobs = Array.isArray(status.jobs) ? status.jobs : [];
  const onsite = jobs.find((job) => job !== null && typeof job === 'object' && !Array.isArray(job) && job.job === 'onsite');
  assert.ok(onsite !== undefined && onsite !== null && typeof onsite === 'object' && !Array.isArray(onsite));
  const lastRun = onsite.lastRun;
  assert.ok(lastRun !== null && typeof lastRun === 'object' && !Array.isArray(lastRun));
  assert.equal(lastRun.outcome, 'warning');
});

test('schedule print, install and uninstall, systemd and cron', async () => {
  const user = ownerName();
  const scheduleRules: Normalising = {
    literals: [...rules().literals, [`enable-linger ${user}`, 'enable-linger <user>']],
    // whether the user manager lingers is the machine's, not drkit's
    keys: ['linger'],
  };
  expectGolden('schedule', 'schedule print', await drkit(['schedule', 'print'], 0), scheduleRules);
  expectGolden('schedule', 'schedule print --cron', await drkit(['schedule', 'print', '--cron'], 0), scheduleRules);
  const installed = await drkit(['schedule', 'install'], 0);
  // enableLinger is there exactly when linger is off
  for (const message of installed) assert.equal(message.enableLinger === undefined, message.linger === true);
  expectGolden('schedule', 'schedule install', installed.map(({ enableLinger: _enableLinger, ...message }) => message), scheduleRules);
  expectGolden('schedule', 'schedule install --cron', await drkit(['schedule', 'install', '--cron'], 0), scheduleRules);
  expectGolden('schedule_uninstall', 'schedule uninstall', await drkit(['schedule', 'uninstall'], 0), scheduleRules);
  expectGolden('schedule_uninstall', 'schedule uninstall --cron', await drkit(['schedule', 'uninstall', '--cron'], 0), scheduleRules);
  expectGolden('schedule_uninstall', 'schedule uninstall, nothing installed', await drkit(['schedule', 'uninstall'], 0), scheduleRules);
});

test('recover --onsite: the list, and a restore', async () => {
  const usb = join(root, 'usb');
  expectGolden('onsite_snapshots', 'recover --onsite DISK', await drkit(['recover', '--onsite', usb], 0, false), rules());
  const messages = await drkit(['recover', '--onsite', usb, '--restore-to', join(root, 'restored-onsite')], 0, false);
  expectGolden('restored_onsite', 'recover --onsite DISK --restore-to DIR', ofType(messages, 'restored_onsite'), rules());
  expectGolden('restore_progress', 'recover --onsite DISK --restore-to DIR: the last', ofType(messages, 'restore_progress').slice(-1), rules());
});

test('errors: a missing config, and a before hook that fails', async () => {
  expectGolden('error', 'status --config MISSING', await drkit(['status', '--config', join(root, 'missing.yaml')], 2, false), rules());
  const failing = join(root, 'failing.yaml');
  writeFileSync(failing, [
    `sources: [${join(root, 'data')}]`, 'host: golden',
    'onsite:', `  target: ${join(root, 'usb-2')}`, '  hooks:', '    before: ["echo the disk is not there; exit 1"]',
    '',
  ].join('\n'));
  const result = await runCli(['backup', '--config', failing, '--json'], { env });
  assert.equal(result.exitStatus, 4, result.stderr);
  const messages = messagesOf(result.stdout);
  expectGolden('error', 'backup, the before hook fails', ofType(messages, 'error'), rules());
  expectGolden('done', 'backup, the before hook fails', ofType(messages, 'done'), rules());
});
