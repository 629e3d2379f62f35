import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode, UserError } from '../../src/errors.js';
import { run } from '../../src/commands/status.js';
import { updateState } from '../../src/adapters/state.js';
import type { RunRecord } from '../../src/core/status.js';
import { formatLocalTime } from '../../src/ui/format.js';
import { captureIO, makeSandbox } from './backup-io.js';

const NOW = new Date('2026-05-01T12:00:00Z');
const hoursAgo = (hours: number): string => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
const record = (job: RunRecord['job'], hours: number, extra: Partial<RunRecord> = {}): RunRecord => ({
  job, outcome: 'success', startedAt: hoursAgo(hours + 0.1), finishedAt: hoursAgo(hours), warnings: [], ...extra,
});

test('status: never run → stale (exit 5), with "last drill: never"', async () => {
  const box = makeSandbox();
  try {
    const io = captureIO();
    assert.equal(await run({ config: box.config, now: NOW }, io), ExitCode.stale);
    assert.deepEqual(io.outLines, [
      'onsite: NEVER RUN — no backup has run yet', '  last good run: never',
      'offsite: NEVER RUN — no backup has run yet', '  last good run: never',
      'repository check: NEVER RUN — no repository check has run yet', '  last good check: never',
      'last drill: never',
      'schedule: not installed (drkit schedule install)',
    ]);
  } finally {
    box.cleanup();
  }
});

test('status: fresh runs are ok (exit 0) and show age, size, snapshot count and warnings', async () => {
  const box = makeSandbox();
  try {
    await updateState(box.stateDir, (state) => {
      state.runs.push(record('onsite', 2, { snapshotId: '2026-05-01T100000Z', bytesTotal: 3 * 1024 * 1024, filesTotal: 10, snapshotCount: 4 }));
      state.runs.push(record('offsite', 5, { outcome: 'warning', snapshotId: 'abcd1234', warnings: ['could not read /data/locked.db'] }));
      state.runs.push(record('check', 50));
    });
    const io = captureIO();
    assert.equal(await run({ config: box.config, now: NOW }, io), ExitCode.ok);
    assert.deepEqual(io.outLines, [
      'onsite: ok',
      `  last good run: ${formatLocalTime(hoursAgo(2))} (2h ago; maxAge 26h)`,
      '  snapshot 2026-05-01T100000Z, 3.00 MiB, 10 files, 4 snapshots kept',
      'offsite: ok, with warnings',
      `  last good run: ${formatLocalTime(hoursAgo(5))} (5h ago; maxAge 26h)`,
      '  snapshot abcd1234',
      '  warning: could not read /data/locked.db',
      'repository check: ok',
      `  last good check: ${formatLocalTime(hoursAgo(50))} (2d 2h ago; maxAge 8d)`,
      'last drill: never',
      'schedule: not installed (drkit schedule install)',
    ]);
  } finally {
    box.cleanup();
  }
});

test('status --json: one object with every job; a failed last run is stale', async () => {
  const box = makeSandbox();
  try {
    await updateState(box.stateDir, (state) => {
      state.runs.push(record('onsite', 3), record('onsite', 1, { outcome: 'failed', error: { code: 'E_TARGET_ABSENT', message: 'target absent' } }));
      state.runs.push(record('offsite', 30));
    });
    const io = captureIO(true);
    assert.equal(await run({ config: box.config, now: NOW }, io), ExitCode.stale);
    assert.equal(io.jsonValues.length, 1);
    const report = io.jsonValues[0] as { message_type: string; stale: boolean; jobs: { job: string; state: string; problem: string }[]; lastDrill: null };
    assert.equal(report.message_type, 'status');
    assert.equal(report.stale, true);
    assert.deepEqual(report.jobs.map((job) => [job.job, job.state]), [['onsite', 'failed'], ['offsite', 'stale'], ['check', 'never']]);
    assert.equal(report.jobs[1]?.problem, 'last good run is 30h old, more than maxAge 26h');
    assert.equal(report.lastDrill, null);
  } finally {
    box.cleanup();
  }
});

test('status caches the validated config and notices every change to the file', async () => {
  const box = makeSandbox();
  try {
    await run({ config: box.config, now: NOW }, captureIO());
    const cacheDir = join(box.root, 'state', 'drkit', 'config-cache');
    assert.equal(readdirSync(cacheDir).length, 1);
    box.writeConfig(`sources: [${box.source}]\nonsite:\n  target: ${box.target}\n  maxAge: 1h\n`);
    await updateState(box.stateDir, (state) => { state.runs.push(record('onsite', 2)); });
    const io = captureIO();
    assert.equal(await run({ config: box.config, now: NOW }, io), ExitCode.stale);
    assert.equal(io.outLines[0], 'onsite: STALE — last good run is 2h old, more than maxAge 1h');
    assert.ok(io.outLines.includes('offsite: not configured'));
    assert.ok(io.outLines.includes('repository check: not configured'));
    box.writeConfig(`sources: [${box.source}]\nonsite:\n  target: ${box.target}\n  maxAge: soon\n`);
    await assert.rejects(run({ config: box.config, now: NOW }, captureIO()), (error: unknown) =>
      error instanceof UserError && error.message === 'config.yaml:4: onsite.maxAge: must be a duration such as "26h", "8d" or "2w" (units s, m, h, d, w, y)');
    assert.equal(existsSync(cacheDir), true);
  } finally {
    box.cleanup();
  }
});

test('status shows times in local time with the zone, and keeps ISO UTC in --json', async () => {
  const box = makeSandbox();
  try {
    await updateState(box.stateDir, (state) => {
      state.runs.push(record('onsite', 3), record('onsite', 1, { outcome: 'failed', error: { code: 'E_TARGET_ABSENT', message: 'target absent' } }));
    });
    const io = captureIO();
    assert.equal(await run({ config: box.config, now: NOW }, io), ExitCode.stale);
    const failedAt = formatLocalTime(hoursAgo(1));
    assert.match(failedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d \S+$/);
    assert.equal(io.outLines[0], `onsite: FAILED — last run failed at ${failedAt}: target absent (E_TARGET_ABSENT)`);
    assert.equal(io.outLines[1], `  last good run: ${formatLocalTime(hoursAgo(3))} (3h ago; maxAge 26h)`);
    assert.ok(!io.outLines.some((line) => /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(line)), io.outLines.join('\n'));
    const json = captureIO(true);
    await run({ config: box.config, now: NOW }, json);
    const report = json.jsonValues[0] as { now: string; jobs: { problem: string; lastGood: { finishedAt: string } }[] };
    assert.equal(report.now, NOW.toISOString());
    assert.equal(report.jobs[0]?.problem, `last run failed at ${hoursAgo(1)}: target absent (E_TARGET_ABSENT)`);
    assert.equal(report.jobs[0]?.lastGood.finishedAt, hoursAgo(3));
  } finally {
    box.cleanup();
  }
});

test('status: a repository check older than its maxAge (default 8d) is stale (exit 5), a failed one too', async () => {
  const box = makeSandbox();
  try {
    await updateState(box.stateDir, (state) => {
      state.runs.push(record('onsite', 2), record('offsite', 2), record('check', 9 * 24));
    });
    const io = captureIO();
    assert.equal(await run({ config: box.config, now: NOW }, io), ExitCode.stale);
    assert.ok(io.outLines.includes('repository check: STALE — last good run is 9d old, more than maxAge 8d'), io.outLines.join('\n'));
    await updateState(box.stateDir, (state) => {
      state.runs.push(record('check', 1, { outcome: 'failed', error: { code: 'E_RESTIC_DAMAGED', message: 'restic check: the repository is damaged' } }));
    });
    const failed = captureIO(true);
    assert.equal(await run({ config: box.config, now: NOW }, failed), ExitCode.stale);
    const report = failed.jsonValues[0] as { jobs: { job: string; state: string; problem: string }[] };
    const check = report.jobs.find((job) => job.job === 'check');
    assert.equal(check?.state, 'failed');
    assert.match(check?.problem ?? '', /E_RESTIC_DAMAGED/);
  } finally {
    box.cleanup();
  }
});
