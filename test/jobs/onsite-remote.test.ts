/**
 * The onsite job with a `user@host:path` target, over a real sshd on 127.0.0.1 (test/helpers/sshd.ts): rsync
 * over ssh, and the marker, listing, renames, `latest` and deletions done with ssh commands. The target path holds
 * a space, a quote and a command substitution, which must arrive literally and never run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ToolError, UserError } from '../../src/errors.js';
import { writeTargetMarker } from '../../src/adapters/onsite-target.js';
import { runOnsiteSnapshot, type OnsiteSnapshotOptions } from '../../src/jobs/onsite.js';
import type { JobEvent, JobResult, Reporter } from '../../src/jobs/types.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

/** The engine contract: a failed run resolves with its result; its typed error, thrown, for assert.rejects. */
async function failure(run: Promise<JobResult>): Promise<never> {
  const result = await run;
  assert.equal(result.outcome, 'failed');
  throw result.error ?? new Error('a failed result without its error');
}

const UUID = '9c1e0f1a-7a7b-4c2d-8e3f-1a2b3c4d5e6f';
const DAY = 86_400_000;
let dir = '';
let sshd: TestSshd | undefined;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'drkit-onsite-remote-'));
  sshd = await startSshd();
});
after(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

function recorder(): Reporter & { events: JobEvent[] } {
  const events: JobEvent[] = [];
  return { events, event: (event) => { events.push(event); } };
}

test('snapshots over ssh: link-dest hard links, latest, in-progress reuse, retention — with a hostile path', async () => {
  assert.ok(sshd);
  const canary = path.join(dir, 'pwned');
  const root = path.join(dir, `nas share 'q' $(touch ${canary}) ;`);
  const target = `${sshd.userHost}:${root}`;
  const source = path.join(dir, 'home', 'ann', 'My Documents');
  await mkdir(source, { recursive: true });
  await writeFile(path.join(source, 'same.txt'), 'unchanged\n');
  await writeFile(path.join(source, 'changes.txt'), 'v1\n');
  let time = Date.parse('2026-11-27T08:15:00Z');
  const options: OnsiteSnapshotOptions = {
    target, expectedMarker: UUID, host: 'laptop', sources: [source], excludes: ['*.tmp'], ssh: sshd.ssh,
    clock: () => new Date(time), progressIntervalMs: 0, keep: { all: DAY, daily: 0, weekly: 0, monthly: 0 },
  };

  // no marker yet: refused, nothing written on the remote side
  await assert.rejects(failure(runOnsiteSnapshot(options, recorder())), (error: unknown) => error instanceof UserError && error.code === 'E_TARGET_ABSENT');
  assert.equal(existsSync(root), false);

  await writeTargetMarker(target, UUID, sshd.ssh);
  assert.equal(await readFile(path.join(root, '.drkit-target'), 'utf8'), `${UUID}\n`);
  const reporter = recorder();
  const first = await runOnsiteSnapshot(options, reporter);
  assert.equal(first.outcome, 'success');
  assert.ok(reporter.events.some((event) => event.type === 'progress'));
  const hostDir = path.join(root, 'laptop');
  const snap1 = path.join(hostDir, first.snapshotId ?? '');
  assert.equal(await readFile(path.join(snap1, source, 'same.txt'), 'utf8'), 'unchanged\n');

  time += 3_600_000;
  await writeFile(path.join(source, 'changes.txt'), 'v2\n');
  await utimes(path.join(source, 'changes.txt'), new Date(time), new Date(time));
  // an interrupted snapshot left on the NAS is reused
  await mkdir(path.join(hostDir, '2026-11-27T083000Z.inprogress', source), { recursive: true });
  await writeFile(path.join(hostDir, '2026-11-27T083000Z.inprogress', source, 'stale.tmp-from-crash'), 'junk');
  await writeFile(path.join(hostDir, '2026-11-27T083000Z.inprogress', source, 'excluded-since.tmp'), 'junk');
  const events = recorder();
  const second = await runOnsiteSnapshot(options, events);
  assert.ok(events.events.some((event) => event.type === 'info' && /resuming/.test(event.message)));
  const snap2 = path.join(hostDir, second.snapshotId ?? '');
  assert.equal((await stat(path.join(snap2, source, 'same.txt'))).ino, (await stat(path.join(snap1, source, 'same.txt'))).ino);
  assert.equal(await readFile(path.join(snap2, source, 'changes.txt'), 'utf8'), 'v2\n');
  assert.deepEqual((await readdir(path.join(snap2, source))).sort(), ['changes.txt', 'same.txt']);
  assert.equal(await readlink(path.join(hostDir, 'latest')), second.snapshotId);
  assert.deepEqual((await readdir(hostDir)).sort(), [first.snapshotId, second.snapshotId, 'latest']);

  // two days later: retention (keep all for a day, then nothing but the newest) removes the first two over ssh
  time += 2 * DAY;
  const third = await runOnsiteSnapshot(options, recorder());
  assert.equal(third.snapshotCount, 1);
  assert.deepEqual((await readdir(hostDir)).sort(), [third.snapshotId, 'latest']);
  assert.equal(existsSync(canary), false, 'no part of the path ran as a command');
});

test('an unreachable NAS is a typed ssh error, and nothing changes locally', async () => {
  assert.ok(sshd);
  const options: OnsiteSnapshotOptions = {
    target: `${sshd.userHost}:${dir}/unreachable`, expectedMarker: UUID, host: 'laptop', sources: [dir], excludes: [],
    ssh: { ...sshd.ssh, port: 1 },
  };
  await assert.rejects(failure(runOnsiteSnapshot(options, recorder())), (error: unknown) => error instanceof ToolError && error.code === 'E_SSH');
});
