import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { run as backup } from '../../src/commands/backup.js';
import { run as init } from '../../src/commands/init.js';
import { readState, locksDir } from '../../src/adapters/state.js';
import { formatLocalTime } from '../../src/ui/format.js';
import { captureIO, makeSandbox, type Sandbox } from './backup-io.js';

function onsiteOnly(box: Sandbox, extra = ''): void {
  box.writeConfig(`sources: [${box.source}]\nhost: testhost\nonsite:\n  target: ${box.target}\n${extra}`);
}

test('backup onsite: a snapshot, a success record, JSON events, exit 0', async () => {
  const box = makeSandbox();
  try {
    onsiteOnly(box);
    await init({ config: box.config, yes: true }, captureIO());
    const io = captureIO(true);
    assert.equal(await backup({ job: 'onsite', config: box.config, json: true }, io), ExitCode.ok);
    const types = io.jsonValues.map((value) => value.message_type);
    assert.equal(types[0], 'start');
    assert.equal(types.at(-1), 'done');
    const runs = readState(box.stateDir).runs;
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.outcome, 'success');
    assert.equal(runs[0]?.job, 'onsite');
    assert.ok(existsSync(join(box.target, 'testhost', runs[0]?.snapshotId ?? 'missing', box.source.slice(1), 'docs', 'letter.txt')));
    assert.equal(runs[0]?.snapshotCount, 1);
    assert.ok((runs[0]?.bytesTotal ?? 0) >= 64 * 1024);
    assert.deepEqual(readdirSync(locksDir(box.stateDir)).filter((name) => name.startsWith('backup-')), [], 'the lock is released');
  } finally {
    box.cleanup();
  }
});

test('backup without init: a clear user error, recorded as a failure (exit 2)', async () => {
  const box = makeSandbox();
  try {
    onsiteOnly(box);
    const io = captureIO();
    assert.equal(await backup({ job: 'all', config: box.config }, io), ExitCode.userError);
    assert.match(io.noteLines.join('\n'), /error: onsite: the onsite target .* has not been set up \(no marker recorded\)\nhint: run: drkit init --config .* --yes/);
    assert.equal(readState(box.stateDir).runs[0]?.error?.code, 'E_NOT_INITIALIZED');
  } finally {
    box.cleanup();
  }
});

test('backup with the target marker missing: "target absent", nothing written, failure recorded', async () => {
  const box = makeSandbox();
  try {
    onsiteOnly(box);
    await init({ config: box.config, yes: true }, captureIO());
    rmSync(join(box.target, '.drkit-target'));
    const io = captureIO();
    assert.equal(await backup({ job: 'onsite', config: box.config }, io), ExitCode.userError);
    assert.deepEqual(readdirSync(box.target), []);
    const record = readState(box.stateDir).runs[0];
    assert.equal(record?.outcome, 'failed');
    assert.equal(record?.error?.code, 'E_TARGET_ABSENT');
    assert.match(io.noteLines.join('\n'), /target absent/);
  } finally {
    box.cleanup();
  }
});

test('a job whose lock is held by a live process is skipped with exit 6 and not recorded; a stale lock is taken over', async () => {
  const box = makeSandbox();
  try {
    onsiteOnly(box);
    await init({ config: box.config, yes: true }, captureIO());
    mkdirSync(locksDir(box.stateDir), { recursive: true });
    const lockFile = join(locksDir(box.stateDir), 'backup-onsite.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: 1, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', purpose: 'backup onsite' }));
    const io = captureIO();
    assert.equal(await backup({ job: 'onsite', config: box.config }, io), ExitCode.locked);
    assert.match(io.noteLines.join('\n'), /error: onsite: backup onsite is already running \(pid 1 on /);
    assert.equal(readState(box.stateDir).runs.length, 0);

    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(lockFile, JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', purpose: 'backup onsite' }));
    const second = captureIO();
    assert.equal(await backup({ job: 'onsite', config: box.config }, second), ExitCode.ok);
    assert.ok(second.noteLines.includes(`onsite: took over a stale lock of pid ${dead} (started ${formatLocalTime('2026-01-01T00:00:00.000Z')}), which is no longer running`));
    assert.equal(existsSync(lockFile), false);
  } finally {
    box.cleanup();
  }
});

test('healthcheck pings: start and success, then start and fail with the error as body', async () => {
  const seen: { path: string; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    request.on('end', () => { seen.push({ path: request.url ?? '', body }); response.end('OK'); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const box = makeSandbox();
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/abc`;
    onsiteOnly(box, `  healthcheck: ${base}\n`);
    await init({ config: box.config, yes: true }, captureIO());
    assert.equal(await backup({ job: 'onsite', config: box.config }, captureIO()), ExitCode.ok);
    assert.deepEqual(seen.map((entry) => entry.path), ['/ping/abc/start', '/ping/abc']);
    rmSync(join(box.target, '.drkit-target'));
    assert.equal(await backup({ job: 'onsite', config: box.config }, captureIO()), ExitCode.userError);
    assert.deepEqual(seen.slice(2).map((entry) => entry.path), ['/ping/abc/start', '/ping/abc/fail']);
    assert.match(seen[3]?.body ?? '', /^E_TARGET_ABSENT: target absent/);
  } finally {
    box.cleanup();
    server.close();
  }
});

test('a healthcheck that cannot be reached is a note, the backup still succeeds', async () => {
  const box = makeSandbox();
  try {
    onsiteOnly(box, '  healthcheck: { success: "http://127.0.0.1:1/x" }\n');
    await init({ config: box.config, yes: true }, captureIO());
    const io = captureIO();
    assert.equal(await backup({ job: 'onsite', config: box.config }, io), ExitCode.ok);
    assert.ok(io.noteLines.some((line) => line.startsWith('onsite: healthcheck ping to http://127.0.0.1:1/x failed')));
    assert.equal(readState(box.stateDir).runs[0]?.outcome, 'success');
    assert.equal(readFileSync(join(box.stateDir, 'status.json'), 'utf8').includes('RESTIC_PASSWORD'), false);
  } finally {
    box.cleanup();
  }
});

test('asking for a job that is not configured is a usage error', async () => {
  const box = makeSandbox();
  try {
    onsiteOnly(box);
    await assert.rejects(backup({ job: 'offsite', config: box.config }, captureIO()), /the offsite job is not configured/);
  } finally {
    box.cleanup();
  }
});

test('backup all: onsite and offsite (local restic repository) both recorded; exit 0', async () => {
  const box = makeSandbox();
  try {
    await init({ config: box.config, yes: true }, captureIO());
    const io = captureIO();
    assert.equal(await backup({ job: 'all', config: box.config }, io), ExitCode.ok);
    const runs = readState(box.stateDir).runs;
    assert.deepEqual(runs.map((entry) => [entry.job, entry.outcome]), [['onsite', 'success'], ['offsite', 'success']]);
    assert.match(runs[1]?.snapshotId ?? '', /^[0-9a-f]{8}/);
    assert.equal(runs[1]?.snapshotCount, 1);
    assert.ok(io.noteLines.some((line) => /^offsite: done, snapshot [0-9a-f]{8}/.test(line)));
  } finally {
    box.cleanup();
  }
});

test('backup offsite with a wrong password: typed error with a hint, failure recorded without the secret, exit 2', async () => {
  const box = makeSandbox();
  try {
    await init({ config: box.config, yes: true }, captureIO());
    writeFileSync(box.secrets, 'RESTIC_PASSWORD=definitely-not-it\n');
    const io = captureIO();
    assert.equal(await backup({ job: 'offsite', config: box.config }, io), ExitCode.userError);
    const text = io.noteLines.join('\n');
    assert.match(text, /^error: offsite: restic .*wrong password for the repository/m);
    assert.match(text, /^hint: /m);
    assert.ok(!text.includes('definitely-not-it'));
    const record = readState(box.stateDir).runs[0];
    assert.equal(record?.error?.code, 'E_RESTIC_WRONG_PASSWORD');
    assert.ok(!readFileSync(join(box.stateDir, 'status.json'), 'utf8').includes('definitely-not-it'));
  } finally {
    box.cleanup();
  }
});

test('a failed onsite job does not stop the offsite one; the exit code is the failure\'s', async () => {
  const box = makeSandbox();
  try {
    await init({ config: box.config, yes: true }, captureIO());
    rmSync(join(box.target, '.drkit-target'));
    const io = captureIO(true);
    assert.equal(await backup({ job: 'all', config: box.config, json: true }, io), ExitCode.userError);
    assert.deepEqual(readState(box.stateDir).runs.map((entry) => [entry.job, entry.outcome]), [['onsite', 'failed'], ['offsite', 'success']]);
    const errors = io.jsonValues.filter((value) => value.message_type === 'error');
    assert.deepEqual(errors.map((value) => [value.job, value.code]), [['onsite', 'E_TARGET_ABSENT']]);
  } finally {
    box.cleanup();
  }
});

test('hooks: before runs first, after sees the snapshot; a failing before stops the job (E_HOOK_FAILED) and runs failure', async () => {
  const box = makeSandbox();
  try {
    const log = join(box.root, 'hooks.log');
    const line = (hook: string): string => JSON.stringify(`echo "${hook} $DRKIT_JOB $DRKIT_OUTCOME $DRKIT_SNAPSHOT" >> ${log}`);
    onsiteOnly(box, `  hooks:\n    before: [${line('before')}, "echo preparing"]\n    after: [${line('after')}]\n    failure: [${line('failure')}]\n`);
    await init({ config: box.config, yes: true }, captureIO());
    const io = captureIO();
    assert.equal(await backup({ job: 'onsite', config: box.config }, io), ExitCode.ok);
    const snapshot = readState(box.stateDir).runs[0]?.snapshotId ?? 'missing';
    assert.equal(readFileSync(log, 'utf8'), `before onsite  \nafter onsite success ${snapshot}\n`);
    assert.ok(io.noteLines.includes('onsite: before hook 2: preparing'), io.noteLines.join('\n'));

    // a before hook that fails: no snapshot, the run recorded as failed with the hook's code, failure hooks run
    rmSync(log);
    onsiteOnly(box, `  hooks:\n    before: ["echo disk not there >&2; exit 7"]\n    failure: [${line('failure')}]\n`);
    const failed = captureIO();
    const snapshotsBefore = readdirSync(join(box.target, 'testhost')).length;
    assert.equal(await backup({ job: 'onsite', config: box.config }, failed), ExitCode.toolError);
    assert.equal(readdirSync(join(box.target, 'testhost')).length, snapshotsBefore, 'the engine did not run');
    assert.equal(readFileSync(log, 'utf8'), 'failure onsite failed \n');
    const record = readState(box.stateDir).runs.at(-1);
    assert.equal(record?.outcome, 'failed');
    assert.equal(record?.error?.code, 'E_HOOK_FAILED');
    assert.ok(failed.noteLines.includes('onsite: before hook 1: disk not there'), failed.noteLines.join('\n'));
    assert.ok(failed.noteLines.includes('error: onsite: onsite.hooks.before[0] `echo disk not there >&2; exit 7` exited with status 7'), failed.noteLines.join('\n'));

    // an after hook that fails makes the run a warning (exit 3): the snapshot was made
    onsiteOnly(box, '  hooks:\n    after: ["exit 2"]\n');
    const warned = captureIO(true);
    assert.equal(await backup({ job: 'onsite', config: box.config, json: true }, warned), ExitCode.warning);
    assert.deepEqual(readState(box.stateDir).runs.at(-1)?.warnings, ['onsite.hooks.after[0] `exit 2` exited with status 2']);
    assert.equal(readState(box.stateDir).runs.at(-1)?.outcome, 'warning');
    assert.ok(warned.jsonValues.some((value) => value.message_type === 'warning' && value.message === 'onsite.hooks.after[0] `exit 2` exited with status 2'));
  } finally {
    box.cleanup();
  }
});
