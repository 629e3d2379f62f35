import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLocalTime, plural } from '../../src/ui/format.js';

test('plural: one word for one, the plural for any other count, never "(s)"', () => {
  assert.equal(plural(1, 'file'), '1 file');
  assert.equal(plural(0, 'file'), '0 files');
  assert.equal(plural(2, 'snapshot'), '2 snapshots');
  assert.equal(plural(3, 'entry', 'entries'), '3 entries');
  assert.equal(plural(1, 'entry', 'entries'), '1 entry');
});

test('formatLocalTime: the time in the given zone, with the zone named', () => {
  const iso = '2026-07-01T10:05:30.000Z';
  assert.equal(formatLocalTime(iso, 'UTC'), '2026-07-01 10:05 UTC');
  assert.equal(formatLocalTime(iso, 'America/New_York'), '2026-07-01 06:05 EDT');
  assert.equal(formatLocalTime('2026-12-01T23:30:00Z', 'Asia/Tokyo'), '2026-12-02 08:30 GMT+9');
  // midnight is 00, not 24 (hourCycle h23)
  assert.equal(formatLocalTime('2026-12-01T00:00:00Z', 'UTC'), '2026-12-01 00:00 UTC');
  assert.equal(formatLocalTime('not a time'), 'not a time');
});
