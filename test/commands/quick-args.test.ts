/**
 * `drkit backup` and `drkit check` have a light argv path (src/commands/quick-args.ts) that skips commander: it
 * must give the options commander's action would (job, json, config) and decline everything else, so help texts
 * and usage errors stay commander's. A mistake given through the light path must end as commander's usage error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quickBackupOptions, quickStatusOptions } from '../../src/commands/quick-args.js';
import { runCli } from '../helpers/cli.js';

test('the light path reads what commander would pass', () => {
  assert.deepEqual(quickBackupOptions(['backup']), { json: false, job: 'all' });
  assert.deepEqual(quickBackupOptions(['backup', 'offsite']), { json: false, job: 'offsite' });
  assert.deepEqual(quickBackupOptions(['backup', '--json', 'onsite', '--config', '/c.yaml']), { json: true, job: 'onsite', config: '/c.yaml' });
  assert.deepEqual(quickBackupOptions(['backup', '--config=/c.yaml', 'all']), { json: false, job: 'all', config: '/c.yaml' });
  assert.deepEqual(quickBackupOptions(['check', '--config', 'c.yaml', '--json']), { json: true, job: 'check', config: 'c.yaml' });
});

test('anything else is left to commander', () => {
  for (const args of [
    ['status'], ['backup', '--help'], ['backup', 'nothing'], ['backup', 'onsite', 'offsite'], ['backup', '--json', '--json'],
    ['backup', '--config'], ['backup', '--config', '--json'], ['backup', '--config='], ['backup', '--config', 'a', '--config', 'b'],
    ['check', 'offsite'], ['backup', '--', 'onsite'], ['backup', '-h'],
  ]) assert.equal(quickBackupOptions(args), null, args.join(' '));
});

test('a job commander does not know is its usage error (exit 2), not the light path\'s', async () => {
  const result = await runCli(['backup', 'nothing'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' } });
  assert.equal(result.exitStatus, 2, result.stderr);
  assert.match(result.stderr, /nothing/);
});

test('status: --json and --config at most once, nothing else', () => {
  assert.deepEqual(quickStatusOptions(['status']), { json: false });
  assert.deepEqual(quickStatusOptions(['status', '--config=/c.yaml', '--json']), { json: true, config: '/c.yaml' });
  for (const args of [['status', 'offsite'], ['status', '--json', '--json'], ['status', '--config'], ['status', '--help'], ['backup']]) {
    assert.equal(quickStatusOptions(args), null, args.join(' '));
  }
});
