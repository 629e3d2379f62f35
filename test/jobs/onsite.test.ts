/**
 * The onsite job against the real rsync on local targets, with the faults of issue 4, each asserting that
 * nothing is lost: an interrupted run (AbortSignal, SIGKILL), a missing or foreign marker, a full target.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { exitCodeFor, ToolError, UserError } from '../../src/errors.js';
import { writeTargetMarker } from '../../src/adapters/onsite-target.js';
import { runOnsiteSnapshot, type OnsiteSnapshotOptions } from '../../src/jobs/onsite.js';
import type { JobEvent, JobResult, Reporter } from '../../src/jobs/types.js';

/** The engine contract: a failed run resolves with its result; its typed error, thrown, for assert.rejects. */
async function failure(run: Promise<JobResult>): Promise<never> {
  const result = await run;
  assert.equal(result.outcome, 'failed');
  throw result.error ?? new Error('a failed result without its error');
}

const UUID = '5d6c1a52-3b8e-4f0e-9a7e-2c1d0b9f8e7a';
let dir = '';
before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'drkit-onsite-')); });
after(() => rm(dir, { recursive: true, force: true }));

function recorder(): Reporter & { events: JobEvent[] } {
  const events: JobEvent[] = [];
  return { events, event: (event) => { events.push(event); } };
}

/** relative path → sha256 (files), 'dir' or '-> target' (links), for comparing whole trees */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(folder: string): Promise<void> {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const rel = path.relative(root, full);
      if (entry.isDirectory()) { out[rel] = 'dir'; await walk(full); }
      else if (entry.isSymbolicLink()) out[rel] = `-> ${await readlink(full)}`;
      else out[rel] = createHash('sha256').update(await readFile(full)).digest('hex');
    }
  }
  await walk(root);
  return out;
}

/** a fresh target with a marker, a source folder, and options with a clock that ticks one hour per run */
async function setup(name: string, extra: Partial<OnsiteSnapshotOptions> = {}) {
  const base = path.join(dir, name);
  const target = path.join(base, 'target');
  const source = path.join(base, 'home', 'ann', 'Documents');
  await mkdir(source, { recursive: true });
  await writeTargetMarker(target, UUID);
  let time = Date.parse('2026-11-27T08:15:00Z');
  const options: OnsiteSnapshotOptions = {
    target, expectedMarker: UUID, host: 'laptop', sources: [source], excludes: [], progressIntervalMs: 0,
    clock: () => new Date(time), ...extra,
  };
  const tick = (ms = 3_600_000): void => { time += ms; };
  return { base, target, source, hostDir: path.join(target, 'laptop'), options, tick };
}

test('two snapshots: full copies under the sources\' absolute paths, unchanged files hard-linked, latest moved', async () => {
  const { source, hostDir, options, tick } = await setup('basic', { excludes: ['*.tmp'] });
  await writeFile(path.join(source, 'same.txt'), 'unchanged\n');
  await writeFile(path.join(source, 'changes.txt'), 'v1\n');
  await writeFile(path.join(source, 'scratch.tmp'), 'excluded\n');
  const other = path.join(path.dirname(source), 'Music');
  await mkdir(other);
  await writeFile(path.join(other, 'song.ogg'), Buffer.alloc(300_000, 1));
  const reporter = recorder();
  const first = await runOnsiteSnapshot({ ...options, sources: [source, `${other}/`] }, reporter);
  assert.equal(first.outcome, 'success');
  assert.equal(first.snapshotId, '2026-11-27T081500Z');
  assert.equal(first.snapshotCount, 1);
  assert.equal(first.bytesTotal, 300_000 + 10 + 3);
  assert.deepEqual(first.warnings, []);
  assert.equal(reporter.events[0]?.type, 'start');
  assert.equal(reporter.events.at(-1)?.type, 'done');
  assert.ok(reporter.events.some((event) => event.type === 'progress' && event.fraction === 1 && (event.bytesDone ?? 0) > 0));

  const snap1 = path.join(hostDir, '2026-11-27T081500Z');
  assert.equal(await readFile(path.join(snap1, source, 'same.txt'), 'utf8'), 'unchanged\n');
  assert.equal(await readFile(path.join(snap1, other, 'song.ogg'), 'utf8').then((s) => s.length), 300_000);
  assert.equal(existsSync(path.join(snap1, source, 'scratch.tmp')), false);
  assert.equal(await readlink(path.join(hostDir, 'latest')), '2026-11-27T081500Z');

  tick();
  await writeFile(path.join(source, 'changes.txt'), 'v2\n');
  // rsync's quick check compares size and mtime: same size within the same second would look unchanged
  await utimes(path.join(source, 'changes.txt'), new Date('2026-11-27T09:00:00Z'), new Date('2026-11-27T09:00:00Z'));
  const second = await runOnsiteSnapshot({ ...options, sources: [source, other] }, recorder());
  assert.equal(second.snapshotId, '2026-11-27T091500Z');
  assert.equal(second.snapshotCount, 2);
  assert.equal(second.bytesAdded, 3, 'only the changed file is transferred');
  const snap2 = path.join(hostDir, '2026-11-27T091500Z');
  const inode = async (file: string): Promise<number> => (await stat(file)).ino;
  assert.equal(await inode(path.join(snap2, source, 'same.txt')), await inode(path.join(snap1, source, 'same.txt')));
  assert.equal(await inode(path.join(snap2, other, 'song.ogg')), await inode(path.join(snap1, other, 'song.ogg')));
  assert.notEqual(await inode(path.join(snap2, source, 'changes.txt')), await inode(path.join(snap1, source, 'changes.txt')));
  assert.equal(await readFile(path.join(snap1, source, 'changes.txt'), 'utf8'), 'v1\n');
  assert.equal(await readFile(path.join(snap2, source, 'changes.txt'), 'utf8'), 'v2\n');
  assert.equal(await readlink(path.join(hostDir, 'latest')), '2026-11-27T091500Z');
  assert.ok((await lstat(path.join(hostDir, 'latest'))).isSymbolicLink());
  assert.deepEqual((await readdir(hostDir)).sort(), ['2026-11-27T081500Z', '2026-11-27T091500Z', 'latest']);
});

test('a missing or foreign marker: "target absent", and nothing is written', async () => {
  const { target, source, options } = await setup('marker');
  await writeFile(path.join(source, 'a'), 'a');
  await rm(path.join(target, '.drkit-target'));
  const before = await tree(target);
  const reporter = recorder();
  await assert.rejects(failure(runOnsiteSnapshot(options, reporter)), (error: unknown) => error instanceof UserError
    && error.code === 'E_TARGET_ABSENT' && /^target absent: /.test(error.message) && error.hints.length > 0);
  assert.deepEqual(await tree(target), before);
  const done = reporter.events.at(-1);
  assert.ok(done?.type === 'done' && done.result.outcome === 'failed' && done.result.error?.code === 'E_TARGET_ABSENT');

  await writeTargetMarker(target, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
  const foreign = await tree(target);
  await assert.rejects(failure(runOnsiteSnapshot(options, recorder())), /another drkit setup/);
  assert.deepEqual(await tree(target), foreign);

  // an unmounted disk: the mount point exists, empty
  const mountPoint = path.join(dir, 'marker', 'unmounted');
  await mkdir(mountPoint);
  await assert.rejects(failure(runOnsiteSnapshot({ ...options, target: mountPoint }, recorder())), /target absent/);
  assert.deepEqual(await readdir(mountPoint), []);
  // a target folder that does not exist at all is not created
  await assert.rejects(failure(runOnsiteSnapshot({ ...options, target: path.join(dir, 'marker', 'nowhere') }, recorder())), /target absent/);
  assert.equal(existsSync(path.join(dir, 'marker', 'nowhere')), false);
});

test('no source exists (an unmounted partition): refused before anything is written', async () => {
  const { target, options } = await setup('nosource');
  const before = await tree(target);
  await assert.rejects(failure(runOnsiteSnapshot({ ...options, sources: [path.join(dir, 'nosource', 'gone'), path.join(dir, 'nosource', 'gone2')] }, recorder())),
    (error: unknown) => error instanceof UserError && error.code === 'E_SOURCES_MISSING');
  assert.deepEqual(await tree(target), before);
  await assert.rejects(failure(runOnsiteSnapshot({ ...options, sources: [] }, recorder())), (error: unknown) => error instanceof UserError && error.code === 'E_NO_SOURCES');
});

test('a source that is a symbolic link to a folder is backed up as the folder, under the link\'s path', async () => {
  const { base, source, hostDir, options } = await setup('symlink');
  const real = path.join(base, 'elsewhere');
  await mkdir(real);
  await writeFile(path.join(real, 'inside.txt'), 'content\n');
  const link = path.join(source, 'Linked');
  await symlink(real, link);
  const result = await runOnsiteSnapshot({ ...options, sources: [link] }, recorder());
  assert.equal(await readFile(path.join(hostDir, result.snapshotId ?? '', link, 'inside.txt'), 'utf8'), 'content\n');
});

test('rsync 23 (a source could not be read): the snapshot is kept and complete, the result is a warning', async () => {
  const { source, hostDir, options } = await setup('partial');
  await writeFile(path.join(source, 'ok.txt'), 'fine\n');
  const missing = path.join(dir, 'partial', 'unplugged-drive');
  const reporter = recorder();
  const result = await runOnsiteSnapshot({ ...options, sources: [source, missing] }, reporter);
  assert.equal(result.outcome, 'warning');
  assert.match(result.warnings[0] ?? '', /could not be read \(rsync exit 23\)/);
  assert.ok(result.warnings.some((line) => line.includes(missing)), result.warnings.join('\n'));
  assert.ok(reporter.events.some((event) => event.type === 'warning'));
  assert.equal(await readFile(path.join(hostDir, result.snapshotId ?? '', source, 'ok.txt'), 'utf8'), 'fine\n');
  assert.equal(await readlink(path.join(hostDir, 'latest')), result.snapshotId);
});

test('retention runs after a success, thins by age and keeps the newest', async () => {
  const DAY = 86_400_000;
  const { hostDir, source, options, tick } = await setup('retention', { keep: { all: DAY, daily: 7 * DAY, weekly: 7 * DAY, monthly: 0 } });
  await writeFile(path.join(source, 'f'), 'x');
  const ids: string[] = [];
  for (let run = 0; run < 12; run += 1) {
    ids.push((await runOnsiteSnapshot(options, recorder())).snapshotId ?? '');
    tick(DAY / 2); // two a day for six days
  }
  const left = (await readdir(hostDir)).filter((name) => name !== 'latest').sort();
  // the last 24 hours: all (3 snapshots: -24h excluded, -12h, 0 ... ), older days: the oldest of each day
  assert.ok(left.includes(ids.at(-1) ?? ''), 'the newest is kept');
  assert.ok(left.length < ids.length, `thinned: ${left.join(' ')}`);
  const days = left.map((name) => name.slice(0, 10));
  const olderDays = days.slice(0, -3);
  assert.equal(new Set(olderDays).size, olderDays.length, `one per day beyond 24 hours: ${left.join(' ')}`);

  // a policy that keeps nothing but the newest
  tick(DAY);
  const last = await runOnsiteSnapshot({ ...options, keep: { all: 0, daily: 0, weekly: 0, monthly: 0 } }, recorder());
  assert.equal(last.snapshotCount, 1);
  assert.deepEqual((await readdir(hostDir)).sort(), [last.snapshotId, 'latest']);
});

/** data big enough that a bandwidth-limited rsync takes seconds */
async function bigSource(source: string, files: number, size: number): Promise<void> {
  for (let i = 0; i < files; i += 1) {
    const block = Buffer.alloc(size);
    for (let j = 0; j < size; j += 4096) block.writeUInt32LE(i * 1_000_003 + j, j); // not sparse-able, distinct
    await writeFile(path.join(source, `big-${String(i).padStart(2, '0')}.bin`), block);
  }
}

/** pids of rsync processes whose command line mentions `needle` */
async function rsyncPids(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const argv = cmdline.split('\0');
    if (path.basename(argv[0] ?? '') === 'rsync' && argv.some((arg) => arg.includes(needle))) pids.push(Number(entry));
  }
  return pids;
}

async function interruptedThenResumed(name: string, interrupt: (ctx: { hostDir: string; controller: AbortController }) => Promise<void>) {
  const { source, hostDir, options, tick } = await setup(name);
  await writeFile(path.join(source, 'old.txt'), 'from the first snapshot\n');
  const first = await runOnsiteSnapshot(options, recorder());
  const firstTree = await tree(path.join(hostDir, first.snapshotId ?? ''));
  tick();
  await bigSource(source, 8, 512 * 1024);
  const controller = new AbortController();
  let interrupting: Promise<void> | undefined;
  const reporter: Reporter = {
    event: (event) => {
      if (event.type === 'progress' && (event.bytesDone ?? 0) >= 1024 * 1024 && interrupting === undefined) {
        interrupting = interrupt({ hostDir, controller });
      }
    },
  };
  const failure = await runOnsiteSnapshot({ ...options, bwlimitKiBps: 1024 }, reporter, controller.signal).then(
    (result) => (result.outcome === 'failed' ? result.error : assert.fail('the interrupted run must fail')));
  await interrupting;
  assert.ok(failure instanceof ToolError, String(failure));
  assert.equal(failure.code, 'E_RSYNC_INTERRUPTED');
  assert.match(failure.message, /not completed \(2026-11-27T091500Z\.inprogress is kept and reused next time\)/);

  // nothing complete-looking, older snapshot and latest untouched
  const entries = (await readdir(hostDir)).sort();
  assert.deepEqual(entries, [first.snapshotId, '2026-11-27T091500Z.inprogress', 'latest']);
  assert.equal(await readlink(path.join(hostDir, 'latest')), first.snapshotId);
  assert.deepEqual(await tree(path.join(hostDir, first.snapshotId ?? '')), firstTree);
  const partial = await tree(path.join(hostDir, '2026-11-27T091500Z.inprogress'));
  const partialFiles = Object.keys(partial).filter((rel) => /big-\d+\.bin$/.test(rel));
  assert.ok(partialFiles.length >= 1 && partialFiles.length < 8, `a partial copy: ${partialFiles.length} files`);

  // the next run reuses it and completes
  tick();
  const events = recorder();
  const resumed = await runOnsiteSnapshot(options, events);
  assert.equal(resumed.outcome, 'success');
  assert.ok(events.events.some((event) => event.type === 'info' && /resuming the interrupted snapshot 2026-11-27T091500Z\.inprogress/.test(event.message)));
  assert.ok((resumed.bytesAdded ?? 0) < 8 * 512 * 1024, `work not redone: ${resumed.bytesAdded} bytes transferred`);
  assert.deepEqual((await readdir(hostDir)).sort(), [first.snapshotId, resumed.snapshotId, 'latest']);
  // the complete snapshot is exactly the source: no rsync temporary files left from the killed run
  const snapshotSource = path.join(hostDir, resumed.snapshotId ?? '', source);
  assert.deepEqual(await tree(snapshotSource), await tree(source));
  assert.deepEqual(await tree(path.join(hostDir, first.snapshotId ?? '')), firstTree);
  assert.equal((await stat(path.join(snapshotSource, 'old.txt'))).ino,
    (await stat(path.join(hostDir, first.snapshotId ?? '', source, 'old.txt'))).ino);
}

test('fault: rsync killed with SIGKILL mid-snapshot — no complete-looking partial, the next run reuses it, older snapshots intact', async () => {
  await interruptedThenResumed('sigkill', async ({ hostDir }) => {
    const pids = await rsyncPids(path.join(hostDir, '2026-11-27T091500Z.inprogress'));
    assert.ok(pids.length > 0, 'rsync is running');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
  });
});

test('an AbortSignal stops the run the same way (the in-progress folder is kept for the next run)', async () => {
  await interruptedThenResumed('abort', ({ controller }) => {
    controller.abort();
    return Promise.resolve();
  });
});

test('fault: target out of space — a clear error, older snapshots intact, the partial reused once there is room', async (t) => {
  const mountPoint = path.join(dir, 'full');
  await mkdir(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    t.skip(`cannot mount a tmpfs here (needs root): ${(error as Error).message}`);
    return;
  }
  t.after(() => { execFileSync('umount', ['-l', mountPoint]); });
  const source = path.join(dir, 'full-src', 'data');
  await mkdir(source, { recursive: true });
  await writeFile(path.join(source, 'small.txt'), 'small\n');
  await writeTargetMarker(mountPoint, UUID);
  let time = Date.parse('2026-11-27T08:15:00Z');
  const options: OnsiteSnapshotOptions = {
    target: mountPoint, expectedMarker: UUID, host: 'laptop', sources: [source], excludes: [], clock: () => new Date(time),
  };
  const hostDir = path.join(mountPoint, 'laptop');
  const first = await runOnsiteSnapshot(options, recorder());
  const firstTree = await tree(path.join(hostDir, first.snapshotId ?? ''));

  time += 3_600_000;
  await bigSource(source, 1, 3 * 1024 * 1024);
  const reporter = recorder();
  await assert.rejects(failure(runOnsiteSnapshot(options, reporter)), (error: unknown) => {
    assert.ok(error instanceof ToolError, String(error));
    assert.equal(error.code, 'E_RSYNC_NO_SPACE');
    assert.match(error.message, /is full/);
    assert.ok(error.hints.some((hint) => /free space/.test(hint)));
    return true;
  });
  const done = reporter.events.at(-1);
  assert.ok(done?.type === 'done' && done.result.outcome === 'failed' && done.result.error?.code === 'E_RSYNC_NO_SPACE');
  assert.equal(done.result.error.kind, 'tool');
  assert.equal(exitCodeFor(done.result.error), 4);
  assert.equal(done.result.snapshotId, undefined);
  assert.deepEqual((await readdir(hostDir)).sort(), [first.snapshotId, '2026-11-27T091500Z.inprogress', 'latest']);
  assert.equal(await readlink(path.join(hostDir, 'latest')), first.snapshotId);
  assert.deepEqual(await tree(path.join(hostDir, first.snapshotId ?? '')), firstTree);

  // make room in the source; the next run completes from the partial folder
  await rm(path.join(source, 'big-00.bin'));
  await appendFile(path.join(source, 'small.txt'), 'more\n');
  time += 3_600_000;
  const next = await runOnsiteSnapshot(options, recorder());
  assert.equal(next.outcome, 'success');
  assert.deepEqual((await readdir(hostDir)).sort(), [first.snapshotId, next.snapshotId, 'latest']);
  assert.deepEqual(await tree(path.join(hostDir, next.snapshotId ?? '', source)), await tree(source));
});

test('the kit\'s canary is copied into every snapshot under its absolute path, and never makes a snapshot on its own', async () => {
  const { base, source, hostDir, options } = await setup('canary');
  await writeFile(path.join(source, 'letter.txt'), 'hello\n');
  const canary = path.join(base, 'state', 'drkit', 'canary', 'drkit-canary.txt');
  await mkdir(path.dirname(canary), { recursive: true });
  await writeFile(canary, 'drkit canary: this backup belongs with recovery kit 7QF2-9KXA made on 2026-12-01\n');
  const result = await runOnsiteSnapshot({ ...options, canary }, recorder());
  assert.equal(result.outcome, 'success');
  assert.equal(await readFile(path.join(hostDir, 'latest', canary), 'utf8'), await readFile(canary, 'utf8'));
  assert.equal(await readFile(path.join(hostDir, 'latest', source, 'letter.txt'), 'utf8'), 'hello\n');
  // the engine contract: a failure is a result carrying the typed error, never a throw
  const alone = await runOnsiteSnapshot({ ...options, sources: [path.join(base, 'not-mounted')], canary }, recorder());
  assert.equal(alone.outcome, 'failed');
  assert.ok(alone.error instanceof UserError && alone.error.code === 'E_SOURCES_MISSING', JSON.stringify(alone.error));
});
