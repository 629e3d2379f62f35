// The adapter pieces a restore uses: restore and stats arguments with their filters, the line that names the
// snapshot restic resolved, a snapshot's size from its summary; then the real restic (0.14 and 0.18): stats of a
// filter that matches nothing, restore reporting the snapshot and restic's pid. And the restore-target adapter:
// free space of a folder not made yet, the bytes a process has written, a file given as a folder.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UserError } from '../../src/errors.js';
import { buildResticArgs } from '../../src/adapters/restic/args.js';
import { parseRestoreLine, parseSnapshots } from '../../src/adapters/restic/json.js';
import { parseResticVersion, resticFeatures, type ResticVersion } from '../../src/adapters/restic/version.js';
import { openResticRepository } from '../../src/adapters/restic/index.js';
import { runProgram } from '../../src/adapters/exec.js';
import { buildRsyncCopyArgs } from '../../src/adapters/rsync.js';
import { folderEntries, freeBytes, writtenBytesOf } from '../../src/adapters/restore-target.js';
import { resticBinaries } from '../helpers/restic-versions.js';

const features = resticFeatures(parseResticVersion('restic 0.14.0') as ResticVersion);
const scratch = mkdtempSync(join(tmpdir(), 'drkit-restic-restore-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('arguments and output', () => {
  test('restore takes --path filters for "latest"; stats takes --host and --path before the snapshot', () => {
    assert.deepEqual(buildResticArgs({ command: 'restore', args: { snapshot: 'latest', target: '/r', host: 'laptop', paths: ['/home/ann'], include: ['/home/ann/Photos'], verify: true } }, {}, features),
      ['restore', '--json', '--target', '/r', '--include', '/home/ann/Photos', '--host', 'laptop', '--path', '/home/ann', '--verify', 'latest']);
    assert.deepEqual(buildResticArgs({ command: 'stats', args: { snapshot: 'latest', host: 'laptop', paths: ['/a', '/b'] } }, {}, features),
      ['stats', '--json', '--host', 'laptop', '--path', '/a', '--path', '/b', 'latest']);
    assert.throws(() => buildResticArgs({ command: 'stats', args: { snapshot: '--all' } }, {}, features), UserError);
  });

  test('the line restic prints as a restore begins names the snapshot it resolved', () => {
    assert.deepEqual(parseRestoreLine('restoring <Snapshot ebb27dbf of [/tmp/rt/src] at 2026-12-01 17:15:56.702174846 +0000 UTC by root@vm> to out'),
      { type: 'restore_start', snapshotShortId: 'ebb27dbf' });
    assert.equal(parseRestoreLine('restoring something else').type, 'text');
  });

  test('a snapshot made by restic ≥ 0.17 carries its size in its summary', () => {
    const [withSummary, without] = parseSnapshots(JSON.stringify([
      { id: 'a'.repeat(64), time: '2026-12-01T17:16:45Z', paths: ['/x'], summary: { total_bytes_processed: 225443840, files_new: 0 } },
      { id: 'b'.repeat(64), time: '2026-12-01T17:15:56Z', paths: ['/x'] },
    ])) ?? [];
    assert.equal(withSummary?.size, 225443840);
    assert.equal(without?.size, undefined);
  });

  test('onsite copy: rsync -a of the snapshot folder\'s content, with progress; absolute paths only', () => {
    assert.deepEqual(buildRsyncCopyArgs({ source: '/media/disk/laptop/2026-11-27T081500Z', destination: '/home/u/restore/' }),
      ['--archive', '--info=progress2', '--stats', '/media/disk/laptop/2026-11-27T081500Z/', '/home/u/restore/']);
    assert.throws(() => buildRsyncCopyArgs({ source: 'laptop/latest', destination: '/r' }), RangeError);
  });
});

for (const restic of resticBinaries()) {
  test(`real restic ${restic.label}: stats of a filter that matches nothing, restore naming its snapshot and pid`, async () => {
    const base = join(scratch, restic.label);
    const data = join(base, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'a.txt'), 'alpha\n');
    const repository = join(base, 'repo');
    const password = 'restore adapter password';
    const passwordFile = join(base, 'pw');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    const env = { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: repository };
    assert.equal((await runProgram(restic.binary, ['init'], { env })).exitStatus, 0);
    assert.equal((await runProgram(restic.binary, ['backup', '--host', 'laptop', data], { env })).exitStatus, 0);
    const repo = await openResticRepository({ repository, password: { value: password } }, { binary: restic.binary });
    const none = await repo.stats({ snapshot: 'latest', host: 'nosuch' });
    assert.equal(none.snapshotsCount, 0);
    const some = await repo.stats({ snapshot: 'latest', host: 'laptop', paths: [data] });
    assert.equal(some.totalSize, 6);
    let pid: number | undefined;
    const result = await repo.restore({ snapshot: 'latest', target: join(base, 'out'), host: 'laptop', paths: [data], verify: true }, undefined, { onSpawn: (p) => { pid = p; } });
    assert.ok(typeof pid === 'number' && pid > 0, 'onSpawn gave restic\'s pid');
    const [snapshot] = await repo.snapshots();
    if (repo.features.restoreJson) {
      assert.ok((result.filesRestored ?? 0) >= 1, 'restic ≥ 0.16 counts what it restored (folders too)');
      assert.equal(result.snapshotShortId, null, 'restic ≥ 0.16 does not say with --json');
    } else {
      assert.equal(result.snapshotShortId, snapshot?.shortId);
      assert.equal(result.filesRestored, null);
    }
  });
}

describe('the restore target', () => {
  test('free space of a folder not made yet is its nearest parent\'s file system', async () => {
    const free = await freeBytes(join(scratch, 'not', 'made', 'yet'));
    assert.ok(free > 0);
  });

  test('the bytes a process has written, from /proc; null for a process that is gone', async () => {
    const before = await writtenBytesOf(process.pid);
    assert.equal(typeof before, 'number');
    writeFileSync(join(scratch, 'written'), Buffer.alloc(100_000));
    const afterWrite = await writtenBytesOf(process.pid);
    assert.ok((afterWrite ?? 0) - (before ?? 0) >= 100_000);
    assert.equal(await writtenBytesOf(2 ** 22 + 12345), null);
  });

  test('entries of a folder; null when missing; a file is named as not a folder', async () => {
    assert.equal(await folderEntries(join(scratch, 'missing'), '--restore-to'), null);
    writeFileSync(join(scratch, 'a-file'), 'x');
    await assert.rejects(folderEntries(join(scratch, 'a-file'), '--restore-to'), (error: unknown) => error instanceof UserError && /--restore-to .*a-file is a file, not a folder/.test(error.message));
  });
});
