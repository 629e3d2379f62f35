import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  classifyEntries, formatSnapshotName, inProgressName, newSnapshotName, parseInProgressName, parseSnapshotName,
} from '../../src/core/snapshot-names.js';

test('a snapshot is named after its UTC second, without colons', () => {
  assert.equal(formatSnapshotName(new Date('2026-11-27T08:15:00.999Z')), '2026-11-27T081500Z');
  assert.equal(formatSnapshotName(new Date('2001-02-03T04:05:06+02:00')), '2001-02-03T020506Z');
  assert.throws(() => formatSnapshotName(new Date('nope')), RangeError);
});

test('names parse back to their time; anything else is not a snapshot', () => {
  assert.equal(parseSnapshotName('2026-11-27T081500Z')?.toISOString(), '2026-11-27T08:15:00.000Z');
  for (const bad of ['latest', '2026-11-27T081500Z.inprogress', '2026-02-31T000000Z', '2026-11-27T251500Z',
    '2026-11-27 081500Z', '2026-11-27T08:15:00Z', '', '.drkit-target']) {
    assert.equal(parseSnapshotName(bad), null, bad);
  }
});

test('format and parse round-trip for every second in range', () => {
  fc.assert(fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
    const name = formatSnapshotName(date);
    assert.equal(parseSnapshotName(name)?.getTime(), Math.floor(date.getTime() / 1000) * 1000);
  }));
});

test('in-progress names are recognised and never complete', () => {
  assert.equal(inProgressName('2026-11-27T081500Z'), '2026-11-27T081500Z.inprogress');
  assert.equal(parseInProgressName('2026-11-27T081500Z.inprogress'), '2026-11-27T081500Z');
  assert.equal(parseInProgressName('junk.inprogress'), null);
  const entries = classifyEntries(['latest', '2026-11-27T081500Z.inprogress', '2026-11-26T000000Z', '2026-11-25T000000Z', 'notes.txt']);
  assert.deepEqual(entries, { complete: ['2026-11-25T000000Z', '2026-11-26T000000Z'], inProgress: ['2026-11-27T081500Z.inprogress'] });
});

test('a new name always sorts after the existing ones, even in the same second or with a clock set back', () => {
  const now = new Date('2026-11-27T08:15:00Z');
  assert.equal(newSnapshotName(now, []), '2026-11-27T081500Z');
  assert.equal(newSnapshotName(now, ['2026-11-27T081500Z']), '2026-11-27T081501Z');
  assert.equal(newSnapshotName(now, ['2027-01-01T000000Z', 'latest']), '2027-01-01T000001Z');
  assert.equal(newSnapshotName(now, ['2026-11-26T000000Z']), '2026-11-27T081500Z');
});
