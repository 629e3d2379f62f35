/**
 * Backups against the raw tools, on generated data (10,000 files / 200 MB, and 100,000 small files):
 * - `drkit backup offsite` vs `restic backup` alone (goal ≤ 1.05×), a first backup into a fresh repository and a
 *   second one with nothing changed;
 * - `drkit backup onsite` vs `rsync -a` (first snapshot) and `rsync -a --link-dest` (second) alone (goal ≤ 1.05×);
 * - drkit's own peak RSS at 100k files over 10k files, for each job (goal < 1.5×).
 * Each timing is the best of `REPEATS` runs, raw and drkit interleaved so drift on a shared machine hits both.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { generateFiles } from './data.js';
import { expectSuccess, measure, ratio, type Measured } from './measure.js';
import { BENCH_PASSWORD, drkitSetup } from './setup.js';

const REPEATS = 2;
const MiB = 1024 * 1024;

function resticEnv(context: BenchContext, repository: string): NodeJS.ProcessEnv {
  const passwordFile = join(context.scratch, 'restic-password');
  writeFileSync(passwordFile, BENCH_PASSWORD, { mode: 0o600 });
  return { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(context.scratch, `cache-${repository.split('/').at(-1) ?? ''}`) };
}

async function rawRestic(context: BenchContext, data: string, tag: string): Promise<{ first: Measured; second: Measured }> {
  const env = resticEnv(context, join(context.scratch, `raw-repo-${tag}`));
  expectSuccess('restic init', await measure('restic', ['init'], { env }));
  const first = expectSuccess('restic backup', await measure('restic', ['backup', '--host', 'bench', data], { env }));
  const second = expectSuccess('restic backup (again)', await measure('restic', ['backup', '--host', 'bench', data], { env }));
  return { first, second };
}

async function drkitOffsite(context: BenchContext, data: string, tag: string): Promise<{ first: Measured; second: Measured }> {
  const setup = await drkitSetup(context, `offsite-${tag}`, [data], { offsite: join(context.scratch, `drkit-repo-${tag}`) });
  const first = expectSuccess('drkit backup offsite', await setup.drkit(['backup', 'offsite']));
  const second = expectSuccess('drkit backup offsite (again)', await setup.drkit(['backup', 'offsite']));
  return { first, second };
}

async function rawRsync(context: BenchContext, data: string, tag: string): Promise<{ first: Measured; second: Measured }> {
  const root = join(context.scratch, `raw-rsync-${tag}`);
  mkdirSync(root, { recursive: true });
  const first = expectSuccess('rsync -a', await measure('rsync', ['-a', data, join(root, 's1/')]));
  const second = expectSuccess('rsync -a --link-dest', await measure('rsync', ['-a', `--link-dest=${join(root, 's1')}`, data, join(root, 's2/')]));
  return { first, second };
}

/** rsync, then `sync -f` as drkit does before it names a snapshot complete: the same durability, for comparison. */
async function rawRsyncDurable(context: BenchContext, data: string, tag: string): Promise<{ first: Measured; second: Measured }> {
  const root = join(context.scratch, `raw-rsync-sync-${tag}`);
  mkdirSync(root, { recursive: true });
  const withSync = async (args: string[], what: string): Promise<Measured> => {
    const copy = expectSuccess(what, await measure('rsync', args));
    const flush = expectSuccess('sync -f', await measure('sync', ['-f', root]));
    return { ...copy, ms: copy.ms + flush.ms };
  };
  const first = await withSync(['-a', data, join(root, 's1/')], 'rsync -a');
  const second = await withSync(['-a', `--link-dest=${join(root, 's1')}`, data, join(root, 's2/')], 'rsync -a --link-dest');
  return { first, second };
}

/** What one restic command costs on the same repository when it only opens it (key derivation, index). */
async function resticOpenCost(context: BenchContext, tag: string): Promise<Measured> {
  const env = resticEnv(context, join(context.scratch, `raw-repo-${tag}`));
  return expectSuccess('restic cat config', await measure('restic', ['cat', 'config'], { env }));
}

async function drkitOnsite(context: BenchContext, data: string, tag: string): Promise<{ first: Measured; second: Measured }> {
  const target = join(context.scratch, `drkit-target-${tag}`);
  mkdirSync(target, { recursive: true });
  const setup = await drkitSetup(context, `onsite-${tag}`, [data], { onsite: target });
  const first = expectSuccess('drkit backup onsite', await setup.drkit(['backup', 'onsite']));
  // snapshot names have a one-second resolution; a second run in the same second gets a suffix, but wait anyway
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const second = expectSuccess('drkit backup onsite (again)', await setup.drkit(['backup', 'onsite']));
  return { first, second };
}

type Pair = { first: Measured; second: Measured };

async function best(context: BenchContext, label: string, raw: (tag: string) => Promise<Pair>, drkit: (tag: string) => Promise<Pair>): Promise<{ raw: Pair; drkit: Pair }> {
  let rawBest: Pair | undefined;
  let drkitBest: Pair | undefined;
  const pick = (a: Pair | undefined, b: Pair): Pair => (a === undefined ? b : {
    first: a.first.ms <= b.first.ms ? a.first : b.first,
    second: a.second.ms <= b.second.ms ? a.second : b.second,
  });
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    context.log(`${label}: run ${repeat} of ${REPEATS}`);
    rawBest = pick(rawBest, await raw(`${label}-${repeat}`));
    drkitBest = pick(drkitBest, await drkit(`${label}-${repeat}`));
  }
  if (rawBest === undefined || drkitBest === undefined) throw new Error('no runs');
  return { raw: rawBest, drkit: drkitBest };
}

const seconds = (measured: Measured): string => `${(measured.ms / 1000).toFixed(2)} s`;
const timeFigure = (name: string, drkit: Measured, raw: Measured, rawName: string): BenchFigure => {
  const value = ratio(drkit.ms, raw.ms);
  return { name, value, unit: 'x', goal: '≤ 1.05×', met: value <= 1.05, detail: `drkit ${seconds(drkit)}, ${rawName} ${seconds(raw)}` };
};
const rssFigure = (name: string, small: Measured, large: Measured): BenchFigure => {
  const value = ratio(large.peakKiB, small.peakKiB);
  return { name, value, unit: 'x', goal: '< 1.5×', met: value < 1.5, detail: `peak RSS ${(small.peakKiB / 1024).toFixed(1)} MiB at 10k files, ${(large.peakKiB / 1024).toFixed(1)} MiB at 100k files` };
};

export const backupBenchmarks: BenchModule = {
  name: 'backup',
  async run(context) {
    const data10k = join(context.scratch, 'data-10k');
    const data100k = join(context.scratch, 'data-100k');
    context.log('generating 10,000 files / 200 MB');
    generateFiles(data10k, 10_000, 200 * MiB, 1);
    context.log('generating 100,000 small files / 100 MB');
    generateFiles(data100k, 100_000, 100 * MiB, 2);

    const offsite = await best(context, 'offsite-10k', (tag) => rawRestic(context, data10k, tag), (tag) => drkitOffsite(context, data10k, tag));
    const open = await resticOpenCost(context, 'offsite-10k-1');
    const onsite = await best(context, 'onsite-10k', (tag) => rawRsync(context, data10k, tag), (tag) => drkitOnsite(context, data10k, tag));
    context.log('rsync + sync -f (the durability drkit adds), for comparison');
    const durable = await rawRsyncDurable(context, data10k, 'durable');
    context.log('offsite and onsite at 100k files (memory)');
    const offsite100k = await drkitOffsite(context, data100k, '100k');
    const onsite100k = await drkitOnsite(context, data100k, '100k');

    return [
      timeFigure('drkit backup offsite / restic backup (first, 10k files, 200 MB)', offsite.drkit.first, offsite.raw.first, 'restic'),
      timeFigure('drkit backup offsite / restic backup (unchanged, 10k files)', offsite.drkit.second, offsite.raw.second, 'restic'),
      timeFigure('drkit backup onsite / rsync -a (first, 10k files, 200 MB)', onsite.drkit.first, onsite.raw.first, 'rsync'),
      timeFigure('drkit backup onsite / rsync -a --link-dest (unchanged, 10k files)', onsite.drkit.second, onsite.raw.second, 'rsync'),
      { ...timeFigure('drkit backup onsite / rsync -a + sync -f (first)', onsite.drkit.first, durable.first, 'rsync + sync'), goal: undefined, met: undefined },
      { ...timeFigure('drkit backup onsite / rsync -a --link-dest + sync -f (unchanged)', onsite.drkit.second, durable.second, 'rsync + sync'), goal: undefined, met: undefined },
      { name: 'one restic command that only opens the repository (restic cat config)', value: Math.round(open.ms), unit: 'ms', detail: 'drkit runs backup, cat config (repository id check) and forget: each opens the repository' },
      rssFigure('drkit peak RSS, backup offsite, 100k / 10k files', offsite.drkit.first, offsite100k.first),
      rssFigure('drkit peak RSS, backup onsite, 100k / 10k files', onsite.drkit.first, onsite100k.first),
    ];
  },
};
