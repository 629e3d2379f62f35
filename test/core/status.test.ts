import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeStatus, type JobStatusInput, type RunRecord } from '../../src/core/status.js';

const H = 3_600_000;
const NOW = new Date('2026-03-10T12:00:00Z');
const jobs: JobStatusInput[] = [
  { job: 'onsite', configured: true, maxAge: 26 * H, maxAgeText: '26h' },
  { job: 'offsite', configured: true, maxAge: 8 * 24 * H, maxAgeText: '8d' },
];
const at = (hoursAgo: number): string => new Date(NOW.getTime() - hoursAgo * H).toISOString();
const run = (job: RunRecord['job'], hoursAgo: number, outcome: RunRecord['outcome'] = 'success', extra: Partial<RunRecord> = {}): RunRecord => ({
  job, outcome, startedAt: at(hoursAgo + 0.1), finishedAt: at(hoursAgo), warnings: [], ...extra,
});

test('fresh good runs are ok; the report is not stale', () => {
  const report = judgeStatus(jobs, [run('onsite', 30), run('onsite', 1, 'success', { bytesTotal: 5, snapshotCount: 3 }), run('offsite', 40)], [], NOW);
  assert.equal(report.stale, false);
  assert.deepEqual(report.jobs.map((verdict) => verdict.state), ['ok', 'ok']);
  assert.equal(report.jobs[0]?.ageMs, H);
  assert.equal(report.jobs[0]?.lastGood?.snapshotCount, 3);
  assert.equal(report.lastDrill, null);
});

test('a job older than its maxAge is stale', () => {
  const report = judgeStatus(jobs, [run('onsite', 27), run('offsite', 1)], [], NOW, (ms) => `${ms / H}h`);
  assert.equal(report.stale, true);
  assert.equal(report.jobs[0]?.state, 'stale');
  assert.equal(report.jobs[0]?.problem, 'last good run is 27h old, more than maxAge 26h');
});

test('a failed last run is stale even when the last good run is recent', () => {
  const report = judgeStatus(jobs, [run('onsite', 2), run('onsite', 1, 'failed', { error: { code: 'E_TARGET_ABSENT', message: 'target absent' } }), run('offsite', 1)], [], NOW);
  assert.equal(report.jobs[0]?.state, 'failed');
  assert.equal(report.jobs[0]?.lastGood?.finishedAt, at(2));
  assert.equal(report.jobs[0]?.problem, `last run failed at ${at(1)}: target absent (E_TARGET_ABSENT)`);
  assert.equal(report.stale, true);
});

test('warnings do not make a job stale; a job never run does; an unconfigured job is ignored', () => {
  const report = judgeStatus([jobs[0] as JobStatusInput, { ...(jobs[1] as JobStatusInput), configured: false }],
    [run('onsite', 1, 'warning', { warnings: ['a', 'b'] })], [], NOW);
  assert.equal(report.jobs[0]?.state, 'warning');
  assert.equal(report.jobs[0]?.problem, 'last run finished with 2 warnings');
  assert.equal(report.jobs[1]?.state, 'not-configured');
  assert.equal(report.stale, false);
  const never = judgeStatus(jobs, [run('offsite', 1)], [], NOW);
  assert.equal(never.jobs[0]?.state, 'never');
  assert.equal(never.stale, true);
});

test('records are ordered by finish time, not by position', () => {
  const report = judgeStatus(jobs, [run('onsite', 1), run('onsite', 5, 'failed'), run('offsite', 1)], [], NOW);
  assert.equal(report.jobs[0]?.state, 'ok');
});
