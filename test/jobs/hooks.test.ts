import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ToolError } from '../../src/errors.js';
import type { JobHooks } from '../../src/config/types.js';
import { hookEnvironment, runHooks } from '../../src/jobs/hooks.js';
import type { JobEvent, Reporter } from '../../src/jobs/types.js';

const collect = (): Reporter & { events: JobEvent[] } => {
  const events: JobEvent[] = [];
  return { events, event: (event) => { events.push(event); } };
};
const hooks = (partial: Partial<JobHooks>): JobHooks => ({ before: [], after: [], failure: [], timeout: 60_000, timeoutText: '1m', ...partial });
const messages = (reporter: { events: JobEvent[] }): string[] => reporter.events.map((event) => ('message' in event ? event.message : event.type));

test('hooks run with /bin/sh -c in order, see DRKIT_JOB/OUTCOME/SNAPSHOT, and their output goes to the reporter', async () => {
  const reporter = collect();
  const problems = await runHooks('after', hooks({ after: ['echo "job=$DRKIT_JOB outcome=$DRKIT_OUTCOME snap=$DRKIT_SNAPSHOT hook=$DRKIT_HOOK"', 'echo to-stderr >&2; echo second'] }),
    { job: 'offsite', outcome: 'warning', snapshotId: 'abcd1234' }, reporter);
  assert.deepEqual(problems, []);
  const lines = messages(reporter);
  assert.equal(lines[0], 'after hook 1: job=offsite outcome=warning snap=abcd1234 hook=after');
  // stdout and stderr are two pipes: their lines keep their own order, not each other's
  assert.deepEqual(lines.slice(1).sort(), ['after hook 2: second', 'after hook 2: to-stderr']);
  assert.ok(reporter.events.every((event) => event.type === 'info' && event.job === 'offsite'));
});

test('a hook\'s environment holds no secret drkit was started with', async () => {
  const base = { PATH: '/usr/bin:/bin', HOME: '/home/ann', RESTIC_PASSWORD: 's3cret-pw', RESTIC_REPOSITORY: 'rest:https://ann:pw@host/repo', AWS_SECRET_ACCESS_KEY: 'aws-secret',
    B2_ACCOUNT_KEY: 'b2-key', GITHUB_TOKEN: 'tok', MY_DB_PASSWORD: 'db', DRKIT_OUTCOME: 'forged', SSH_AUTH_SOCK: '/run/agent' };
  const env = hookEnvironment('before', { job: 'onsite' }, base);
  assert.deepEqual(env, { PATH: '/usr/bin:/bin', HOME: '/home/ann', SSH_AUTH_SOCK: '/run/agent', DRKIT_JOB: 'onsite', DRKIT_HOOK: 'before', DRKIT_OUTCOME: '', DRKIT_SNAPSHOT: '' });
  // and the real process: a secret in drkit's environment does not reach the command
  process.env.RESTIC_PASSWORD = 'not-for-hooks';
  try {
    const reporter = collect();
    await runHooks('before', hooks({ before: ['env'] }), { job: 'onsite' }, reporter);
    const printed = messages(reporter).join('\n');
    assert.match(printed, /DRKIT_JOB=onsite/);
    assert.doesNotMatch(printed, /not-for-hooks|RESTIC_PASSWORD/);
  } finally {
    delete process.env.RESTIC_PASSWORD;
  }
});

test('a failing before hook throws E_HOOK_FAILED naming the hook, and the commands after it do not run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-hooks-'));
  try {
    const reporter = collect();
    await assert.rejects(runHooks('before', hooks({ before: ['echo mounting; exit 3', `touch ${dir}/ran`] }), { job: 'onsite' }, reporter),
      (error: unknown) => error instanceof ToolError && error.code === 'E_HOOK_FAILED' && error.exitStatus === 3
        && error.message === 'onsite.hooks.before[0] `echo mounting; exit 3` exited with status 3');
    assert.equal(existsSync(join(dir, 'ran')), false);
    assert.deepEqual(messages(reporter), ['before hook 1: mounting']);
    // after and failure hooks run every command and return the failures
    const problems = await runHooks('failure', hooks({ failure: ['exit 1', `touch ${dir}/ran`] }), { job: 'check', outcome: 'failed' }, collect());
    assert.deepEqual(problems, ['offsite.check.hooks.failure[0] `exit 1` exited with status 1']);
    assert.equal(existsSync(join(dir, 'ran')), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hook that outlives its timeout is stopped with its children', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-hooks-'));
  try {
    // the shell starts a child that keeps the output pipe open: only stopping the whole group ends the hook
    const command = `sleep 30 & echo $! > ${dir}/child; wait`;
    await assert.rejects(runHooks('before', hooks({ before: [command], timeout: 300, timeoutText: '300ms' }), { job: 'offsite' }, collect()),
      (error: unknown) => error instanceof ToolError && error.code === 'E_HOOK_FAILED' && /did not finish within hooks\.timeout 300ms and was stopped$/.test(error.message)
        && (error.details as { timedOut: boolean }).timedOut);
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(child, 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the hook\'s child was stopped too');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no hooks, no commands', async () => {
  const reporter = collect();
  assert.deepEqual(await runHooks('before', undefined, { job: 'onsite' }, reporter), []);
  assert.deepEqual(reporter.events, []);
});

test('a URL password in a hook\'s output or its command is hidden, in the events and in the error', async () => {
  const reporter = collect();
  const command = 'echo "pushing to https://ann:Hook-Pass-9@nas.local/x" >&2; : https://bob:Other-Pass-7@api.local/ping; exit 4';
  await assert.rejects(runHooks('before', hooks({ before: [command] }), { job: 'offsite' }, reporter), (error: unknown) => {
    assert.ok(error instanceof ToolError);
    assert.doesNotMatch(`${error.message}\n${error.stderrTail ?? ''}`, /Hook-Pass-9|Other-Pass-7/);
    assert.match(error.message, /https:\/\/bob:…@api\.local/);
    return true;
  });
  const printed = messages(reporter).join('\n');
  assert.match(printed, /https:\/\/ann:…@nas\.local\/x/);
  assert.doesNotMatch(printed, /Hook-Pass-9|https:\/\/bob:Other-Pass-7/);
});
