import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ToolError } from '../../src/errors.js';
import {
  buildRsyncArgs, mapRsyncExit, parseProgressLine, parseStatsLine, runRsync, type RsyncProgress, type RsyncStats,
} from '../../src/adapters/rsync.js';

test('arguments: archive + relative, link-dest, delete, excludes in order, sources then destination', () => {
  assert.deepEqual(buildRsyncArgs({
    sources: ['/home/ann/Photos', '/etc'], destination: '/mnt/usb/laptop/2026-11-27T081500Z.inprogress/',
    linkDest: '../2026-11-26T081500Z', excludes: ['*.tmp', '/home/ann/Photos/cache/'], delete: true,
    rsh: 'ssh -p 2222 -o BatchMode=yes', bwlimitKiBps: 500,
  }), [
    '--archive', '--relative', '--info=progress2', '--stats', '--delete', '--delete-excluded', '--link-dest=../2026-11-26T081500Z',
    '--bwlimit=500', '-e', 'ssh -p 2222 -o BatchMode=yes', '--exclude=*.tmp', '--exclude=/home/ann/Photos/cache/',
    '/home/ann/Photos', '/etc', '/mnt/usb/laptop/2026-11-27T081500Z.inprogress/',
  ]);
  assert.deepEqual(buildRsyncArgs({ sources: ['/a'], destination: 'd/', progress: false }), ['--archive', '--relative', '/a', 'd/']);
});

test('arguments: relative sources and option-like destinations are refused', () => {
  assert.throws(() => buildRsyncArgs({ sources: ['--delete'], destination: '/d/' }), /must be an absolute path/);
  assert.throws(() => buildRsyncArgs({ sources: [], destination: '/d/' }), /at least one source/);
  assert.throws(() => buildRsyncArgs({ sources: ['/a'], destination: '-e' }), /destination/);
});

test('progress2 lines are parsed; other lines are not progress', () => {
  assert.deepEqual(parseProgressLine('      3,000,000  99%  943.26MB/s    0:00:00 (xfr#1, to-chk=1/6)'),
    { bytesDone: 3_000_000, fraction: 0.99, filesDone: 5, filesTotal: 6 });
  assert.deepEqual(parseProgressLine('         32,768   1%    0.00kB/s    0:00:00  '), { bytesDone: 32_768, fraction: 0.01 });
  assert.deepEqual(parseProgressLine('  1,024 100%  1.00MB/s  0:00:00 (xfr#2, ir-chk=10/40)'),
    { bytesDone: 1024, fraction: 1, filesDone: 30, filesTotal: 40 });
  assert.equal(parseProgressLine('Number of files: 6 (reg: 2, dir: 4)'), null);
  assert.equal(parseProgressLine('sent 3,001,001 bytes  received 74 bytes  6,002,150.00 bytes/sec'), null);
});

test('--stats lines fill the figures', () => {
  const stats: RsyncStats = {};
  for (const line of ['Number of files: 6 (reg: 2, dir: 4)', 'Number of regular files transferred: 2',
    'Total file size: 3,000,003 bytes', 'Total transferred file size: 1,000 bytes', 'Literal data: 3 bytes']) parseStatsLine(line, stats);
  assert.deepEqual(stats, { filesTotal: 2, regularFilesTransferred: 2, totalFileSize: 3_000_003, transferredFileSize: 1000 });
});

const exit = (exitStatus: number | null, stderrTail = '', signal: NodeJS.Signals | null = null) => ({ exitStatus, stderrTail, signal });
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ToolError, String(error));
    assert.equal(error.program, 'rsync');
    return error.code;
  }
  return 'no error';
};

test('exit codes: 0 ok, 24 and sender-side 23 are warnings', () => {
  assert.deepEqual(mapRsyncExit(exit(0), '/t'), { kind: 'ok' });
  assert.deepEqual(mapRsyncExit(exit(24, 'file has vanished: "/a/b"\nrsync warning: some files vanished before they could be transferred (code 24)'), '/t'),
    { kind: 'warning', exitStatus: 24, messages: ['file has vanished: "/a/b"'] });
  const sender = 'rsync: [sender] link_stat "/nope" failed: No such file or directory (2)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]\n';
  const outcome = mapRsyncExit(exit(23, sender), '/t');
  assert.equal(outcome.kind, 'warning');
  // a target that cannot store owners or times still holds every byte
  const attributes = 'rsync: [generator] chown "/nas/x" failed: Operation not permitted (1)\nrsync: [receiver] failed to set times on "/nas/y": Operation not permitted (1)\nrsync error: some files/attrs were not transferred (code 23) [generator=3.5.0]';
  assert.equal(mapRsyncExit(exit(23, attributes), '/nas').kind, 'warning');
});

test('exit codes: target-side errors, a full disk, signals, ssh and the rest are typed tool errors', () => {
  assert.equal(code(() => mapRsyncExit(exit(23, 'rsync: [receiver] mkstemp "/t/x" failed: Permission denied (13)\nrsync error: some files/attrs were not transferred (code 23) [generator=3.5.0]'), '/t')), 'E_RSYNC_TARGET_WRITE');
  assert.equal(code(() => mapRsyncExit(exit(11, 'rsync: [receiver] write failed on "/t/big": No space left on device (28)\nrsync error: error in file IO (code 11)'), '/t')), 'E_RSYNC_NO_SPACE');
  assert.equal(code(() => mapRsyncExit(exit(23, 'rsync: [receiver] write failed on "/t/big": No space left on device (28)'), '/t')), 'E_RSYNC_NO_SPACE');
  assert.equal(code(() => mapRsyncExit(exit(null, '', 'SIGKILL'), '/t')), 'E_RSYNC_INTERRUPTED');
  assert.equal(code(() => mapRsyncExit(exit(20, 'rsync error: received SIGINT, SIGTERM, or SIGHUP (code 20)'), '/t')), 'E_RSYNC_INTERRUPTED');
  assert.equal(code(() => mapRsyncExit(exit(255, 'ssh: connect to host nas port 22: Connection refused'), 'nas:/b')), 'E_RSYNC_SSH');
  assert.equal(code(() => mapRsyncExit(exit(12, 'ssh: connect to host nas port 22: Connection refused\nrsync: connection unexpectedly closed'), 'nas:/b')), 'E_RSYNC_SSH');
  assert.equal(code(() => mapRsyncExit(exit(12, 'sh: 1: rsync: not found\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]'), 'nas:/b')), 'E_RSYNC_REMOTE_MISSING');
  assert.equal(code(() => mapRsyncExit(exit(12, 'bash: line 1: rsync: command not found\nrsync: connection unexpectedly closed'), 'nas:/b')), 'E_RSYNC_REMOTE_MISSING');
  for (const status of [1, 2, 3, 5, 10, 11, 12, 30, 35, 99]) {
    assert.equal(code(() => mapRsyncExit(exit(status, 'rsync error: something'), '/t')), 'E_RSYNC_FAILED', `exit ${status}`);
  }
  try {
    mapRsyncExit(exit(30, 'rsync error: timeout in data send/receive (code 30)'), '/mnt/usb');
  } catch (error) {
    assert.ok(error instanceof ToolError);
    assert.match(error.message, /^rsync timed out \(exit 30\) writing to \/mnt\/usb$/);
    assert.match(error.stderrTail, /timeout/);
  }
});

test('a real rsync run streams progress, reports stats, and a missing source is a warning', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'drkit-rsync-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const source = path.join(dir, 'src', 'docs');
  await mkdir(path.join(source, 'sub'), { recursive: true });
  await writeFile(path.join(source, 'a.txt'), 'alpha\n');
  await writeFile(path.join(source, 'sub', 'b.bin'), Buffer.alloc(200_000, 7));
  await writeFile(path.join(source, 'skip.tmp'), 'excluded');
  const progress: RsyncProgress[] = [];
  const destination = `${path.join(dir, 'dst')}/`;
  const { outcome, stats } = await runRsync(buildRsyncArgs({ sources: [source], destination, excludes: ['*.tmp'] }), destination,
    { onProgress: (p) => progress.push(p) });
  assert.deepEqual(outcome, { kind: 'ok' });
  assert.equal(await readFile(path.join(dir, 'dst', source, 'a.txt'), 'utf8'), 'alpha\n');
  await assert.rejects(readFile(path.join(dir, 'dst', source, 'skip.tmp')), /ENOENT/);
  assert.ok(progress.length > 0);
  assert.equal(progress.at(-1)?.fraction, 1);
  assert.equal(stats.totalFileSize, 200_006);
  assert.equal(stats.regularFilesTransferred, 2);

  const lines: string[] = [];
  const again = await runRsync(buildRsyncArgs({ sources: [source, path.join(dir, 'missing')], destination }), destination,
    { onStderrLine: (line) => lines.push(line) });
  assert.equal(again.outcome.kind, 'warning');
  assert.ok(lines.some((line) => line.includes('missing')), lines.join('\n'));
});
