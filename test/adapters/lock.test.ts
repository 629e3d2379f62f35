import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode, exitCodeFor, UserError } from '../../src/errors.js';
import { acquireLock, readLock, withLock } from '../../src/adapters/lock.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'drkit-lock-'));
}

/** A pid that surely is not running: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('a lock holds pid, host and start time, and is released', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'locks', 'onsite.lock');
    const lock = acquireLock(file, 'backup onsite', new Date('2026-01-02T03:04:05Z'));
    assert.deepEqual(readLock(file), { pid: process.pid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', purpose: 'backup onsite' });
    assert.equal(lock.tookOver, undefined);
    lock.release();
    assert.equal(existsSync(file), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock held by a live process is refused with exit code locked', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'onsite.lock');
    // pid 1 is alive (or EPERM-alive) everywhere
    writeFileSync(file, JSON.stringify({ pid: 1, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', purpose: 'backup onsite' }));
    assert.throws(() => acquireLock(file, 'backup onsite'), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.code, 'E_LOCKED');
      assert.equal(exitCodeFor(error), ExitCode.locked);
      assert.equal(error.message, 'backup onsite is already running (pid 1 on ' + hostname() + ', since 2026-01-01T00:00:00.000Z)');
      return true;
    });
    assert.equal(readLock(file)?.pid, 1, 'the live lock is left alone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale lock (dead pid on this host) is taken over and reported', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'onsite.lock');
    const pid = deadPid();
    writeFileSync(file, JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', purpose: 'backup onsite' }));
    const lock = acquireLock(file, 'backup onsite');
    assert.equal(lock.tookOver?.pid, pid);
    assert.equal(readLock(file)?.pid, process.pid);
    lock.release();
    // debris (an empty lock file) is stale too
    writeFileSync(file, '');
    const again = acquireLock(file, 'backup onsite');
    assert.equal(again.tookOver?.host, 'unknown');
    again.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock of another host is never taken over', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'onsite.lock');
    writeFileSync(file, JSON.stringify({ pid: deadPid(), host: 'elsewhere', startedAt: '', purpose: 'x' }));
    assert.throws(() => acquireLock(file, 'backup onsite'), /already running/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withLock serialises critical sections', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'state.lock');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(Array.from({ length: 5 }, () => withLock(file, 'update', async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside--;
    })));
    assert.equal(maxInside, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the temp file a run killed while taking the lock left is swept by the next run; none of its own stays', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'backup-onsite.lock');
    writeFileSync(join(dir, `.backup-onsite.lock.drkit-${deadPid()}-0badc0de.tmp`), '{"pid":1}\n');
    const lock = acquireLock(file, 'backup onsite');
    assert.deepEqual(readdirSync(dir), ['backup-onsite.lock']);
    lock.release();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
