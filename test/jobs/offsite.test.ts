// The offsite job end to end against the real restic (each of 0.14 and 0.18): success with retention, a partial snapshot (exit 3),
// a wrong password, another repository behind the same URL, the server stopped mid-backup (then the next run
// succeeds, nothing lost), and no secret on any process's command line while a backup runs.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exitCodeFor } from '../../src/errors.js';
import { openResticRepository, type ResticRunnerOptions } from '../../src/adapters/restic/index.js';
import { runOffsiteBackup, type OffsiteBackupOptions, type OffsiteRuntime } from '../../src/jobs/offsite.js';
import type { JobEvent, Reporter } from '../../src/jobs/types.js';
import { resticBinaries, type ResticBinary } from '../helpers/restic-versions.js';
import { startRcloneRestServer, startS3Server } from '../helpers/servers.js';

const PASSWORD = 'offsite-test-password-9f2c';
const fastRetries: ResticRunnerOptions = { sleep: () => Promise.resolve(), retry: { attempts: 2, initialDelayMs: 1, factor: 1, maxDelayMs: 1 } };

let scratch: string;
const previousCacheDir = process.env.RESTIC_CACHE_DIR;
const previousTmpdir = process.env.TMPDIR;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'drkit-offsite-'));
  // the adapter's password folders go to a private TMPDIR: another drkit's sweep of a shared /tmp cannot touch them
  mkdirSync(join(scratch, 'tmp'));
  process.env.TMPDIR = join(scratch, 'tmp');
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

function recorder(): Reporter & { events: JobEvent[]; on?: (event: JobEvent) => void } {
  const reporter: Reporter & { events: JobEvent[]; on?: (event: JobEvent) => void } = {
    events: [],
    event(event) { reporter.events.push(event); reporter.on?.(event); },
  };
  return reporter;
}

function makeSources(name: string, files: number, size: number): string {
  const folder = join(scratch, name);
  mkdirSync(join(folder, 'photos'), { recursive: true });
  for (let i = 0; i < files; i += 1) writeFileSync(join(folder, 'photos', `p${i}.jpg`), randomBytes(size));
  writeFileSync(join(folder, 'notes.txt'), 'remember the milk\n');
  writeFileSync(join(folder, 'cache.tmp'), 'not worth keeping\n');
  return folder;
}

/** true when `pid` is this test process or one of its descendants (parent chain read from /proc/PID/stat) */
function descendsFromUs(pid: number): boolean {
  for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
    if (current === process.pid) return true;
    try {
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

// every test runs against each restic a restorer may meet (Debian 12's 0.14, Debian 13's 0.18)
function suite(bin: ResticBinary): void {
  const fast: OffsiteRuntime = { restic: { ...fastRetries, binary: bin.binary } };

  async function newRepository(repository: string, extra: { env?: Record<string, string>; cacert?: string } = {}): Promise<string> {
    const restic = await openResticRepository({ repository, password: { value: PASSWORD }, ...extra }, { binary: bin.binary });
    return (await restic.init()).repositoryId;
  }

  describe(`offsite backup job (restic ${bin.label})`, () => {
    test('success: progress events, snapshot id, counts; keep policy applied after each good run', async () => {
      const server = await startRcloneRestServer();
      try {
        const repositoryId = await newRepository(server.repository);
        const sources = makeSources(`success-${bin.label}`, 3, 50_000);
        const options: OffsiteBackupOptions = {
          repository: server.repository, password: { value: PASSWORD }, expectedRepositoryId: repositoryId,
          sources: [sources], excludes: ['*.tmp'], keep: { last: 2 }, host: 'laptop', tags: ['drkit'],
        };
        const reporter = recorder();
        // throttled to about 1.5 s: restic >= 0.15 prints its status on a timer, so a 150 kB backup could end first
        const first = await runOffsiteBackup({ ...options, limitUploadKiBs: 100 }, reporter, undefined, fast);
        assert.equal(first.outcome, 'success', JSON.stringify(first));
        assert.match(first.snapshotId ?? '', /^[0-9a-f]{64}$/);
        assert.equal(first.filesTotal, 4, 'three photos and the notes; the .tmp file is excluded');
        assert.equal(first.bytesTotal, 150_018);
        assert.ok((first.bytesAdded ?? 0) >= 150_000);
        assert.equal(first.snapshotCount, 1);
        assert.deepEqual(first.warnings, []);
        const types = reporter.events.map((event) => event.type);
        assert.equal(types[0], 'start');
        assert.equal(types.at(-1), 'done');
        assert.ok(types.includes('progress'));
        const done = reporter.events.at(-1);
        assert.ok(done?.type === 'done' && done.result === first);

        for (let run = 0; run < 2; run += 1) {
          writeFileSync(join(sources, 'notes.txt'), `run ${run}\n`);
          assert.equal((await runOffsiteBackup(options, recorder(), undefined, fast)).outcome, 'success');
        }
        const third = await runOffsiteBackup(options, recorder(), undefined, fast);
        assert.equal(third.snapshotCount, 2, 'keep last 2');
        const restic = await openResticRepository({ repository: server.repository, password: { value: PASSWORD } }, { binary: bin.binary });
        const snapshots = await restic.snapshots();
        assert.equal(snapshots.length, 2);
        assert.ok(snapshots.every((snapshot) => snapshot.hostname === 'laptop' && snapshot.tags.includes('drkit')));
        assert.ok((await restic.check()).ok);
      } finally {
        await server.stop();
      }
    });

    test('exit 3 (an unreadable file): outcome warning, snapshot id kept, file named, retention skipped', async () => {
      const repository = join(scratch, `partial-repo-${bin.label}`);
      await newRepository(repository);
      const sources = makeSources(`partial-${bin.label}`, 1, 10_000);
      // root reads everything on disk; /proc/<pid>/mem of a live process fails with EIO even for root
      const unreadable = `/proc/${process.pid}/mem`;
      const base: OffsiteBackupOptions = { repository, password: { value: PASSWORD }, sources: [sources], keep: { last: 1 }, host: 'laptop' };
      assert.equal((await runOffsiteBackup(base, recorder(), undefined, fast)).outcome, 'success');

      const reporter = recorder();
      const result = await runOffsiteBackup({ ...base, sources: [sources, unreadable] }, reporter, undefined, fast);
      assert.equal(result.outcome, 'warning');
      assert.match(result.snapshotId ?? '', /^[0-9a-f]{64}$/);
      assert.ok(result.warnings.some((warning) => warning.includes(unreadable) && /input\/output error/.test(warning)), result.warnings.join('\n'));
      assert.ok(result.warnings.some((warning) => /incomplete.*retention skipped/.test(warning)));
      assert.equal(result.error, undefined);
      assert.ok(reporter.events.some((event) => event.type === 'warning'));
      const restic = await openResticRepository({ repository, password: { value: PASSWORD } }, { binary: bin.binary });
      const snapshots = await restic.snapshots();
      assert.equal(snapshots.length, 2, 'keep last 1 did not run after the partial snapshot');
      assert.ok(snapshots.some((snapshot) => snapshot.id === result.snapshotId));
    });

    test('wrong password: failed, with the typed error\'s code, kind, hints and exit code; no secret in the result', async () => {
      const repository = join(scratch, `password-repo-${bin.label}`);
      await newRepository(repository);
      const reporter = recorder();
      const result = await runOffsiteBackup({ repository, password: { value: 'guessed-wrong-1234' }, sources: [makeSources(`pw-${bin.label}`, 1, 100)] }, reporter, undefined, fast);
      assert.equal(result.outcome, 'failed');
      assert.equal(result.error?.code, 'E_RESTIC_WRONG_PASSWORD');
      assert.equal(result.error?.kind, 'user');
      assert.equal(exitCodeFor(result.error), 2);
      assert.ok((result.error?.hints ?? []).length > 0);
      assert.equal(result.snapshotId, undefined);
      assert.ok(!JSON.stringify(reporter.events).includes('guessed-wrong-1234'));
    });

    test('another repository behind the configured URL: refused before anything is written', async () => {
      const repository = join(scratch, `swapped-repo-${bin.label}`);
      await newRepository(repository);
      const result = await runOffsiteBackup({ repository, password: { value: PASSWORD }, expectedRepositoryId: 'f'.repeat(64), sources: [makeSources(`swap-${bin.label}`, 1, 100)] }, recorder(), undefined, fast);
      assert.equal(result.outcome, 'failed');
      assert.equal(result.error?.code, 'E_RESTIC_REPO_MISMATCH');
      const restic = await openResticRepository({ repository, password: { value: PASSWORD } }, { binary: bin.binary });
      assert.deepEqual(await restic.snapshots(), []);
    });

    test('the server stopped mid-backup: a clear failure; once it is back, the next run succeeds and nothing is lost', async () => {
      const server = await startRcloneRestServer();
      try {
        await newRepository(server.repository);
        const sources = makeSources(`midway-${bin.label}`, 12, 1_000_000);
        const options: OffsiteBackupOptions = {
          repository: server.repository, password: { value: PASSWORD }, sources: [sources], keep: { last: 3 }, host: 'laptop',
          // slow enough that the server can be stopped while data is moving
          limitUploadKiBs: 2000,
        };
        const reporter = recorder();
        let stopped: Promise<void> | undefined;
        reporter.on = (event) => {
          if (stopped === undefined && event.type === 'progress' && (event.bytesDone ?? 0) > 0) stopped = server.stop();
        };
        const started = Date.now();
        const failed = await runOffsiteBackup(options, reporter, undefined, { restic: { ...fast.restic, backendGiveUpMs: 1500 } });
        await stopped;
        assert.ok(stopped !== undefined, 'the server was stopped during the backup');
        assert.equal(failed.outcome, 'failed');
        assert.equal(failed.error?.code, 'E_RESTIC_UNREACHABLE');
        assert.match(failed.error?.message ?? '', /(unreachable|cannot reach).*rest:http:\/\/127\.0\.0\.1:\d+\/|rest:http:\/\/127\.0\.0\.1:\d+\/ stayed unreachable/);
        assert.ok(reporter.events.some((event) => event.type === 'info' && /retrying in/.test(event.message)), 'the retry was reported');
        assert.ok(Date.now() - started < 60_000, 'drkit gave up in seconds, not after restic\'s own long retries');

        await server.start();
        const next = await runOffsiteBackup(options, recorder(), undefined, fast);
        assert.equal(next.outcome, 'success', JSON.stringify(next.error));
        assert.equal(next.filesTotal, 14);

        const restic = await openResticRepository({ repository: server.repository, password: { value: PASSWORD } }, { binary: bin.binary });
        assert.ok((await restic.check({ readDataSubset: '100%' })).ok);
        const target = join(scratch, `midway-restore-${bin.label}`);
        await restic.restore({ snapshot: 'latest', target });
        for (const name of readdirSync(join(sources, 'photos'))) {
          assert.ok(readFileSync(join(target, sources, 'photos', name)).equals(readFileSync(join(sources, 'photos', name))), `${name} restored intact`);
        }
      } finally {
        await server.stop();
      }
    });

    test('no secret on any command line while a backup runs (sampled from /proc/*/cmdline)', async () => {
      const server = await startS3Server();
      const sampled = new Set<string>();
      let sampling = true;
      let resticSeen = false;
      let environSeen = '';
      const sample = async () => {
        while (sampling) {
          for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
            try {
              const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
              sampled.add(cmdline);
              // argv[0] must be restic itself: the test runner's own command line names files like restic-real.test.js
              if (/^(\S*\/)?restic .*\bbackup\b/.test(cmdline) && !/--limit-upload 200 /.test(cmdline) && descendsFromUs(Number(pid))) {
                resticSeen = true;
                environSeen ||= readFileSync(`/proc/${pid}/environ`, 'utf8');
              }
            } catch { /* the process ended */ }
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      try {
        const backendSecret = 'S3RVER';
        await newRepository(server.repository, { env: server.env, ...(server.cacert ? { cacert: server.cacert } : {}) });
        const sampler = sample();
        const result = await runOffsiteBackup({
          repository: server.repository, password: { value: PASSWORD }, env: server.env,
          ...(server.cacert ? { cacert: server.cacert } : {}),
          sources: [makeSources(`cmdline-${bin.label}`, 6, 1_000_000)], limitUploadKiBs: 4000, keep: { last: 5 },
        }, recorder(), undefined, fast);
        sampling = false;
        await sampler;
        assert.equal(result.outcome, 'success', JSON.stringify(result.error));
        assert.match(result.snapshotId ?? '', /^[0-9a-f]{64}$/, 'the full id, even from restic 0.14');
        assert.ok(resticSeen, 'restic was seen running');
        for (const cmdline of sampled) {
          assert.ok(!cmdline.includes(PASSWORD), `password on a command line: ${cmdline}`);
          assert.ok(!cmdline.includes(backendSecret), `backend secret on a command line: ${cmdline}`);
        }
        const environ = environSeen.split('\0');
        // the password goes down a pipe on restic's fd 3 (read by RESTIC_PASSWORD_COMMAND): no file holds it
          assert.ok(environ.some((entry) => entry.startsWith('RESTIC_PASSWORD_COMMAND=')), 'the password travels down a pipe');
          assert.ok(!environ.some((entry) => entry.startsWith('RESTIC_PASSWORD_FILE=')), 'never as a file that could outlive the run');
        assert.ok(!environ.some((entry) => entry.startsWith('RESTIC_PASSWORD=')), 'never as RESTIC_PASSWORD');
      } finally {
        sampling = false;
        await server.stop();
      }
    });

    test('aborted by the caller (SIGINT/SIGTERM in the CLI): failed as interrupted, exit code 130', async () => {
      const repository = join(scratch, `abort-repo-${bin.label}`);
      await newRepository(repository);
      const controller = new AbortController();
      const reporter = recorder();
      reporter.on = (event) => { if (event.type === 'progress' && (event.bytesDone ?? 0) > 0) controller.abort(); };
      const result = await runOffsiteBackup({
        repository, password: { value: PASSWORD }, sources: [makeSources(`abort-${bin.label}`, 10, 1_000_000)], limitUploadKiBs: 2000, keep: { last: 1 },
      }, reporter, controller.signal, fast);
      assert.equal(result.outcome, 'failed');
      assert.equal(result.error?.code, 'E_RESTIC_INTERRUPTED');
      assert.equal(exitCodeFor(result.error), 130);
    });
  });
}

for (const bin of resticBinaries()) suite(bin);
