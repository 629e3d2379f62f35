/**
 * Issue 8 (hardening), the backup side, end to end through the built CLI with real restic (0.14 and 0.18), real
 * rsync and real damage:
 * - a repository with a lost pack: `drkit check` fails with the damage verdict and restic's repair steps for that
 *   version, `drkit status` exits 5 naming the check, and `drkit backup offsite` whose retention prunes fails
 *   with the same verdict instead of "done with warnings";
 * - two configs side by side in one state folder: each has its own status file and locks;
 * - a removable disk that is not mounted (a plain folder standing in for its mount point, then a real tmpfs
 *   mounted on it when running as root): nothing is written, and no hint leads to `drkit init` on the internal
 *   disk; a foreign marker is adopted only with --adopt-marker;
 * - weak inputs are clear errors, never exit 70: a status file with wrong types, an onsite target that is a file,
 *   a stale restic lock left by a killed restic with `retries: 0`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setupId } from '../../src/adapters/paths.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';

const PASSWORD = 'health-Restic-Password-81c2';

let scratch: string;
before(() => { scratch = mkdtempSync(join(tmpdir(), 'drkit-e2e-health-')); });
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Setup {
  root: string;
  config: string;
  source: string;
  target: string;
  repository: string;
  env: Record<string, string>;
  stateDir: string;
  drkit(args: readonly string[]): Promise<CliResult>;
}

/** A setup in `root` (its own source, target, repository, secrets); `state` may be shared between setups. */
function makeSetup(root: string, options: { state?: string; path?: string; onsite?: string | null; offsite?: string | null } = {}): Setup {
  const source = join(root, 'data');
  mkdirSync(join(source, 'letters'), { recursive: true });
  writeFileSync(join(source, 'letters', 'will.txt'), 'the photos go to Ann\n');
  // one large random file (no repeats for the chunker to dedupe, nothing to compress): the largest data pack,
  // referenced by every snapshot
  writeFileSync(join(source, 'photo.raw'), randomBytes(3 * 1024 * 1024));
  const target = join(root, 'usb');
  mkdirSync(target, { recursive: true });
  const repository = join(root, 'repo');
  mkdirSync(join(root, 'private'), { mode: 0o700 });
  const secrets = join(root, 'private', 'secrets.env');
  writeFileSync(secrets, `RESTIC_PASSWORD=${PASSWORD}\n`, { mode: 0o600 });
  const config = join(root, 'config.yaml');
  const lines = [`sources: [${source}]`, `secrets: ${secrets}`, 'host: health'];
  if (options.onsite !== null) lines.push('onsite:', `  target: ${target}`, ...(options.onsite ? [options.onsite] : []));
  if (options.offsite !== null) lines.push('offsite:', `  repository: ${repository}`, '  keep: { last: 1 }', ...(options.offsite ? [options.offsite] : []));
  writeFileSync(config, `${lines.join('\n')}\n`);
  const state = options.state ?? join(root, 'state');
  const env: Record<string, string> = {
    XDG_STATE_HOME: state, XDG_CONFIG_HOME: join(root, 'xdg-config'), RESTIC_CACHE_DIR: join(root, 'cache'),
    PATH: options.path ?? process.env.PATH ?? '/usr/bin:/bin',
  };
  const stateDir = join(state, 'drkit', 'setups', setupId(config));
  return { root, config, source, target, repository, env, stateDir, drkit: (args) => runCli([...args, '--config', config], { env }) };
}

interface Run { job: string; outcome: string; snapshotId?: string; error?: { code: string; message: string } }
const runsOf = (setup: Setup): Run[] => (JSON.parse(readFileSync(join(setup.stateDir, 'status.json'), 'utf8')) as { runs: Run[] }).runs;
const jsonLines = (text: string): Record<string, unknown>[] => text.trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
const said = (run: CliResult): string => `exit ${String(run.exitStatus)}\n${run.stdout}\n${run.stderr}`;

/** The largest pack of a local repository: the data pack every snapshot of makeSetup's source needs. */
function largestPack(repository: string): string {
  const packs = (readdirSync(join(repository, 'data'), { recursive: true }) as string[])
    .map((name) => join(repository, 'data', name)).filter((path) => statSync(path).isFile());
  const largest = packs.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  assert.ok(largest !== undefined, 'the repository has packs');
  return largest;
}

for (const restic of resticBinaries()) {
  describe(`a damaged repository is never ok (restic ${restic.label})`, () => {
    test('check fails with the damage verdict, status exits 5, a pruning backup fails instead of warning', async () => {
      const setup = makeSetup(join(scratch, `damage-${restic.label}`), { path: restic.path, onsite: null, offsite: '  check: { readDataSubset: "50%" }' });
      assert.equal((await setup.drkit(['init', '--yes'])).exitStatus, 0);
      const first = await setup.drkit(['backup', 'offsite']);
      assert.equal(first.exitStatus, 0, said(first));

      // no check yet: status says so and fails
      const unchecked = await setup.drkit(['status']);
      assert.equal(unchecked.exitStatus, 5, said(unchecked));
      assert.match(unchecked.stdout, /^repository check: NEVER RUN — no repository check has run yet$/m);

      // a healthy repository passes, reading the share of the data the owner chose
      const good = await setup.drkit(['check', '--json']);
      assert.equal(good.exitStatus, 0, said(good));
      const goodEvents = jsonLines(good.stdout);
      assert.ok(goodEvents.some((event) => event.message_type === 'info' && /reading 50% of its data/.test(String(event.message))), good.stdout);
      assert.deepEqual(goodEvents.filter((event) => event.message_type === 'done').map((event) => (event.result as { outcome: string }).outcome), ['success']);
      const fine = await setup.drkit(['status']);
      assert.equal(fine.exitStatus, 0, said(fine));
      assert.match(fine.stdout, /^repository check: ok$/m);

      rmSync(largestPack(setup.repository));
      // the scheduled check finds it: the damage verdict, with this restic's repair commands
      writeFileSync(setup.config, readFileSync(setup.config, 'utf8').replace('  check: { readDataSubset: "50%" }\n', ''));
      const damaged = await setup.drkit(['check']);
      assert.equal(damaged.exitStatus, 1, said(damaged));
      assert.match(damaged.stderr, /^error: check: restic check: the repository .* is damaged: data its index names is missing/m);
      assert.match(damaged.stderr, /^hint: run `restic check`/m);
      if (restic.label === 'system' && /0\.14\./.test(spawnSync('restic', ['version'], { encoding: 'utf8' }).stdout)) {
        assert.match(damaged.stderr, /^hint: then `restic rebuild-index`; restic 0\.14 cannot repair snapshots/m);
      } else {
        assert.match(damaged.stderr, /^hint: then `restic repair index` and `restic repair snapshots --forget`/m);
      }
      assert.equal(runsOf(setup).at(-1)?.error?.code, 'E_RESTIC_DAMAGED');
      const status = await setup.drkit(['status', '--json']);
      assert.equal(status.exitStatus, 5, said(status));
      const report = JSON.parse(status.stdout) as { jobs: { job: string; state: string; problem: string }[] };
      assert.deepEqual(report.jobs.find((job) => job.job === 'check')?.state, 'failed');
      assert.match(report.jobs.find((job) => job.job === 'check')?.problem ?? '', /E_RESTIC_DAMAGED/);

      // a backup whose retention prunes meets the lost pack: a failure with the same verdict, not "done with warnings"
      writeFileSync(join(setup.source, 'new.txt'), 'a new file, so a new snapshot and one to forget\n');
      // the keep policy runs at most once a day (docs/config.md): without drkit's record of the last forget it is due
      rmSync(join(setup.stateDir, 'cache', 'repositories'), { recursive: true, force: true });
      const backup = await setup.drkit(['backup', 'offsite', '--json']);
      assert.equal(backup.exitStatus, 1, said(backup));
      const error = jsonLines(backup.stdout).find((event) => event.message_type === 'error');
      assert.equal(error?.code, 'E_RESTIC_DAMAGED', backup.stdout);
      assert.equal(error?.exitCode, 1);
      assert.match(String(error?.message), /^restic prune: the repository .* is damaged/);
      const last = runsOf(setup).at(-1);
      assert.equal(last?.outcome, 'failed');
      assert.equal(last?.error?.code, 'E_RESTIC_DAMAGED');
      assert.ok(last?.snapshotId !== undefined, 'the snapshot the backup made is named');
      const after = await setup.drkit(['status']);
      assert.equal(after.exitStatus, 5);
      assert.match(after.stdout, /^offsite: FAILED — .*E_RESTIC_DAMAGED/m);
    });
  });
}

describe('two setups side by side', () => {
  test('two configs in one state folder: their own records and locks; neither sees the other', async () => {
    const state = join(scratch, 'shared-state');
    const ann = makeSetup(join(scratch, 'side-ann'), { state, offsite: '  check: false' });
    const bob = makeSetup(join(scratch, 'side-bob'), { state, onsite: null, offsite: '  check: false' });
    for (const setup of [ann, bob]) {
      const init = await setup.drkit(['init', '--yes']);
      assert.equal(init.exitStatus, 0, said(init));
    }
    const annBackup = await ann.drkit(['backup', 'all']);
    assert.equal(annBackup.exitStatus, 0, said(annBackup));
    const bobBackup = await bob.drkit(['backup', 'offsite']);
    assert.equal(bobBackup.exitStatus, 0, said(bobBackup));
    assert.deepEqual(runsOf(ann).map((run) => [run.job, run.outcome]), [['onsite', 'success'], ['offsite', 'success']]);
    assert.deepEqual(runsOf(bob).map((run) => [run.job, run.outcome]), [['offsite', 'success']]);
    assert.notEqual(runsOf(ann)[1]?.snapshotId, runsOf(bob)[0]?.snapshotId);

    const bobStatus = JSON.parse((await bob.drkit(['status', '--json'])).stdout) as { jobs: { job: string; state: string; lastGood: { snapshotId: string } | null }[] };
    assert.deepEqual(bobStatus.jobs.map((job) => [job.job, job.state]), [['onsite', 'not-configured'], ['offsite', 'ok'], ['check', 'not-configured']]);
    assert.equal(bobStatus.jobs[1]?.lastGood?.snapshotId, runsOf(bob)[0]?.snapshotId);

    // a run of ann's offsite job holds ann's lock (a live process: this test's): ann is locked, bob is not
    const lockDir = join(ann.stateDir, 'locks');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'backup-offsite.lock'), `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), purpose: 'backup offsite' })}\n`);
    const locked = await ann.drkit(['backup', 'offsite']);
    assert.equal(locked.exitStatus, 6, said(locked));
    assert.match(locked.stderr, /backup offsite is already running/);
    const free = await bob.drkit(['backup', 'offsite']);
    assert.equal(free.exitStatus, 0, said(free));
    rmSync(join(lockDir, 'backup-offsite.lock'));
  });
});

describe('an unplugged USB disk', () => {
  test('removable target: a plain folder under the mount point is refused, nothing written, no hint to init it', async () => {
    const setup = makeSetup(join(scratch, 'usb-plain'), { offsite: null, onsite: '  removable: true' });
    const init = await setup.drkit(['init', '--yes']);
    assert.equal(init.exitStatus, 2, said(init));
    assert.match(init.stderr, /^error: target absent: .*usb is on a removable disk, and nothing is mounted on /m);
    assert.match(init.stderr, /^hint: plug in the backup disk and mount it/m);
    assert.doesNotMatch(init.stderr.replace(/do not run `drkit init`/g, ''), /drkit init/);
    assert.deepEqual(readdirSync(setup.target), [], 'no marker on the internal disk');
  });

  test('a marker this setup did not write is refused with --yes, adopted with --adopt-marker', async () => {
    const setup = makeSetup(join(scratch, 'usb-foreign'), { offsite: null });
    writeFileSync(join(setup.target, '.drkit-target'), 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n');
    const refused = await setup.drkit(['init', '--yes']);
    assert.equal(refused.exitStatus, 2, said(refused));
    assert.match(refused.stderr, /^error: onsite target .* already holds the marker aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee, which this setup did not write$/m);
    assert.match(refused.stderr, /^hint: to use it for this config anyway, run: drkit init --config .* --yes --adopt-marker /m);
    assert.equal(existsSync(join(setup.stateDir, 'status.json')), false, 'nothing recorded');
    const adopted = await setup.drkit(['init', '--yes', '--adopt-marker']);
    assert.equal(adopted.exitStatus, 0, said(adopted));
    assert.match(adopted.stdout, /adopted the existing marker aaaaaaaa-bbbb/);
    assert.equal((await setup.drkit(['init', '--yes'])).exitStatus, 0, 'its own marker now: no question');
  });

  test('removable target on a real mount (tmpfs): init and backup work; unmounted, the backup refuses and writes nothing', { skip: process.getuid?.() === 0 ? false : 'needs root to mount a tmpfs' }, async () => {
    const setup = makeSetup(join(scratch, 'usb-tmpfs'), { offsite: null, onsite: '  removable: true' });
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'drkit-test-usb', setup.target], { encoding: 'utf8' });
    assert.equal(mount.status, 0, mount.stderr);
    let mounted = true;
    try {
      assert.equal((await setup.drkit(['init', '--yes'])).exitStatus, 0);
      const backup = await setup.drkit(['backup', 'onsite']);
      assert.equal(backup.exitStatus, 0, said(backup));
      assert.ok(existsSync(join(setup.target, 'health', 'latest')));
      assert.equal(spawnSync('umount', [setup.target]).status, 0);
      mounted = false;
      const unplugged = await setup.drkit(['backup', 'onsite']);
      assert.equal(unplugged.exitStatus, 2, said(unplugged));
      assert.match(unplugged.stderr, /^error: onsite: target absent: .* is on a removable disk, and nothing is mounted on/m);
      assert.doesNotMatch(unplugged.stderr.replace(/do not run `drkit init`/g, ''), /drkit init/);
      assert.deepEqual(readdirSync(setup.target), [], 'the empty mount point stays empty');
      assert.equal(runsOf(setup).at(-1)?.error?.code, 'E_TARGET_NOT_MOUNTED');
    } finally {
      if (mounted) spawnSync('umount', [setup.target]);
    }
  });
});

describe('an unplugged USB disk, without onsite.removable', () => {
  test('a target under /mnt that is not mounted: init refuses to write the marker; mounted, it writes it', { skip: process.getuid?.() === 0 ? false : 'needs root for /mnt and a tmpfs' }, async () => {
    const mountPoint = mkdtempSync('/mnt/drkit-test-usb-');
    try {
      const setup = makeSetup(join(scratch, 'usb-mnt'), { offsite: null });
      const target = join(mountPoint, 'drkit');
      writeFileSync(setup.config, readFileSync(setup.config, 'utf8').replace(`target: ${setup.target}`, `target: ${target}`));
      const refused = await setup.drkit(['init', '--yes']);
      assert.equal(refused.exitStatus, 2, said(refused));
      assert.match(refused.stderr, /^error: target absent: .* is under \/mnt, where removable disks are mounted, but no disk is mounted on it; nothing was written$/m);
      assert.match(refused.stderr, /^hint: set onsite.removable to the disk's mount point/m);
      assert.deepEqual(readdirSync(mountPoint), [], 'nothing written on the internal disk');
      assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'drkit-test-usb', mountPoint]).status, 0);
      try {
        const init = await setup.drkit(['init', '--yes']);
        assert.equal(init.exitStatus, 0, said(init));
        assert.ok(existsSync(join(target, '.drkit-target')));
      } finally {
        spawnSync('umount', [mountPoint]);
      }
      assert.deepEqual(readdirSync(mountPoint), [], 'the marker went to the mounted disk, not under it');
    } finally {
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});

/** A real restic holding the repository's lock (a backup waiting on its stdin), once its lock file is written. */
async function lockHolder(setup: ReturnType<typeof makeSetup>): Promise<{ kill: () => Promise<void> }> {
  writeFileSync(join(setup.root, 'private', 'password'), PASSWORD, { mode: 0o600 });
  const holder = spawn('restic', ['backup', '--stdin', '--stdin-filename', 'held.txt'], {
    env: { ...process.env, ...setup.env, RESTIC_REPOSITORY: setup.repository, RESTIC_PASSWORD_FILE: join(setup.root, 'private', 'password') },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const closed = new Promise((resolve) => holder.once('close', resolve));
  const kill = async (): Promise<void> => { holder.kill('SIGKILL'); await closed; };
  try {
    for (let waited = 0; readdirSync(join(setup.repository, 'locks')).length === 0; waited += 50) {
      assert.ok(waited < 30_000, 'restic took its lock');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // restic writes the lock file in place: give it time to finish (it then waits on stdin for ever)
    await new Promise((resolve) => setTimeout(resolve, 500));
  } catch (error) {
    await kill();
    throw error;
  }
  return { kill };
}

describe('weak inputs are clear errors, never exit 70', () => {
  test('a status file with wrong types: status and backup name the file, the field and the fix', async () => {
    const setup = makeSetup(join(scratch, 'weak-state'), { offsite: null });
    assert.equal((await setup.drkit(['init', '--yes'])).exitStatus, 0);
    const file = join(setup.stateDir, 'status.json');
    for (const [damage, field] of [
      [{ version: 1, runs: 'never' }, '"runs" is not a list'],
      [{ version: 1, runs: [{ job: 'onsite', outcome: 'success', startedAt: 7, finishedAt: 'x', warnings: [] }] }, 'runs[0].startedAt is not a time'],
      [{ version: 1, onsite: { markerId: 42, target: setup.target }, runs: [] }, '"onsite.markerId" is not a string'],
      [[1, 2], 'it is not a JSON object'],
    ] as const) {
      writeFileSync(file, JSON.stringify(damage));
      for (const args of [['status'], ['backup', 'onsite']]) {
        const run = await setup.drkit(args);
        assert.equal(run.exitStatus, 2, `${args.join(' ')} with ${JSON.stringify(damage)}: ${said(run)}`);
        assert.ok(run.stderr.includes(`error: status file ${file} is damaged (${field})`), run.stderr);
        assert.match(run.stderr, /^hint: move it aside \(mv /m);
      }
    }
  });

  test('an onsite target that is a file: init and backup say so, with a hint', async () => {
    const setup = makeSetup(join(scratch, 'weak-file'), { offsite: null });
    rmSync(setup.target, { recursive: true });
    writeFileSync(setup.target, 'not a folder\n');
    const init = await setup.drkit(['init', '--yes']);
    assert.equal(init.exitStatus, 2, said(init));
    assert.match(init.stderr, /^error: target .*usb: .*usb is a file, not a folder$/m);
    assert.match(init.stderr, /^hint: set onsite.target to a folder/m);
    rmSync(setup.target);
    mkdirSync(setup.target);
    assert.equal((await setup.drkit(['init', '--yes'])).exitStatus, 0);
    rmSync(setup.target, { recursive: true });
    writeFileSync(setup.target, 'not a folder\n');
    const backup = await setup.drkit(['backup', 'onsite']);
    assert.equal(backup.exitStatus, 2, said(backup));
    assert.match(backup.stderr, /is a file, not a folder/);
    assert.equal(runsOf(setup).at(-1)?.error?.code, 'E_TARGET_NOT_FOLDER');
  });

  test('a stale restic lock of a killed restic with retries: 0 is cleared, not a warning on every run', async () => {
    const setup = makeSetup(join(scratch, 'weak-lock'), { onsite: null, offsite: '  retries: 0\n  check: false' });
    assert.equal((await setup.drkit(['init', '--yes'])).exitStatus, 0);
    assert.equal((await setup.drkit(['backup', 'offsite'])).exitStatus, 0);
    // a real restic holding the repository's lock, killed with SIGKILL
    await (await lockHolder(setup)).kill();
    const locks = join(setup.repository, 'locks');
    assert.equal(readdirSync(locks).length, 1, 'the killed restic left its lock');

    writeFileSync(join(setup.source, 'changed.txt'), 'a change, so a new snapshot and one to forget\n');
    const run = await setup.drkit(['backup', 'offsite']);
    assert.equal(run.exitStatus, 0, said(run));
    assert.doesNotMatch(run.stderr, /warning/);
    assert.equal(readdirSync(locks).length, 0, 'the stale lock is gone');
    assert.deepEqual(runsOf(setup).map((record) => record.outcome), ['success', 'success']);
  });

  test('a lock a live restic holds is not stale: the pruning backup warns, naming `restic unlock` for a crashed run\'s lock', async () => {
    const setup = makeSetup(join(scratch, 'weak-live-lock'), { onsite: null, offsite: '  retries: 0\n  check: false' });
    assert.equal((await setup.drkit(['init', '--yes'])).exitStatus, 0);
    assert.equal((await setup.drkit(['backup', 'offsite'])).exitStatus, 0);
    const holder = await lockHolder(setup);
    try {
      writeFileSync(join(setup.source, 'changed.txt'), 'a change, so a new snapshot and one to forget\n');
      // the keep policy runs at most once a day: without drkit's record of the last forget it is due
      rmSync(join(setup.stateDir, 'cache', 'repositories'), { recursive: true, force: true });
      const run = await setup.drkit(['backup', 'offsite']);
      assert.equal(run.exitStatus, 3, said(run));
      assert.match(run.stderr, /^offsite: warning: retention failed: restic forget --prune: the repository .* is locked by another restic process; hint: .*a lock left by a crashed run is removed by `restic unlock`$/m);
      assert.equal(readdirSync(join(setup.repository, 'locks')).length, 1, 'the live restic\'s lock stays');
    } finally {
      await holder.kill();
    }
  });
});
