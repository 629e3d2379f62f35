import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.js';
import type { RunRecord } from '../../src/core/status.js';
import { readState, recordRun, RUNS_KEPT, statusFile, updateState } from '../../src/adapters/state.js';

const run = (job: 'onsite' | 'offsite', minute: number, outcome: RunRecord['outcome'] = 'success'): RunRecord => ({
  job, outcome, startedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), finishedAt: new Date(Date.UTC(2026, 0, 1, 0, minute, 30)).toISOString(), warnings: [],
});

test('an absent status file is an empty state; records are appended atomically with private modes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'drkit-state-'));
  const dir = join(root, 'drkit');
  try {
    assert.deepEqual(readState(dir), { version: 1, runs: [], drills: [] });
    await recordRun(dir, run('onsite', 1));
    await updateState(dir, (state) => { state.offsite = { repositoryId: 'abc', repository: '/r', initializedAt: '2026-01-01T00:00:00.000Z' }; });
    const state = readState(dir);
    assert.equal(state.runs.length, 1);
    assert.equal(state.offsite?.repositoryId, 'abc');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(statusFile(dir)).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['locks', 'status.json'], 'no temporary file left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('concurrent writers do not lose records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-state-'));
  try {
    await Promise.all(Array.from({ length: 20 }, (_, index) => recordRun(dir, run(index % 2 === 0 ? 'onsite' : 'offsite', index))));
    assert.equal(readState(dir).runs.length, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only the newest records per job are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-state-'));
  try {
    await updateState(dir, (state) => {
      for (let index = 0; index < RUNS_KEPT; index++) state.runs.push(run('onsite', index));
      state.runs.push(run('offsite', 0));
    });
    await recordRun(dir, run('onsite', RUNS_KEPT));
    const runs = readState(dir).runs;
    assert.equal(runs.filter((entry) => entry.job === 'onsite').length, RUNS_KEPT);
    assert.equal(runs.filter((entry) => entry.job === 'offsite').length, 1);
    assert.equal(runs.find((entry) => entry.job === 'onsite')?.startedAt, run('onsite', 1).startedAt);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged status file is named with the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-state-'));
  try {
    writeFileSync(statusFile(dir), '{"version":1,');
    assert.throws(() => readState(dir), (error: unknown) => error instanceof UserError && error.code === 'E_STATE_CORRUPT' && /mv .*status\.json/.test(error.hints[0] ?? ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
