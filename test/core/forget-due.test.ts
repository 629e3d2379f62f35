// When the offsite keep policy must run: never skipped without a ledger or after a policy change, skipped while
// the policy keeps every snapshot for certain, then at most once a day.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { forgetDecision, guaranteedKept, policyKey, type RetentionLedger } from '../../src/core/forget-due.js';

const now = new Date('2026-12-01T12:00:00Z');
const ledger = (keep: Parameters<typeof policyKey>[0], kept: number, since: number, forgotAt: string | null): RetentionLedger => ({ policy: policyKey(keep), kept, since, forgotAt });

test('what a policy keeps whatever the snapshot times', () => {
  assert.equal(guaranteedKept({ last: 10 }), 10);
  assert.equal(guaranteedKept({ daily: 7, weekly: 4 }), 1);
  assert.equal(guaranteedKept({ within: '30d' }), 1);
  assert.equal(guaranteedKept({ last: 3, daily: 7 }), 3);
  assert.equal(guaranteedKept({ tags: ['keep'] }), 0);
  assert.equal(policyKey({ daily: 7, last: 2 }), policyKey({ last: 2, daily: 7 }));
});

test('due without a ledger, or when the policy changed', () => {
  assert.equal(forgetDecision({ last: 10 }, undefined, now).due, true);
  assert.deepEqual(forgetDecision({ last: 5 }, ledger({ last: 10 }, 0, 1, null), now), { due: true, reason: 'the keep policy changed' });
});

test('skipped while `last` keeps every snapshot, due on the first one beyond it', () => {
  assert.deepEqual(forgetDecision({ last: 10 }, ledger({ last: 10 }, 0, 10, null), now),
    { due: false, expectedCount: 10, reason: '10 snapshots, and the policy keeps at least the newest 10' });
  assert.equal(forgetDecision({ last: 10 }, ledger({ last: 10 }, 0, 11, null), now).due, true);
  assert.equal(forgetDecision({ last: 10 }, ledger({ last: 10 }, 10, 1, '2026-11-29T12:00:00Z'), now).due, true);
  // a tags-only policy may remove even the newest snapshot: never skipped on counts
  assert.equal(forgetDecision({ tags: ['x'] }, ledger({ tags: ['x'] }, 0, 1, null), now).due, true);
});

test('beyond what the policy always keeps: at most once a day', () => {
  const keep = { daily: 7, weekly: 4 };
  assert.deepEqual(forgetDecision(keep, ledger(keep, 8, 3, '2026-12-01T06:00:00Z'), now),
    { due: false, expectedCount: 11, reason: 'forget ran less than a day ago' });
  assert.equal(forgetDecision(keep, ledger(keep, 8, 3, '2026-11-30T11:59:59Z'), now).due, true);
  // a clock that went back is no reason to wait
  assert.equal(forgetDecision(keep, ledger(keep, 8, 3, '2026-12-02T06:00:00Z'), now).due, true);
});
