/**
 * The pure rules of a restore (src/core/restore.ts, src/core/restore-progress.ts): the list, the answers, the
 * flags, the free-space rule (with the free space passed in, as statfs would give it), where the files are,
 * and the progress maths.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/errors.js';
import {
  checkFreeSpace, checkIncludePatterns, checkPathFilters, checkSnapshotFlag, formatSnapshotTable, needsSnapshotListing,
  newestFirst, nonEmptyTargetError, parseSnapshotAnswer, PICK_ADVICE, topFolders, type ReadFolder, type SnapshotRow,
} from '../../src/core/restore.js';
import { addSample, describeProgress, formatDuration, progressView, type ProgressSample } from '../../src/core/restore-progress.js';
import { formatBytes, formatLocalTime } from '../../src/ui/format.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const rows: SnapshotRow[] = newestFirst([
  { id: 'aaaa1111'.padEnd(64, '0'), shortId: 'aaaa1111', time: '2026-11-20T08:15:00Z', hostname: 'laptop', paths: ['/home/ann'], size: 2 * GiB },
  { id: 'bbbb2222'.padEnd(64, '0'), shortId: 'bbbb2222', time: '2026-11-27T08:15:00.123456789Z', hostname: 'laptop', paths: ['/home/ann', '/etc'] },
  { id: 'aaaa3333'.padEnd(64, '0'), shortId: 'aaaa3333', time: '2026-11-25T23:30:00Z', hostname: 'desktop', paths: ['/home/ben'], size: 512 },
]);

test('snapshots are listed newest first, in local time with the zone, with the advice under them', () => {
  assert.deepEqual(rows.map((row) => row.shortId), ['bbbb2222', 'aaaa3333', 'aaaa1111']);
  const lines = formatSnapshotTable(rows, { formatTime: (iso) => formatLocalTime(iso, 'Europe/Paris'), formatBytes });
  assert.equal(lines[0], '#  id        date                    host         size  folders');
  assert.equal(lines[1], '1  bbbb2222  2026-11-27 09:15 GMT+1  laptop          ?  /home/ann, /etc   (newest)');
  assert.equal(lines[2], '2  aaaa3333  2026-11-26 00:30 GMT+1  desktop     512 B  /home/ben');
  assert.equal(lines[3], '3  aaaa1111  2026-11-20 09:15 GMT+1  laptop   2.00 GiB  /home/ann');
  assert.equal(lines.at(-1), PICK_ADVICE);
});

test('an answer picks a row by number, id or its start; Enter and "latest" pick the newest; the rest is named', () => {
  const pick = (answer: string) => {
    const result = parseSnapshotAnswer(answer, rows);
    return 'problem' in result ? result.problem : result.shortId;
  };
  assert.equal(pick(''), 'bbbb2222');
  assert.equal(pick('  '), 'bbbb2222');
  assert.equal(pick('latest'), 'bbbb2222');
  assert.equal(pick('3'), 'aaaa1111');
  assert.equal(pick(' 2 '), 'aaaa3333');
  assert.equal(pick('1'), 'bbbb2222');
  assert.equal(pick('AAAA1111'), 'aaaa1111');
  assert.equal(pick('aaaa3'), 'aaaa3333');
  assert.match(pick('aaaa'), /aaaa is the start of 2 snapshot ids: type more of it/);
  assert.match(pick('4'), /there is no row 4: type a number from 1 to 3/);
  assert.match(pick('0'), /there is no row 0/);
  assert.match(pick('cafe'), /no snapshot in the list has the id cafe/);
  assert.match(pick('yesterday'), /"yesterday" is not a row number or a snapshot id: .* press Enter for the newest/);
  const empty = parseSnapshotAnswer('', []);
  assert.ok('problem' in empty);
});

test('the restore flags are checked with a message naming the flag and the fix', () => {
  assert.equal(checkSnapshotFlag('latest'), 'latest');
  assert.equal(checkSnapshotFlag('1A2B3C4D'), '1a2b3c4d');
  assert.throws(() => checkSnapshotFlag('newest'), (error: unknown) => error instanceof UserError && /--snapshot "newest" is not a snapshot id or "latest"/.test(error.message) && error.hints.length > 0);
  assert.throws(() => checkSnapshotFlag('--force'), UserError);
  checkPathFilters(['/home/ann']);
  assert.throws(() => checkPathFilters(['home/ann']), /--path "home\/ann" must be an absolute path/);
  checkIncludePatterns(['/home/ann/Photos', '*.jpg']);
  assert.throws(() => checkIncludePatterns(['-x']), /--include "-x" is not a path or pattern/);
});

test('a list is fetched only when someone can answer and no snapshot was named', () => {
  assert.equal(needsSnapshotListing({ canAsk: true, snapshotGiven: false }), true);
  assert.equal(needsSnapshotListing({ canAsk: true, snapshotGiven: true }), false);
  assert.equal(needsSnapshotListing({ canAsk: false, snapshotGiven: false }), false);
});

test('free space: a snapshot larger than the room is refused, naming both numbers and the external disk', () => {
  // the free space as statfs reports it for the target's file system, injected
  const statfs = { bavail: 1000, bsize: 4096 };
  const available = statfs.bavail * statfs.bsize;
  assert.throws(() => checkFreeSpace({ target: '/home/ubuntu/restore', needed: 3 * GiB, available, partial: false }, formatBytes), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.code, 'E_NO_SPACE');
    assert.equal(error.message, 'not enough room: /home/ubuntu/restore has 3.91 MiB free, the snapshot needs 3.00 GiB');
    assert.match(error.hints[0] ?? '', /plug in an external disk, open it in the file manager, and restore there/);
    assert.deepEqual(error.details, { target: '/home/ubuntu/restore', availableBytes: available, neededBytes: 3 * GiB });
    return true;
  });
  assert.equal(checkFreeSpace({ target: '/t', needed: GiB, available: 2 * GiB, partial: false }, formatBytes), null);
  // a margin: exactly the size is not enough (directories, metadata)
  assert.throws(() => checkFreeSpace({ target: '/t', needed: GiB, available: GiB, partial: false }, formatBytes), /not enough room/);
  // --include writes less than the whole snapshot: a warning, not a refusal
  assert.match(checkFreeSpace({ target: '/t', needed: 3 * GiB, available, partial: true }, formatBytes) ?? '', /only the --include files are restored, so they may fit/);
});

test('a non-empty target is refused with the way out', () => {
  const error = nonEmptyTargetError('/r', ['a', 'b', 'c', 'd']);
  assert.equal(error.code, 'E_TARGET_NOT_EMPTY');
  assert.match(error.message, /the folder \/r is not empty \(it holds a, b, c, … \(4 in all\)\)/);
  assert.ok(error.hints.some((hint) => hint.includes('--force')));
});

test('where the files are: down the single-folder chain to the first folder that holds files or branches', async () => {
  const tree: Record<string, { name: string; isFolder: boolean }[]> = {
    '/r': [{ name: 'home', isFolder: true }],
    '/r/home': [{ name: 'ann', isFolder: true }],
    '/r/home/ann': [{ name: 'Photos', isFolder: true }, { name: 'Docs', isFolder: true }],
    '/s': [{ name: 'home', isFolder: true }],
    '/s/home': [{ name: 'notes.txt', isFolder: false }, { name: 'x', isFolder: true }],
    '/e': [],
  };
  const read: ReadFolder = (path) => Promise.resolve(tree[path] ?? []);
  assert.deepEqual(await topFolders('/r/', read), ['/r/home/ann/Docs', '/r/home/ann/Photos']);
  assert.deepEqual(await topFolders('/s', read), ['/s/home']);
  assert.deepEqual(await topFolders('/e', read), []);
});

test('progress: fraction, rate over the last 10 s, time left; never done before the end', () => {
  let samples: ProgressSample[] = [];
  for (let second = 0; second <= 30; second++) samples = addSample(samples, { atMs: second * 1000, bytes: second * 10 * MiB });
  assert.ok(samples.length <= 12, 'only the window is kept');
  const view = progressView(samples, 600 * MiB);
  assert.equal(view.fraction, 0.5);
  assert.equal(view.bytesPerSecond, 10 * MiB);
  assert.equal(view.secondsLeft, 30);
  assert.equal(describeProgress(view, formatBytes), '50 % · 300.0 MiB of 600.0 MiB · 10.0 MiB/s · 30 s left');
  // measured bytes can run past the total (restic's cache): 99 % and the total until it has ended
  const ahead = progressView([{ atMs: 0, bytes: 0 }, { atMs: 2000, bytes: 700 * MiB }], 600 * MiB);
  assert.equal(ahead.fraction, 0.99);
  assert.equal(ahead.bytesDone, 600 * MiB);
  assert.equal(progressView([{ atMs: 0, bytes: 600 * MiB }], 600 * MiB, { finished: true }).fraction, 1);
  // no total (an --include restore on restic 0.14): bytes and rate only
  const open = progressView([{ atMs: 0, bytes: 0 }, { atMs: 4000, bytes: 8 * MiB }], undefined);
  assert.equal(describeProgress(open, formatBytes), '8.00 MiB written · 2.00 MiB/s');
  // under a second measured: no rate yet
  assert.equal(progressView([{ atMs: 0, bytes: 0 }, { atMs: 500, bytes: MiB }], 10 * MiB).bytesPerSecond, undefined);
  // a stalled network: no time left rather than infinity
  const stalled = progressView([{ atMs: 0, bytes: MiB }, { atMs: 5000, bytes: MiB }], 10 * MiB);
  assert.equal(stalled.secondsLeft, undefined);
  assert.equal(describeProgress(stalled, formatBytes), '10 % · 1.00 MiB of 10.0 MiB · waiting for data');
  assert.equal(progressView([{ atMs: 0, bytes: MiB }, { atMs: 10_000, bytes: MiB + 3 }], 100 * GiB).secondsLeft, undefined, 'no estimate of years');
});

test('durations read as a person plans: seconds, minutes, hours, days', () => {
  assert.equal(formatDuration(0.2), '1 s');
  assert.equal(formatDuration(59), '59 s');
  assert.equal(formatDuration(61), '2 min');
  assert.equal(formatDuration(3600), '1 h');
  assert.equal(formatDuration(3600 + 20 * 60), '1 h 20 min');
  assert.equal(formatDuration(3 * 86400 + 3 * 3600), '3 d 3 h');
  assert.equal(formatDuration(Infinity), 'unknown');
});
