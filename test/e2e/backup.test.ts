/**
 * End to end: the built CLI (`npm run build` first; dist/src/cli.js) with real restic, rsync and rclone, no mocks.
 * - init + backup all against a local restic repository and a local onsite target, then status;
 * - the same against `rest:` through `rclone serve restic` on 127.0.0.1; the server stopped mid-backup gives a
 *   clear error and a recorded failure, and the next run succeeds with the earlier snapshot intact;
 * - no secret in any process's command line during a backup (sampled from /proc), in the status file or in output;
 * - a wrong password and a secrets file with a loose mode are refused with messages that say what to do.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { setupId } from '../../src/adapters/paths.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli.js');
const PASSWORD = 'e2e-Restic-Password-4f9a1c';
const BACKEND_SECRET = 'e2e-backend-token-77c1d0';

interface Setup {
  root: string;
  config: string;
  secrets: string;
  source: string;
  target: string;
  env: NodeJS.ProcessEnv;
  stateFile: string;
}

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

let scratch: string;
before(() => {
  assert.ok(existsSync(CLI), `run npm run build first: ${CLI} is missing`);
  scratch = mkdtempSync(join(tmpdir(), 'drkit-e2e-backup-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function makeSetup(name: string, repository: string, extraOffsite = ''): Setup {
  const root = join(scratch, name);
  const source = join(root, 'data');
  mkdirSync(join(source, 'letters'), { recursive: true });
  writeFileSync(join(source, 'letters', 'will.txt'), 'the photos go to Ann\n');
  writeFileSync(join(source, 'notes.md'), '# notes\n');
  const target = join(root, 'usb');
  mkdirSync(target);
  const secretsDir = join(root, 'private');
  mkdirSync(secretsDir, { mode: 0o700 });
  const secrets = join(secretsDir, 'secrets.env');
  writeFileSync(secrets, `RESTIC_PASSWORD=${PASSWORD}\nDRKIT_TEST_TOKEN=${BACKEND_SECRET}\n`, { mode: 0o600 });
  const config = join(root, 'config.yaml');
  writeFileSync(config, [
    `sources: [${source}]`, `secrets: ${secrets}`, 'host: e2e',
    'onsite:', `  target: ${target}`, '  maxAge: 26h',
    'offsite:', `  repository: ${repository}`, '  keep: { last: 10 }', '  maxAge: 26h', extraOffsite, '',
  ].join('\n'));
  const env = { ...process.env, XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'config'), RESTIC_CACHE_DIR: join(root, 'cache') };
  return { root, config, secrets, source, target, env, stateFile: join(root, 'state', 'drkit', 'setups', setupId(config), 'status.json') };
}

function drkit(setup: Setup, args: readonly string[], onStdoutLine?: (line: string) => void): Promise<CliRun> & { pid: number | undefined } {
  const child = spawn(process.execPath, [CLI, ...args, '--config', setup.config], { env: setup.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onStdoutLine?.(line);
  });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<CliRun>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return Object.assign(done, { pid: child.pid });
}

function records(setup: Setup): { job: string; outcome: string; error?: { code: string; message: string }; snapshotId?: string }[] {
  return (JSON.parse(readFileSync(setup.stateFile, 'utf8')) as { runs: { job: string; outcome: string; error?: { code: string; message: string } }[] }).runs;
}

/** Every process's argv, sampled every few ms until `stop` resolves. */
async function sampleCmdlines(stop: Promise<unknown>): Promise<{ samples: number; offending: string[] }> {
  let running = true;
  void stop.then(() => { running = false; });
  const offending: string[] = [];
  let samples = 0;
  while (running) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      if (cmdline.includes(PASSWORD) || cmdline.includes(BACKEND_SECRET)) offending.push(cmdline);
      // argv[0] itself: the test runner's command line names files like restic-real.test.js
      if (/^(\S*\/)?(restic|rsync) /.test(cmdline)) samples += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { samples, offending };
}

function assertNoSecret(what: string, text: string): void {
  assert.ok(!text.includes(PASSWORD), `${what} holds the restic password`);
  assert.ok(!text.includes(BACKEND_SECRET), `${what} holds a backend secret`);
}

describe('drkit backup, end to end', () => {
  test('local repository and local target: init, backup all, status; no secret in argv, state or output', async () => {
    const setup = makeSetup('local', join(scratch, 'local', 'repo'));
    const init = await drkit(setup, ['init', '--yes']);
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, /^onsite: wrote marker [0-9a-f-]{36} to /m);

    const stale = await drkit(setup, ['status']);
    assert.equal(stale.status, 5, 'nothing backed up yet: stale');

    const run = drkit(setup, ['backup', 'all', '--json']);
    const sampled = await sampleCmdlines(run);
    const backup = await run;
    assert.equal(backup.status, 0, backup.stderr);
    assert.ok(sampled.samples > 0, 'restic or rsync was seen running');
    assert.deepEqual(sampled.offending, []);
    const events = backup.stdout.trim().split('\n').map((line) => JSON.parse(line) as { message_type: string; job: string; result?: { outcome: string } });
    assert.deepEqual(events.filter((event) => event.message_type === 'done').map((event) => [event.job, event.result?.outcome]), [['onsite', 'success'], ['offsite', 'success']]);
    assert.ok(events.some((event) => event.message_type === 'start' && event.job === 'offsite'));

    // a repository never checked is a finding of its own: status stays non-zero until the first `drkit check`
    const unchecked = await drkit(setup, ['status', '--json']);
    assert.equal(unchecked.status, 5, unchecked.stdout);
    const check = await drkit(setup, ['check']);
    assert.equal(check.status, 0, check.stderr);

    const status = await drkit(setup, ['status', '--json']);
    assert.equal(status.status, 0, status.stdout);
    const report = JSON.parse(status.stdout) as { stale: boolean; jobs: { job: string; state: string; lastGood: { snapshotCount: number } }[]; lastDrill: null };
    assert.deepEqual(report.jobs.map((job) => [job.job, job.state]), [['onsite', 'ok'], ['offsite', 'ok'], ['check', 'ok']]);
    assert.equal(report.lastDrill, null);

    for (const [what, text] of [['init output', init.stdout + init.stderr], ['backup output', backup.stdout + backup.stderr],
      ['status output', status.stdout], ['status file', readFileSync(setup.stateFile, 'utf8')]] as const) assertNoSecret(what, text);
    const files = readdirSync(join(setup.root, 'state', 'drkit'), { recursive: true }) as string[];
    for (const file of files) {
      const path = join(setup.root, 'state', 'drkit', file);
      try { assertNoSecret(path, readFileSync(path, 'utf8')); } catch (error) { if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error; }
    }
  });

  test('rest: through rclone serve restic; server stopped mid-backup → failure recorded; the next run succeeds', async () => {
    const server: RunningServer = await startRcloneRestServer({ dataDir: join(scratch, 'rest-data') });
    try {
      const setup = makeSetup('rest', server.repository, '  retries: 1\n  giveUpAfter: 5s');
      assert.equal((await drkit(setup, ['init', '--yes'])).status, 0);
      const first = await drkit(setup, ['backup', 'offsite']);
      assert.equal(first.status, 0, first.stderr);

      // enough new data that the backup is still running when the server goes away
      const big = join(setup.source, 'video');
      mkdirSync(big);
      for (let index = 0; index < 12; index++) writeFileSync(join(big, `part${index}.bin`), Buffer.from(Array.from({ length: 8 * 1024 * 1024 }, (_, i) => (i * 2654435761 + index * 97) % 251)));
      let stopped: Promise<void> | undefined;
      const failing = await drkit(setup, ['backup', 'offsite', '--json'], (line) => {
        if (stopped === undefined && line.includes('"message_type":"progress"')) stopped = server.stop();
      });
      await stopped;
      assert.ok(stopped !== undefined, 'the backup reported progress before the server was stopped');
      assert.equal(failing.status, 4, `${failing.stdout}\n${failing.stderr}`);
      const error = failing.stdout.trim().split('\n').map((line) => JSON.parse(line) as { message_type: string; code?: string; message?: string }).find((event) => event.message_type === 'error');
      assert.equal(error?.code, 'E_RESTIC_UNREACHABLE');
      assert.match(error?.message ?? '', /127\.0\.0\.1/);
      const afterFailure = records(setup);
      assert.deepEqual(afterFailure.map((run) => run.outcome), ['success', 'failed']);
      assert.equal(afterFailure[1]?.error?.code, 'E_RESTIC_UNREACHABLE');
      const status = await drkit(setup, ['status']);
      assert.equal(status.status, 5);
      assert.match(status.stdout, /^offsite: FAILED — last run failed at .*E_RESTIC_UNREACHABLE/m);

      await server.start();
      const next = await drkit(setup, ['backup', 'offsite', '--json']);
      assert.equal(next.status, 0, `${next.stdout}\n${next.stderr}`);
      const done = next.stdout.trim().split('\n').map((line) => JSON.parse(line) as { message_type: string; result?: { snapshotCount?: number } }).find((event) => event.message_type === 'done');
      assert.equal(done?.result?.snapshotCount, 2, 'the first snapshot is intact, the new one is complete');
      assert.equal((await drkit(setup, ['status'])).status, 5, 'onsite never ran: still stale');
      assert.deepEqual(records(setup).map((run) => run.outcome), ['success', 'failed', 'success']);
    } finally {
      await server.stop();
    }
  });

  test('a wrong password: typed error with a hint, exit 2, the password never printed', async () => {
    const setup = makeSetup('wrong', join(scratch, 'wrong', 'repo'));
    assert.equal((await drkit(setup, ['init', '--yes'])).status, 0);
    writeFileSync(setup.secrets, 'RESTIC_PASSWORD=typo-in-the-password\n');
    const run = await drkit(setup, ['backup', 'offsite']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^error: offsite: restic .*wrong password/m);
    assert.match(run.stderr, /^hint: /m);
    assert.ok(!run.stderr.includes('typo-in-the-password') && !run.stdout.includes('typo-in-the-password'));
    assert.equal(records(setup)[0]?.error?.code, 'E_RESTIC_WRONG_PASSWORD');
  });

  test('a secrets file others can read is refused, naming the file and the chmod', async () => {
    const setup = makeSetup('mode', join(scratch, 'mode', 'repo'));
    chmodSync(setup.secrets, 0o644);
    const run = await drkit(setup, ['init', '--yes']);
    assert.equal(run.status, 2);
    assert.equal(run.stderr, `error: secrets file ${setup.secrets} can be read by others (mode 0644): it must be 0600\nhint: chmod 600 ${setup.secrets}\n`);
  });
});
