import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETENTION, planRetention, validateRetentionPolicy } from '../../src/core/retention.js';
import { formatSnapshotName } from '../../src/core/snapshot-names.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date('2026-11-27T12:00:00Z');
const ago = (ms: number): string => formatSnapshotName(new Date(now.getTime() - ms));

test('everything younger than 24 hours is kept', () => {
  const names = [ago(1 * HOUR), ago(2 * HOUR), ago(3 * HOUR), ago(23 * HOUR)];
  const plan = planRetention(names, now);
  assert.deepEqual(plan.remove, []);
  assert.equal(plan.keep.length, 4);
});

test('between 24 hours and 30 days, the oldest snapshot of each UTC day is kept', () => {
  // hourly snapshots on 2026-11-20 (a week ago)
  const day = Array.from({ length: 24 }, (_, hour) => formatSnapshotName(new Date(Date.UTC(2026, 10, 20, hour, 5))));
  const plan = planRetention([...day, ago(HOUR)], now);
  assert.deepEqual(plan.keep, ['2026-11-20T000500Z', ago(HOUR)]);
  assert.equal(plan.reasons['2026-11-20T000500Z'], 'daily');
  assert.equal(plan.remove.length, 23);
});

test('between 30 days and 52 weeks, one per ISO week; after that one per month, forever by default', () => {
  // daily snapshots from 2025-01-01 to 2026-11-27
  const names: string[] = [];
  for (let t = Date.UTC(2025, 0, 1, 3); t <= now.getTime(); t += DAY) names.push(formatSnapshotName(new Date(t)));
  const plan = planRetention(names, now);
  const byReason = (reason: string): string[] => plan.keep.filter((name) => plan.reasons[name] === reason);
  assert.equal(byReason('all').length + byReason('newest').length, 1); // only today's 03:00 one is within 24 h
  assert.ok(byReason('daily').length >= 29 && byReason('daily').length <= 30, `daily ${byReason('daily').length}`);
  const weekly = byReason('weekly');
  assert.ok(weekly.length >= 47 && weekly.length <= 50, `weekly ${weekly.length}`);
  // each weekly keeper is a Monday (the oldest day of its week) unless its week is cut by the window's edge
  assert.ok(weekly.slice(1, -1).every((name) => new Date(`${name.slice(0, 10)}T00:00:00Z`).getUTCDay() === 1));
  const monthly = byReason('monthly');
  assert.ok(monthly.length >= 11 && monthly.length <= 13, `monthly ${monthly.length}`);
  assert.ok(monthly.includes('2025-01-01T030000Z'));
});

test('monthly snapshots older than a finite monthly window are removed; the newest never is', () => {
  const policy = { ...DEFAULT_RETENTION, monthly: 365 * DAY };
  const old = ['2020-01-01T000000Z', '2020-02-01T000000Z', '2026-06-01T000000Z'];
  assert.deepEqual(planRetention(old, now, policy).remove, ['2020-01-01T000000Z', '2020-02-01T000000Z']);
  const allOld = ['2019-01-01T000000Z', '2019-05-01T000000Z'];
  const plan = planRetention(allOld, now, { all: 0, daily: 0, weekly: 0, monthly: 0 });
  assert.deepEqual(plan.keep, ['2019-05-01T000000Z']);
  assert.equal(plan.reasons['2019-05-01T000000Z'], 'newest');
});

test('snapshots from the future (clock set back) are kept; names that are not snapshots are ignored', () => {
  const plan = planRetention(['2030-01-01T000000Z', 'latest', '2026-11-27T081500Z.inprogress'], now);
  assert.deepEqual(plan, { keep: ['2030-01-01T000000Z'], remove: [], reasons: { '2030-01-01T000000Z': 'newest' } });
});

test('a policy with a negative or non-finite number is refused, naming the field', () => {
  assert.throws(() => validateRetentionPolicy({ ...DEFAULT_RETENTION, daily: -1 }), /retention daily/);
  assert.throws(() => planRetention([], now, { ...DEFAULT_RETENTION, monthly: Number.NaN }), /retention monthly/);
});
