// The restic adapter against the real restic binaries (Debian 12's 0.14 and Debian 13's 0.18), with the repository as a local path,
// behind `rclone serve restic` (rest:) and behind s3rver over TLS (s3:). Faults: wrong password, missing
// repository, server down, a held lock, a damaged repository.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DrkitError, UserError } from '../../src/errors.js';
import { openResticRepository, type PasswordSource, type Restic, type ResticRunnerOptions } from '../../src/adapters/restic/index.js';
import { resticBinaries, type ResticBinary } from '../helpers/restic-versions.js';
import { startRcloneRestServer, startS3Server } from '../helpers/servers.js';

const PASSWORD = 'correct horse battery staple 7';
const noWait: ResticRunnerOptions = { sleep: () => Promise.resolve(), retry: { attempts: 3, initialDelayMs: 1, factor: 2, maxDelayMs: 10 } };

let scratch: string;
let sources: string;
let privateTmp: string;
const previousTmpdir = process.env.TMPDIR;
const previousCacheDir = process.env.RESTIC_CACHE_DIR;

function makeSources(folder: string): void {
  mkdirSync(join(folder, 'docs', 'deep'), { recursive: true });
  writeFileSync(join(folder, 'docs', 'a.txt'), 'alpha\n');
  writeFileSync(join(folder, 'docs', 'deep', 'b.bin'), randomBytes(200_000));
  writeFileSync(join(folder, 'skip.tmp'), 'excluded\n');
}

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'drkit-restic-real-'));
  sources = join(scratch, 'src');
  makeSources(sources);
  // the adapter's password files go to os.tmpdir(); a private one lets the test see that they are removed
  privateTmp = join(scratch, 'tmp');
  mkdirSync(privateTmp);
  process.env.TMPDIR = privateTmp;
  // restic's cache of these throwaway repositories goes away with them
  process.env.RESTIC_CACHE_DIR = join(scratch, 'restic-cache');
});
after(() => {
  if (previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmpdir;
  if (previousCacheDir === undefined) delete process.env.RESTIC_CACHE_DIR;
  else process.env.RESTIC_CACHE_DIR = previousCacheDir;
  rmSync(scratch, { recursive: true, force: true });
});

async function exercise(restic: Restic, label: string): Promise<void> {
  const sources = join(scratch, `src-${label}`);
  makeSources(sources);
  const { repositoryId } = await restic.init();
  assert.match(repositoryId, /^[0-9a-f]{64}$/);
  assert.equal(await restic.repositoryId(), repositoryId, `${label}: cat config gives the id init reported`);
  await assert.rejects(restic.init(), (error: unknown) => error instanceof UserError && error.code === 'E_RESTIC_REPO_EXISTS');

  let statusLines = 0;
  const first = await restic.backup({ paths: [sources], excludes: ['*.tmp'], host: 'drkit-test', tags: ['drkit'] }, () => { statusLines += 1; });
  assert.equal(first.status, 'complete');
  assert.match(first.snapshotId, /^[0-9a-f]{8,64}$/);
  assert.equal(first.summary.totalFilesProcessed, 2, `${label}: the *.tmp file is excluded`);
  assert.equal(first.summary.totalBytesProcessed, 200_006);
  assert.ok((first.summary.dataAdded ?? 0) > 0);
  // restic 0.14 prints a status line at once; newer ones only every so often, so a 200 kB backup may end first
  // (the offsite job tests, with a throttled upload, see progress from every version)
  if (restic.version.major === 0 && restic.version.minor < 15) assert.ok(statusLines >= 1, `${label}: progress lines reach the callback`);

  writeFileSync(join(sources, 'docs', 'a.txt'), 'alpha 2\n');
  const second = await restic.backup({ paths: [sources], excludes: ['*.tmp'], host: 'drkit-test', tags: ['drkit'] });
  assert.equal(second.summary.filesChanged, 1);
  const snapshots = await restic.snapshots({ host: 'drkit-test', tags: ['drkit'] });
  assert.equal(snapshots.length, 2);
  assert.ok(snapshots[1]?.id.startsWith(second.snapshotId));

  const forgotten = await restic.forget({ keep: { last: 1 }, host: 'drkit-test', tags: ['drkit'], prune: true });
  assert.deepEqual([forgotten.kept, forgotten.removed, forgotten.pruned], [1, 1, true]);
  assert.equal((await restic.snapshots({ host: 'drkit-test' })).length, 1);

  assert.deepEqual(await restic.check({ readDataSubset: '50%' }), { ok: true, problems: [] });

  const target = join(scratch, `restore-${label}`);
  // restic stores a source as it was given: absolute here, so the include filter and the restored tree use it
  const restored = await restic.restore({ snapshot: 'latest', target, include: [join(sources, 'docs', 'a.txt')] });
  assert.deepEqual(restored.errors, []);
  const restoredRoot = join(target, sources);
  assert.equal(readFileSync(join(restoredRoot, 'docs', 'a.txt'), 'utf8'), 'alpha 2\n');
  assert.deepEqual(readdirSync(join(restoredRoot, 'docs')), ['a.txt'], `${label}: the include filter restored only a.txt`);

  const stats = await restic.stats();
  assert.equal(stats.totalSize, 200_008);
  assert.equal(stats.snapshotsCount, 1);
  assert.deepEqual(readdirSync(privateTmp).filter((name) => name.startsWith('drkit-restic-')), [], `${label}: password files are removed after each run`);
}

// every test runs against each restic a restorer may meet (Debian 12's 0.14, Debian 13's 0.18)
function suite(bin: ResticBinary): void {
  const withBinary: ResticRunnerOptions = { ...noWait, binary: bin.binary };

  describe(`restic adapter against real restic (${bin.label})`, () => {
    test('local path: init, backup, snapshots, forget+prune, check, restore, stats', async () => {
      const restic = await openResticRepository({ repository: join(scratch, `local-repo-${bin.label}`), password: { value: PASSWORD } }, withBinary);
      assert.ok(restic.version.major === 0 ? restic.version.minor >= 14 : restic.version.major > 0);
      await exercise(restic, `local-${bin.label}`);
    });

    test('rest: through rclone serve restic on 127.0.0.1', async () => {
      const server = await startRcloneRestServer();
      try {
        const restic = await openResticRepository({ repository: server.repository, password: { value: PASSWORD } }, withBinary);
        await exercise(restic, `rest-${bin.label}`);
      } finally {
        await server.stop();
      }
    });

    test('s3: through s3rver over TLS with a self-signed certificate (--cacert)', async () => {
      const server = await startS3Server();
      try {
        assert.ok(server.cacert !== undefined);
        const restic = await openResticRepository({ repository: server.repository, password: { value: PASSWORD }, env: server.env, cacert: server.cacert }, withBinary);
        await exercise(restic, `s3-${bin.label}`);
        // without the CA the certificate is refused, as a typed user error
        const untrusting = await openResticRepository({ repository: server.repository, password: { value: PASSWORD }, env: server.env }, withBinary);
        await assert.rejects(untrusting.repositoryId(), (error: unknown) => error instanceof UserError && error.code === 'E_RESTIC_TLS');
      } finally {
        await server.stop();
      }
    });
  });

  describe(`restic adapter faults (restic ${bin.label})`, () => {
    let repository: string;
    let passwordFile: string;
    before(async () => {
      repository = join(scratch, `fault-repo-${bin.label}`);
      passwordFile = join(scratch, `password-${bin.label}`);
      writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
      const restic = await openResticRepository({ repository, password: { file: passwordFile } }, withBinary);
      await restic.init();
      await restic.backup({ paths: [sources] });
    });

    test('every password source opens the repository; RESTIC_PASSWORD in the env is never used', async () => {
      const sourcesToTry: PasswordSource[] = [{ file: passwordFile }, { command: `cat ${passwordFile}` }, { value: PASSWORD }];
      const ids = new Set<string>();
      for (const password of sourcesToTry) {
        ids.add(await (await openResticRepository({ repository, password, env: { RESTIC_PASSWORD: 'wrong' } }, withBinary)).repositoryId());
      }
      assert.equal(ids.size, 1);
    });

    test('wrong password: typed UserError with hints, not retried, no secret in the message', async () => {
      const retries: number[] = [];
      const restic = await openResticRepository({ repository, password: { value: 'not the password' } }, { ...withBinary, onRetry: ({ attempt }) => retries.push(attempt) });
      const error = await restic.snapshots().then(() => assert.fail('opened with a wrong password'), (thrown: unknown) => thrown);
      assert.ok(error instanceof UserError);
      assert.equal(error.code, 'E_RESTIC_WRONG_PASSWORD');
      assert.ok(error.hints.some((hint) => /RESTIC_PASSWORD|passwordCommand/.test(hint)));
      assert.deepEqual(retries, []);
      assert.ok(!JSON.stringify({ message: error.message, details: error.details }).includes('not the password'));
    });

    test('missing repository: typed UserError, not retried', async () => {
      const retries: number[] = [];
      const restic = await openResticRepository({ repository: join(scratch, 'nothing-here'), password: { value: PASSWORD } }, { ...withBinary, onRetry: ({ attempt }) => retries.push(attempt) });
      await assert.rejects(restic.repositoryId(), (error: unknown) => error instanceof UserError && error.code === 'E_RESTIC_REPO_MISSING' && error.hints.length > 0);
      assert.deepEqual(retries, []);
    });

    test('server down: transient, retried with backoff, then a clear error; back up: works again', async () => {
      const server = await startRcloneRestServer();
      let restic: Restic | undefined;
      try {
        const delays: number[] = [];
        restic = await openResticRepository({ repository: server.repository, password: { value: PASSWORD } }, {
          // restic ≥ 0.16 retries a refused connection itself for minutes: drkit stops it after 1.5 s here
          ...withBinary, retry: { attempts: 3, initialDelayMs: 100, factor: 2, maxDelayMs: 1000 }, backendGiveUpMs: 1500,
          sleep: (ms) => { delays.push(ms); return Promise.resolve(); },
        });
        await restic.init();
        await server.stop();
        await assert.rejects(restic.snapshots(), (error: unknown) => error instanceof DrkitError && error.code === 'E_RESTIC_UNREACHABLE'
          && /(cannot reach the repository rest:http:\/\/127\.0\.0\.1:\d+\/|the repository rest:http:\/\/127\.0\.0\.1:\d+\/ stayed unreachable) \(connection refused\)/.test(error.message));
        assert.deepEqual(delays, [100, 200], 'two retries after the first attempt, with growing delays');
        await server.start();
        assert.deepEqual(await restic.snapshots(), []);
      } finally {
        await server.stop();
      }
    });

    test('a lock held by a live restic is retried; once its holder dies, the stale lock is cleared and prune runs', async () => {
      const big = join(scratch, `big-${bin.label}`);
      mkdirSync(big);
      // random bytes: restic would deduplicate repeated ones into almost nothing to upload
      for (let i = 0; i < 8; i += 1) writeFileSync(join(big, `f${i}`), randomBytes(1_000_000));
      // a slow backup (upload limited to 200 KiB/s) holds a lock on the repository
      const holder = spawn(bin.binary, ['--limit-upload', '200', 'backup', big], {
        env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile }, stdio: 'ignore',
      });
      const holderExited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
      try {
        await waitForLockFile(repository);
        const retried: string[] = [];
        const restic = await openResticRepository({ repository, password: { file: passwordFile } }, {
          binary: bin.binary, retry: { attempts: 3, initialDelayMs: 1, factor: 1, maxDelayMs: 1 },
          onRetry: ({ error }) => retried.push(error.code),
          // while "waiting", the holder crashes: its lock stays behind, stale
          sleep: async () => { holder.kill('SIGKILL'); await holderExited; },
        });
        await restic.prune();
        assert.deepEqual(retried, ['E_RESTIC_LOCKED']);
      } finally {
        holder.kill('SIGKILL');
        await holderExited;
      }
    });

    test('a damaged repository: check reports the problem instead of failing to run', async () => {
      const damaged = join(scratch, `damaged-repo-${bin.label}`);
      const restic = await openResticRepository({ repository: damaged, password: { value: PASSWORD } }, withBinary);
      await restic.init();
      await restic.backup({ paths: [sources] });
      // remove the biggest pack: it holds the 200 kB file's data, not the trees (whose loss makes 0.14 retry for
      // a minute and a half before it reports)
      const packs = readdirSync(join(damaged, 'data'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name)).sort((a, b) => statSync(b).size - statSync(a).size);
      assert.ok(packs[0] !== undefined);
      rmSync(packs[0]);
      const verdict = await restic.check();
      assert.equal(verdict.ok, false);
      assert.ok(verdict.problems.some((problem) => /does not exist|not found|missing/.test(problem)), verdict.problems.join('\n'));
    });
  });
}

for (const bin of resticBinaries()) suite(bin);

async function waitForLockFile(repository: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      if (readdirSync(join(repository, 'locks')).length > 0) return;
    } catch { /* not yet */ }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the lock holder did not create a lock within 15 s');
}
