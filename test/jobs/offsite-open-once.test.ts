// One repository open per scheduled offsite run (issue 11), against the real restic (0.14 and 0.18) on a local
// repository and behind `rclone serve restic` (rest:):
// - the repository check by the `config` file's fingerprint derives no key (counted through a password command,
//   which restic runs once per repository open); a swapped repository is still refused, and nothing is written
//   into it or forgotten from it;
// - the keep policy runs only when due (skipped while `last` keeps everything, then at most once a day), as one
//   `forget --prune`, and the snapshot id in the result is the full one without an extra listing.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openResticRepository, type PasswordSource, type Restic, type ResticRunnerOptions } from '../../src/adapters/restic/index.js';
import { confirmRepositoryId, rememberRepository } from '../../src/adapters/restic/identity.js';
import { knownRepositoryFile, readKnownRepository, sha256Hex } from '../../src/adapters/restic/known.js';
import { runOffsiteBackup, type OffsiteBackupOptions } from '../../src/jobs/offsite.js';
import type { JobEvent, JobResult, Reporter } from '../../src/jobs/types.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';

const PASSWORD = 'open-once-password-4c1e';

let scratch: string;
const previousCacheDir = process.env.RESTIC_CACHE_DIR;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'drkit-open-once-'));
  process.env.RESTIC_CACHE_DIR = join(scratch, 'restic-cache');
  writeFileSync(join(scratch, 'password'), PASSWORD, { mode: 0o600 });
});
after(() => {
  if (previousCacheDir === undefined) delete process.env.RESTIC_CACHE_DIR;
  else process.env.RESTIC_CACHE_DIR = previousCacheDir;
  rmSync(scratch, { recursive: true, force: true });
});

/** A password command that appends a line to `counter` each time restic opens a repository (derives its key). */
function countingPassword(counter: string): PasswordSource {
  writeFileSync(counter, '');
  return { command: `sh -c 'echo open >> ${counter}; cat ${join(scratch, 'password')}'` };
}
const opens = (counter: string): number => readFileSync(counter, 'utf8').split('\n').filter((line) => line === 'open').length;

function quiet(): Reporter & { events: JobEvent[] } {
  const reporter: Reporter & { events: JobEvent[] } = { events: [], event(event) { reporter.events.push(event); } };
  return reporter;
}
const infos = (reporter: { events: JobEvent[] }): string[] => reporter.events.flatMap((event) => (event.type === 'info' ? [event.message] : []));

let sourceCount = 0;
function makeSources(): string {
  const folder = join(scratch, `src-${sourceCount++}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'a.txt'), `alpha ${sourceCount}\n`);
  return folder;
}

interface Backend { name: string; repository: string; swap(): Promise<void>; stop(): Promise<void> }

/** A local repository, or one behind rclone serve restic; `swap` puts another folder in the first one's place. */
async function backend(kind: 'local' | 'rest', label: string): Promise<Backend> {
  const root = join(scratch, `${kind}-${label}-${sourceCount++}`);
  mkdirSync(root, { recursive: true });
  if (kind === 'local') {
    const repository = join(root, 'repo');
    return { name: kind, repository, swap: () => { renameSync(repository, join(root, 'original')); return Promise.resolve(); }, stop: () => Promise.resolve() };
  }
  let server: RunningServer = await startRcloneRestServer({ dataDir: join(root, 'data') });
  return {
    name: kind, repository: server.repository,
    async swap() {
      const port = server.port;
      await server.stop();
      server = await startRcloneRestServer({ dataDir: join(root, 'other-data'), port });
    },
    stop: () => server.stop(),
  };
}

for (const { label, binary } of resticBinaries()) {
  const runner: ResticRunnerOptions = { binary, sleep: () => Promise.resolve(), retry: { attempts: 1, initialDelayMs: 1, factor: 1, maxDelayMs: 1 } };
  const open = (repository: string, password: PasswordSource): Promise<Restic> => openResticRepository({ repository, password }, runner);

  for (const kind of ['local', 'rest'] as const) {
    describe(`restic ${label}, ${kind} repository`, () => {
      test('the fingerprint check opens nothing; a swapped repository is refused and left untouched', async () => {
        const place = await backend(kind, label);
        try {
          const counter = join(scratch, `opens-${label}-${kind}`);
          const password = countingPassword(counter);
          const restic = await open(place.repository, password);
          const { repositoryId } = await restic.init();
          const cache = join(scratch, `cache-${label}-${kind}`);
          const known = knownRepositoryFile(cache, repositoryId);
          await rememberRepository(restic, known, true);
          assert.equal(readKnownRepository(known).configSha256, sha256Hex((await restic.plainConfig()) ?? Buffer.alloc(0)));

          const before = opens(counter);
          assert.deepEqual(await confirmRepositoryId(restic, repositoryId, known), { id: repositoryId, by: 'fingerprint' });
          assert.equal(opens(counter), before, 'no restic run, no key derivation');

          const sources = makeSources();
          const options: OffsiteBackupOptions = { repository: place.repository, password, expectedRepositoryId: repositoryId, sources: [sources], keep: { last: 1 }, host: 'open-once', cache };
          const first = await runOffsiteBackup(options, quiet(), undefined, { restic: runner });
          assert.equal(first.outcome, 'success', JSON.stringify(first.error));
          assert.match(first.snapshotId ?? '', /^[0-9a-f]{64}$/, 'the full snapshot id');

          // another repository behind the same URL, holding snapshots the keep policy would thin
          const recorded = readKnownRepository(known).configSha256;
          await place.swap();
          const other = await open(place.repository, { file: join(scratch, 'password') });
          const otherId = (await other.init()).repositoryId;
          for (let index = 0; index < 3; index++) await other.backup({ paths: [sources], host: 'open-once' });
          const refused = await runOffsiteBackup(options, quiet(), undefined, { restic: runner });
          assert.equal(refused.outcome, 'failed');
          assert.equal(refused.error?.code, 'E_RESTIC_REPO_MISMATCH');
          assert.match(refused.error?.message ?? '', new RegExp(`has id ${otherId.slice(0, 8)}, not ${repositoryId.slice(0, 8)}`));
          assert.equal((await other.snapshots()).length, 3, 'nothing written into the other repository, nothing forgotten in it');
          assert.equal(readKnownRepository(known).configSha256, recorded, 'the other repository\'s fingerprint is never recorded as this one\'s');
          assert.notEqual(recorded, sha256Hex((await other.plainConfig()) ?? Buffer.alloc(0)));
        } finally {
          await place.stop();
        }
      });

      test('forget only when due, as one forget --prune; one repository open per run while it is not', async () => {
        const place = await backend(kind, label);
        try {
          const counter = join(scratch, `due-${label}-${kind}`);
          const password = countingPassword(counter);
          const restic = await open(place.repository, password);
          const { repositoryId } = await restic.init();
          const cache = join(scratch, `due-cache-${label}-${kind}`);
          // as `drkit init` on a repository it did not create: an empty snapshot folder is seen without restic
          await rememberRepository(restic, knownRepositoryFile(cache, repositoryId), false);
          assert.equal(readKnownRepository(knownRepositoryFile(cache, repositoryId)).createdEmpty, true);
          let now = new Date('2026-12-01T10:00:00Z');
          const options: OffsiteBackupOptions = { repository: place.repository, password, expectedRepositoryId: repositoryId, sources: [makeSources()], keep: { last: 2 }, host: 'due', cache };
          const run = async (): Promise<{ result: JobResult; messages: string[]; opened: number }> => {
            const reporter = quiet();
            const before = opens(counter);
            const result = await runOffsiteBackup(options, reporter, undefined, { restic: runner, clock: () => now });
            assert.notEqual(result.outcome, 'failed', JSON.stringify(result.error));
            return { result, messages: infos(reporter), opened: opens(counter) - before };
          };

          for (const expected of [1, 2]) {
            const { result, messages, opened } = await run();
            assert.ok(messages.some((message) => /keep policy not applied this time: .*keeps at least the newest 2/.test(message)), messages.join('\n'));
            assert.equal(result.snapshotCount, expected);
            assert.match(result.snapshotId ?? '', /^[0-9a-f]{64}$/);
            // restic 0.14 prints a short id: the full one comes from the snapshot file names, read without restic
            assert.equal(opened, 1, 'restic backup only');
          }
          const third = await run();
          assert.ok(third.messages.some((message) => /forgot 1 old snapshot and pruned their data/.test(message)), third.messages.join('\n'));
          assert.equal(third.result.snapshotCount, 2);
          assert.equal(third.opened, 2, 'backup, then forget --prune in one process');
          assert.equal((await restic.snapshots({ host: 'due' })).length, 2);

          now = new Date('2026-12-01T16:00:00Z');
          const fourth = await run();
          assert.ok(fourth.messages.some((message) => /forget ran less than a day ago/.test(message)), fourth.messages.join('\n'));
          assert.equal((await restic.snapshots({ host: 'due' })).length, 3, 'kept until the day is over');

          now = new Date('2026-12-02T10:30:00Z');
          const fifth = await run();
          assert.ok(fifth.messages.some((message) => /forgot 2 old snapshots/.test(message)), fifth.messages.join('\n'));
          assert.equal((await restic.snapshots({ host: 'due' })).length, 2);
        } finally {
          await place.stop();
        }
      });
    });
  }
}
