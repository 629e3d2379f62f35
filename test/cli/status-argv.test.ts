/**
 * `drkit status` has a light argv path (src/commands/quick-args.ts quickStatusOptions: `status`, `--json`, `--config PATH` or
 * `--config=PATH`, each at most once) that skips commander, for start-up. What it prints, and its exit code, must be
 * what commander's path prints: the same arguments written so the light path declines them (an option given twice)
 * go through commander, and the two are compared, on a real setup (real rsync) and for a missing config.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'drkit-status-argv-'));
const config = join(root, 'config.yaml');
const env = { XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'xdg-config'), PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' };

before(async () => {
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'will.txt'), 'the photos go to Ann\n');
  mkdirSync(join(root, 'usb'));
  writeFileSync(config, `sources: [${join(root, 'data')}]\nhost: argv\nonsite:\n  target: ${join(root, 'usb')}\n`);
  for (const args of [['init', '--yes'], ['backup', 'onsite']]) {
    const result = await runCli([...args, '--config', config], { env });
    assert.equal(result.exitStatus, 0, result.stderr);
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

/** what may differ between two runs a second apart: the ages and the clock */
const steady = (result: CliResult): string => `exit ${String(result.exitStatus)}\n${result.stdout}\n${result.stderr}`
  .replace(/\(\d+s ago/g, '(Ns ago').replace(/"now":"[^"]+"/g, '"now":"…"').replace(/"ageMs":\d+/g, '"ageMs":0');

async function same(light: readonly string[], viaCommander: readonly string[]): Promise<CliResult> {
  const quick = await runCli(light, { env });
  const full = await runCli(viaCommander, { env });
  assert.equal(steady(quick), steady(full), `drkit ${light.join(' ')} vs drkit ${viaCommander.join(' ')}`);
  return quick;
}

test('status, status --json and --config=PATH print what commander\'s path prints', async () => {
  const text = await same(['status', '--config', config], ['status', '--config', config, '--config', config]);
  assert.equal(text.exitStatus, 0, text.stderr);
  assert.match(text.stdout, /^onsite: ok\n/);
  const json = await same(['status', '--json', '--config', config], ['status', '--config', config, '--json', '--json']);
  assert.match(json.stdout, /^\{"message_type":"status",/);
  await same([`status`, `--config=${config}`], ['status', '--config', config, `--config=${config}`]);
});

test('status with a missing config: the same error, hint and exit code on both paths, with and without --json', async () => {
  const missing = join(root, 'missing.yaml');
  const text = await same(['status', '--config', missing], ['status', '--config', missing, '--config', missing]);
  assert.equal(text.exitStatus, 2);
  assert.match(text.stderr, /^error: config file .*missing\.yaml does not exist\nhint: /);
  const json = await same(['status', '--config', missing, '--json'], ['status', '--config', missing, '--json', '--json']);
  assert.match(json.stdout, /"code":"E_CONFIG_MISSING"/);
});

test('what the light path declines goes to commander: help, unknown options, a missing value', async () => {
  const help = await runCli(['status', '--help'], { env: { COLUMNS: '80', NO_COLOR: '1' } });
  assert.equal(help.exitStatus, 0);
  assert.match(help.stdout, /^Usage: drkit status/);
  const unknown = await runCli(['status', '--bogus'], { env });
  assert.equal(unknown.exitStatus, 2);
  assert.match(unknown.stderr, /^error: unknown option '--bogus'\nhint: drkit --help lists the commands/);
  const noValue = await runCli(['status', '--config'], { env });
  assert.equal(noValue.exitStatus, 2);
  assert.match(noValue.stderr, /^error: option '--config <path>' argument missing\nhint: /);
});
