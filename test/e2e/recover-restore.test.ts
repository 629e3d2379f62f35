/**
 * `drkit recover --restore-to` as a restorer uses it, against the real restic (the system's 0.14 and 0.18) on a
 * local repository and on `rclone serve restic`: the snapshot choices (--snapshot id and latest, --host, --path,
 * --include) compared byte for byte with what was backed up, a non-empty target refused and --force, a target
 * too small (a real tmpfs when the tests run as root), progress from a slow server, and `recover --onsite`
 * over a disk made by the real onsite job.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { writeTargetMarker } from '../../src/adapters/onsite-target.js';
import { runOnsiteSnapshot } from '../../src/jobs/onsite.js';
import { treeHashes, writeChainedFile } from '../helpers/files.js';
import { runCli } from '../helpers/cli.js';
import { resticBinaries, type ResticBinary } from '../helpers/restic-versions.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-restore-e2e-'));
const servers: RunningServer[] = [];
after(async () => {
  for (const server of servers) await server.stop();
  rmSync(work, { recursive: true, force: true });
});


/** relative path → sha256 of every file under `root` ('dir' for folders), to compare trees byte for byte */
const tree = (root: string): Record<string, string> => treeHashes(root, { folders: true });

function subtree(all: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(all).filter(([path]) => path === prefix || path.startsWith(`${prefix}/`)));
}


// the data of two computers: ann's laptop (backed up twice, a file changed between) and ben's desktop
const ann = join(work, 'src', 'home', 'ann');
const ben = join(work, 'src', 'home', 'ben');
mkdirSync(join(ann, 'Docs'), { recursive: true });
mkdirSync(join(ann, 'Photos'), { recursive: true });
mkdirSync(join(ben, 'Music'), { recursive: true });
writeFileSync(join(ann, 'Docs', 'letter.txt'), 'dear Ben, version one\n');
for (let i = 0; i < 6; i++) writeChainedFile(join(ann, 'Photos', `p${i}.jpg`), 40_000 + i * 1000, `photo ${i}`);
writeChainedFile(join(ben, 'Music', 'song.ogg'), 120_000, 'song');
const annV1 = tree(ann);

interface Setup {
  restic: ResticBinary;
  kind: 'local' | 'rest';
  kit: string;
  /** snapshot ids, in backup order: ann v1, ann v2, ben */
  ids: string[];
  annV2: Record<string, string>;
}

const PASSWORD = 'a restic password for the restore tests';

async function makeRepository(restic: ResticBinary, kind: 'local' | 'rest', name: string): Promise<Setup> {
  const base = join(work, name);
  mkdirSync(base, { recursive: true });
  let repository = join(base, 'repo');
  if (kind === 'rest') {
    const server = await startRcloneRestServer({ dataDir: join(base, 'served') });
    servers.push(server);
    repository = server.repository;
  }
  const passwordFile = join(base, 'pw');
  writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
  const env = { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: repository };
  const run = async (args: string[]) => {
    const result = await runProgram(restic.binary, args, { env });
    assert.equal(result.exitStatus, 0, `restic ${args.join(' ')}: ${result.stderrTail}`);
    return result.stdout;
  };
  await run(['init']);
  writeFileSync(join(ann, 'Docs', 'letter.txt'), 'dear Ben, version one\n');
  rmSync(join(ann, 'Photos', 'new.jpg'), { force: true });
  await run(['backup', '--host', 'laptop', ann]);
  writeFileSync(join(ann, 'Docs', 'letter.txt'), 'dear Ben, version two, after the fire\n');
  writeChainedFile(join(ann, 'Photos', 'new.jpg'), 30_000, 'new photo');
  const annV2 = tree(ann);
  await run(['backup', '--host', 'laptop', ann]);
  await run(['backup', '--host', 'desktop', ben]);
  const listed = JSON.parse(await run(['snapshots', '--json'])) as { id: string; time: string }[];
  const ids = listed.sort((a, b) => a.time.localeCompare(b.time)).map((snapshot) => snapshot.id);
  rmSync(passwordFile);
  const bundle = join(base, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository, resticPassword: PASSWORD, env: {}, notes: 'the photos matter most\ncall Ben first' }));
  const kit = join(base, 'kit');
  const created = await runCli(['kit', 'create', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B,C', '--threshold', '2', '--out', kit]);
  assert.equal(created.exitStatus, 0, created.stderr);
  rmSync(bundle);
  return { restic, kind, kit, ids, annV2 };
}

const kitArgs = (kit: string) => ['--from', join(kit, 'share-1.txt'), '--from', join(kit, 'share-3.txt'), '--envelope', join(kit, 'envelope.txt')];

async function recover(setup: Setup, target: string, flags: string[]) {
  const result = await runCli(['recover', ...kitArgs(setup.kit), '--restore-to', target, ...flags], { env: { PATH: setup.restic.path } });
  assert.ok(!(result.stdout + result.stderr).includes(PASSWORD), 'the password never shows');
  return result;
}

let counter = 0;
const freshTarget = () => join(work, 'targets', `t${++counter}`);

for (const restic of resticBinaries()) {
  for (const kind of ['local', 'rest'] as const) {
    describe(`restore choices, restic ${restic.label}, ${kind} repository`, () => {
      let setup: Setup;
      before(async () => { setup = await makeRepository(restic, kind, `${restic.label}-${kind}`); });

      test('--snapshot ID restores that snapshot (the older version), byte for byte, and says where the files are', async () => {
        const target = freshTarget();
        const result = await recover(setup, target, ['--snapshot', (setup.ids[0] ?? '').slice(0, 8)]);
        assert.equal(result.exitStatus, 0, result.stderr);
        assert.deepEqual(tree(join(target, ann)), annV1);
        assert.deepEqual(readdirSync(join(target, work, 'src', 'home')), ['ann'], 'nothing but the chosen snapshot');
        assert.match(result.stdout, new RegExp(`restored snapshot ${(setup.ids[0] ?? '').slice(0, 8)} into ${target}`));
        assert.match(result.stdout, new RegExp(`your files are in:\\n  ${join(target, ann)}/Docs\\n  ${join(target, ann)}/Photos\\n`));
        assert.match(result.stdout, /notes from Ann:\n {2}the photos matter most\n {2}call Ben first\n/);
      });

      test('--snapshot latest (and no flag at all) restores the newest snapshot of any computer', async () => {
        const target = freshTarget();
        const result = await recover(setup, target, ['--snapshot', 'latest']);
        assert.equal(result.exitStatus, 0, result.stderr);
        assert.deepEqual(tree(join(target, ben)), tree(ben));
        assert.equal(existsSync(join(target, ann)), false);
        const plain = await recover(setup, freshTarget(), []);
        assert.equal(plain.exitStatus, 0, plain.stderr);
        assert.match(plain.stderr, /restoring the newest snapshot \(\S+ \S+\) into /);
      });

      test('--host and --path choose the newest snapshot of that computer or folder', async () => {
        const byHost = freshTarget();
        const host = await recover(setup, byHost, ['--host', 'laptop']);
        assert.equal(host.exitStatus, 0, host.stderr);
        assert.deepEqual(tree(join(byHost, ann)), setup.annV2);
        assert.equal(existsSync(join(byHost, ben)), false);
        const byPath = freshTarget();
        const path = await recover(setup, byPath, ['--path', ann]);
        assert.equal(path.exitStatus, 0, path.stderr);
        assert.deepEqual(tree(join(byPath, ann)), setup.annV2);
        const none = await recover(setup, freshTarget(), ['--host', 'nosuch']);
        assert.equal(none.exitStatus, 2, none.stderr);
        assert.match(none.stderr, /error: kit \S+ opened, but the restore failed: no snapshot in .* matches host nosuch/);
      });

      test('--include restores only those files of the chosen snapshot', async () => {
        const target = freshTarget();
        const result = await recover(setup, target, ['--host', 'laptop', '--include', join(ann, 'Photos'), '--json']);
        assert.equal(result.exitStatus, 0, result.stderr);
        const restored = tree(join(target, ann));
        assert.deepEqual(restored, { ...subtree(setup.annV2, 'Photos') });
        const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        const last = events.at(-1) as { message_type: string; restored: { folders: string[]; target: string }; notes: string };
        assert.equal(last.message_type, 'recovered');
        assert.deepEqual(last.restored.folders, [join(target, ann, 'Photos')]);
        assert.equal(last.notes, 'the photos matter most\ncall Ben first');
        const progress = events.filter((event) => event.message_type === 'restore_progress');
        assert.ok(progress.length >= 1, 'at least the final progress event');
        assert.equal(progress.at(-1)?.fraction, 1);
      });
    });
  }
}

describe('the target folder', () => {
  let setup: Setup;
  const system = resticBinaries()[0] as ResticBinary;
  before(async () => { setup = await makeRepository(system, 'local', 'target-checks'); });

  test('a folder holding files is refused before any share is read; --force restores into it', async () => {
    const target = freshTarget();
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'keep-me.txt'), 'mine\n');
    // no --from: without the check first, this would ask for typed shares
    const refused = await runCli(['recover', '--restore-to', target], { input: '' });
    assert.equal(refused.exitStatus, 2);
    assert.match(refused.stderr, /error: the folder .* is not empty \(it holds keep-me\.txt\): a restore there could overwrite files\nhint: restore into a new, empty folder .*\nhint: or pass --force/);
    assert.doesNotMatch(refused.stderr, /type the numbered lines/);
    const forced = await recover(setup, target, ['--force', '--host', 'laptop']);
    assert.equal(forced.exitStatus, 0, forced.stderr);
    assert.deepEqual(tree(join(target, ann)), setup.annV2);
    assert.equal(readFileSync(join(target, 'keep-me.txt'), 'utf8'), 'mine\n');
  });

  test('a bad --snapshot or a relative --path is refused before anything is read', async () => {
    const bad = await runCli(['recover', '--restore-to', freshTarget(), '--snapshot', 'yesterday'], { input: '' });
    assert.equal(bad.exitStatus, 2);
    assert.match(bad.stderr, /error: --snapshot "yesterday" is not a snapshot id or "latest"/);
    const relativePath = await runCli(['recover', '--restore-to', freshTarget(), '--path', 'home/ann'], { input: '' });
    assert.equal(relativePath.exitStatus, 2);
    assert.match(relativePath.stderr, /--path "home\/ann" must be an absolute path/);
  });

  test('a target without room is refused, naming both sizes and the fix, and nothing is written', { skip: process.getuid?.() === 0 ? false : 'mounting a tmpfs needs root (the rule itself is tested in test/core/restore.test.ts)' }, async (t) => {
    const small = join(work, 'small-disk');
    mkdirSync(small, { recursive: true });
    const mounted = await runProgram('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small]);
    if (mounted.exitStatus !== 0) {
      t.skip(`mount failed: ${mounted.stderrTail}`);
      return;
    }
    try {
      // a snapshot bigger than the disk: 6 MiB of data
      writeChainedFile(join(ann, 'Photos', 'big.raw'), 6 * 1024 * 1024, 'big');
      const env = { RESTIC_PASSWORD_FILE: join(work, 'pw-big'), RESTIC_REPOSITORY: join(work, 'target-checks', 'repo') };
      writeFileSync(env.RESTIC_PASSWORD_FILE, PASSWORD, { mode: 0o600 });
      assert.equal((await runProgram('restic', ['backup', '--host', 'bigbox', ann], { env })).exitStatus, 0);
      // 0.14 is measured by restic stats beside the restore, 0.18 by its own restore's total
      for (const restic of resticBinaries()) {
        const target = join(small, 'restore');
        const result = await recover({ ...setup, restic }, target, ['--host', 'bigbox']);
        assert.equal(result.exitStatus, 2, `restic ${restic.label}: ${result.stderr}`);
        assert.match(result.stderr, /error: kit \S+ opened, but the restore failed: not enough room: .*small-disk\/restore has 4\.00 MiB free, the snapshot needs 6\.\d\d MiB/);
        assert.match(result.stderr, /hint: the live USB keeps files in memory: plug in an external disk, open it in the file manager, and restore there/);
        assert.equal(existsSync(target), false, `restic ${restic.label}: nothing written`);
      }
    } finally {
      rmSync(join(ann, 'Photos', 'big.raw'), { force: true });
      await runProgram('umount', [small]);
    }
  });
});

for (const restic of resticBinaries()) {
  test(`restic ${restic.label}: a damaged repository (a data pack gone) fails naming the files, never at 100 %`, async () => {
    const setup = await makeRepository(restic, 'local', `damaged-${restic.label}`);
    const packs = join(work, `damaged-${restic.label}`, 'repo', 'data');
    // the largest pack holds the photos of the first backup, which the newest laptop snapshot still needs
    const [pack] = readdirSync(packs).map((folder) => readdirSync(join(packs, folder)).map((name) => join(packs, folder, name))).flat()
      .sort((a, b) => statSync(b).size - statSync(a).size);
    rmSync(pack ?? '');
    const target = freshTarget();
    const result = await recover(setup, target, ['--host', 'laptop']);
    assert.equal(result.exitStatus, 4, result.stderr);
    assert.match(result.stderr, /error: kit \S+ opened, but the restore failed: restic met \d+ errors? restoring into \S+; files affected: \S+/);
    assert.match(result.stderr, /hint: .*the backup is damaged in the storage; restore an older snapshot/);
    assert.doesNotMatch(result.stderr, /restoring: 100 %/);
    assert.doesNotMatch(result.stdout, /your files are in/);
  });
}

describe('progress from a slow server', () => {
  test('restic 0.14 reports nothing itself: drkit measures what it writes, and prints lines as it goes', async () => {
    const system = resticBinaries()[0] as ResticBinary;
    const base = join(work, 'slow');
    mkdirSync(join(base, 'data'), { recursive: true });
    // 12 MiB through a server limited to 3 MiB/s: the restore takes a few seconds
    for (let i = 0; i < 6; i++) writeChainedFile(join(base, 'data', `f${i}`), 2 * 1024 * 1024, `slow ${i}`);
    const server = await startRcloneRestServer({ dataDir: join(base, 'served'), extraArgs: ['--bwlimit', '3M'] });
    servers.push(server);
    const passwordFile = join(base, 'pw');
    writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
    const env = { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: server.repository };
    assert.equal((await runProgram(system.binary, ['init'], { env })).exitStatus, 0);
    assert.equal((await runProgram(system.binary, ['backup', join(base, 'data')], { env })).exitStatus, 0);
    const bundle = join(base, 'bundle.json');
    writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository: server.repository, resticPassword: PASSWORD, env: {} }));
    assert.equal((await runCli(['kit', 'create', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B', '--threshold', '2', '--out', join(base, 'kit')])).exitStatus, 0);
    const target = join(base, 'restored');
    const result = await runCli(['recover', '--from', join(base, 'kit', 'share-1.txt'), '--from', join(base, 'kit', 'share-2.txt'), '--envelope', join(base, 'kit', 'envelope.txt'), '--restore-to', target], { env: { PATH: system.path } });
    assert.equal(result.exitStatus, 0, result.stderr);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('restoring: '));
    // no bars when not a terminal: plain lines, one at least part-way, and the last one at 100 %
    assert.ok(lines.some((line) => /^restoring: [1-9]\d? % · [\d.]+ \S+ of 12\.0 MiB/.test(line)), `a line part-way: ${lines.join(' | ')}`);
    assert.match(lines.at(-1) ?? '', /^restoring: 100 % · 12\.0 MiB of 12\.0 MiB/);
    assert.ok(!result.stderr.includes('\r') && !result.stderr.includes('\u001b['), 'no bar drawing without a terminal');
    assert.deepEqual(tree(join(target, base, 'data')), tree(join(base, 'data')));
  });
});

describe('recover --onsite', () => {
  const disk = join(work, 'onsite-disk');
  const home = join(work, 'onsite-src', 'home', 'ann');
  let first = '';
  let v1: Record<string, string> = {};
  let v2: Record<string, string> = {};

  before(async () => {
    mkdirSync(join(home, 'Docs'), { recursive: true });
    writeFileSync(join(home, 'Docs', 'a.txt'), 'first\n');
    writeChainedFile(join(home, 'photo.jpg'), 50_000, 'onsite photo');
    v1 = tree(home);
    const uuid = '0f4b7f0e-2d3c-4b1a-9e8f-7a6b5c4d3e2f';
    await writeTargetMarker(disk, uuid);
    let time = Date.parse('2026-11-27T08:15:00Z');
    const options = { target: disk, expectedMarker: uuid, host: 'laptop', sources: [home], excludes: [], progressIntervalMs: 0, clock: () => new Date(time) };
    await runOnsiteSnapshot(options, { event: () => undefined });
    writeFileSync(join(home, 'Docs', 'a.txt'), 'second\n');
    v2 = tree(home);
    time += 3_600_000;
    await runOnsiteSnapshot(options, { event: () => undefined });
    first = '2026-11-27T081500Z';
    // an interrupted snapshot is never listed
    mkdirSync(join(disk, 'laptop', '2026-11-27T101500Z.inprogress'));
  });

  test('lists the snapshots of the disk, newest first, without asking for a kit', async () => {
    assert.equal(readlinkSync(join(disk, 'laptop', 'latest')).endsWith('2026-11-27T091500Z'), true);
    const result = await runCli(['recover', '--onsite', disk]);
    assert.equal(result.exitStatus, 0, result.stderr);
    const rows = result.stdout.split('\n').filter((line) => /^\d+ {2}/.test(line));
    assert.equal(rows.length, 2);
    assert.match(rows[0] ?? '', /^1 {2}2026-11-27T091500Z .* laptop .*\/home\/ann {3}\(newest\)$/);
    assert.match(rows[1] ?? '', /^2 {2}2026-11-27T081500Z/);
    assert.match(result.stdout, /after ransomware or a mistaken delete, pick one from before it happened/);
    assert.doesNotMatch(result.stdout, /inprogress/);
    // the times read as everywhere else (src/ui/format.ts, status's rule): in the reader's zone, named as status names it
    for (const [zone, shown] of [['America/New_York', '2026-11-27 04:15 EST'], ['Europe/Paris', '2026-11-27 10:15 GMT+1'], ['UTC', '2026-11-27 09:15 UTC']] as const) {
      const zoned = await runCli(['recover', '--onsite', disk], { env: { ...process.env, TZ: zone } });
      assert.match(zoned.stdout, new RegExp(`^1 {2}2026-11-27T091500Z {2}${shown.replace('+', '\\+')} `, 'm'), zone);
    }
    const json = await runCli(['recover', '--onsite', disk, '--json']);
    const listed = JSON.parse(json.stdout) as { message_type: string; snapshots: { snapshot: string; latest: boolean }[] };
    assert.equal(listed.message_type, 'onsite_snapshots');
    assert.deepEqual(listed.snapshots.map((s) => [s.snapshot, s.latest]), [['2026-11-27T091500Z', true], [first, false]]);
  });

  test('copies the latest snapshot, or the one named, byte for byte; a non-empty folder needs --force', async () => {
    const target = freshTarget();
    const latest = await runCli(['recover', '--onsite', disk, '--restore-to', target]);
    assert.equal(latest.exitStatus, 0, latest.stderr);
    assert.deepEqual(tree(join(target, home)), v2);
    assert.match(latest.stdout, new RegExp(`your files are in:\\n  ${join(target, home)}\\n`));
    const refused = await runCli(['recover', '--onsite', disk, '--restore-to', target, '--snapshot', first]);
    assert.equal(refused.exitStatus, 2);
    assert.match(refused.stderr, /is not empty/);
    const older = freshTarget();
    const named = await runCli(['recover', '--onsite', disk, '--restore-to', older, '--snapshot', first]);
    assert.equal(named.exitStatus, 0, named.stderr);
    assert.deepEqual(tree(join(older, home)), v1);
    const forced = await runCli(['recover', '--onsite', disk, '--restore-to', target, '--snapshot', first, '--force']);
    assert.equal(forced.exitStatus, 0, forced.stderr);
    assert.equal(readFileSync(join(target, home, 'Docs', 'a.txt'), 'utf8'), 'first\n');
    const missing = await runCli(['recover', '--onsite', disk, '--restore-to', freshTarget(), '--snapshot', '2020-01-01T000000Z']);
    assert.equal(missing.exitStatus, 2);
    assert.match(missing.stderr, /--snapshot 2020-01-01T000000Z: there is no complete snapshot of that name/);
  });

  test('a folder that is not a drkit disk is named, with what one looks like', async () => {
    const empty = join(work, 'not-a-disk');
    mkdirSync(empty, { recursive: true });
    const result = await runCli(['recover', '--onsite', empty]);
    assert.equal(result.exitStatus, 2);
    assert.match(result.stderr, /error: no snapshots in .*not-a-disk: a drkit disk holds DISK\/<computer>\/<date>\/ folders/);
    const withKit = await runCli(['recover', '--onsite', disk, '--out', join(work, 'creds.json')]);
    assert.equal(withKit.exitStatus, 2);
    assert.match(withKit.stderr, /error: --onsite copies plain folders and needs no kit: --out would not be used/);
    const absent = await runCli(['recover', '--onsite', join(work, 'unplugged')]);
    assert.equal(absent.exitStatus, 2);
    assert.match(absent.stderr, /does not exist\nhint: is the backup disk plugged in\?/);
  });
});
