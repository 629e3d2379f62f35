import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { planRetention, type RetentionPolicy } from '../../src/core/retention.js';
import { formatSnapshotName } from '../../src/core/snapshot-names.js';

const DAY = 86_400_000;
const now = new Date('2026-11-27T12:00:00Z');
// snapshot times from 4 years ago to 2 days in the future (a clock set back)
const names = fc.array(fc.integer({ min: -2 * DAY, max: 4 * 365 * DAY }), { maxLength: 120 })
  .map((ages) => ages.map((age) => formatSnapshotName(new Date(now.getTime() - age))));
const policy: fc.Arbitrary<RetentionPolicy> = fc.record({
  all: fc.integer({ min: 0, max: 3 * DAY }),
  daily: fc.integer({ min: 0, max: 60 * DAY }),
  weekly: fc.integer({ min: 0, max: 400 * DAY }),
  monthly: fc.option(fc.integer({ min: 0, max: 3 * 365 * DAY }), { nil: null }),
});

test('retention never removes the newest snapshot', () => {
  fc.assert(fc.property(names, policy, (input, keep) => {
    const plan = planRetention(input, now, keep);
    const newest = [...input].sort().at(-1);
    if (newest !== undefined) {
      assert.ok(plan.keep.includes(newest));
      assert.ok(!plan.remove.includes(newest));
    }
  }), { numRuns: 500 });
});

test('retention plans a partition of its input: keep and remove are disjoint and cover it', () => {
  fc.assert(fc.property(names, policy, (input, keep) => {
    const plan = planRetention(input, now, keep);
    assert.deepEqual([...plan.keep, ...plan.remove].sort(), [...new Set(input)].sort());
    assert.ok(plan.keep.every((name) => !plan.remove.includes(name)));
  }), { numRuns: 500 });
});

test('retention is idempotent: planning over what it kept removes nothing', () => {
  fc.assert(fc.property(names, policy, (input, keep) => {
    const first = planRetention(input, now, keep);
    const second = planRetention(first.keep, now, keep);
    assert.deepEqual(second.remove, []);
    assert.deepEqual(second.keep, first.keep);
  }), { numRuns: 500 });
});

test('retention keeps everything younger than the all window', () => {
  fc.assert(fc.property(names, policy, (input, keep) => {
    const plan = planRetention(input, now, keep);
    for (const name of plan.remove) {
      const age = now.getTime() - new Date(`${name.slice(0, 13)}:${name.slice(13, 15)}:${name.slice(15, 17)}Z`).getTime();
      assert.ok(age >= keep.all, `${name} removed at age ${age} < ${keep.all}`);
    }
  }), { numRuns: 300 });
});
