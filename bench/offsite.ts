/**
 * Offsite backups and recovery against raw restic, for each restic binary (0.14 and 0.18), in paired rounds
 * (./paired.ts), every round on copies of one template repository (./restic-setup.ts):
 * - first run: `drkit backup offsite` vs `restic backup` into a fresh repository, on 10,000 files / 200 MB
 *   (≤ 1.10×) and on 2,000 files / 1 GB (≤ 1.05×; left out with --quick);
 * - unchanged: the same again with nothing changed (≤ 1.25×: what remains is node's start);
 * - retention due: the 11th snapshot with `keep: { last: 10 }` vs `restic backup && restic forget --prune`
 *   (≤ 1.10×), on copies of a template holding 10 snapshots;
 * - `drkit recover --restore-to` (two text shares and the envelope) vs `restic restore latest --verify` (≤ 1.05×).
 * drkit's own `init` runs on each copy before the round and is not measured.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { expectSuccess, measure, type Measured } from './measure.js';
import { logNodeFloor, pairedFigure, runPair, type PairSample } from './paired.js';
import { benchRestic, copyRepository, emptyTemplate, resticEnv, runRestic, type BenchRestic } from './restic-setup.js';
import { BENCH_PASSWORD, drkitSetup } from './setup.js';
import { benchData } from './data.js';

const KEEP_LAST = 10;

async function firstAndUnchanged(context: BenchContext, restic: BenchRestic, template: string, data: string, tag: string): Promise<{ first: PairSample[]; unchanged: PairSample[] }> {
  const first: PairSample[] = [];
  const unchanged: PairSample[] = [];
  for (let round = 0; round < context.rounds; round++) {
    context.log(`offsite ${tag}, restic ${restic.label}: round ${round + 1} of ${context.rounds}`);
    const root = join(context.scratch, `offsite-${tag}-${restic.label}-${round}`);
    const drkitRepo = copyRepository(template, join(root, 'drkit-repo'));
    const rawEnv = resticEnv(context, copyRepository(template, join(root, 'raw-repo')), join(root, 'raw-cache'));
    const setup = await drkitSetup(context, `offsite-${tag}-${restic.label}-${round}/drkit`, [data], { offsite: drkitRepo, path: restic.path });
    const drkit = async () => expectSuccess('drkit backup offsite', await setup.drkit(['backup', 'offsite']));
    const raw = async () => expectSuccess('restic backup', await runRestic(restic, rawEnv, ['backup', '--host', 'bench', data]));
    first.push(await runPair(round, drkit, raw));
    unchanged.push(await runPair(round, drkit, raw));
    rmSync(root, { recursive: true, force: true });
  }
  return { first, unchanged };
}

/** A template holding KEEP_LAST snapshots of `data` (host bench, no tags: what drkit's forget groups). */
async function fullTemplate(context: BenchContext, restic: BenchRestic, template: string, data: string): Promise<string> {
  const repository = copyRepository(template, join(context.scratch, `template-${KEEP_LAST}-${restic.label}`));
  const env = resticEnv(context, repository, join(context.scratch, `template-cache-${restic.label}`));
  for (let index = 0; index < KEEP_LAST; index++) expectSuccess('restic backup (template)', await runRestic(restic, env, ['backup', '--host', 'bench', data]));
  return repository;
}

async function retentionDue(context: BenchContext, restic: BenchRestic, template: string, data: string): Promise<PairSample[]> {
  const samples: PairSample[] = [];
  for (let round = 0; round < context.rounds; round++) {
    context.log(`offsite 11th snapshot, restic ${restic.label}: round ${round + 1} of ${context.rounds}`);
    const root = join(context.scratch, `retention-${restic.label}-${round}`);
    const drkitRepo = copyRepository(template, join(root, 'drkit-repo'));
    const rawEnv = resticEnv(context, copyRepository(template, join(root, 'raw-repo')), join(root, 'raw-cache'));
    const setup = await drkitSetup(context, `retention-${restic.label}-${round}/drkit`, [data], { offsite: drkitRepo, path: restic.path, keep: `{ last: ${KEEP_LAST} }` });
    samples.push(await runPair(round,
      async () => expectSuccess('drkit backup offsite', await setup.drkit(['backup', 'offsite'])),
      async (): Promise<Measured> => {
        const backup = expectSuccess('restic backup', await runRestic(restic, rawEnv, ['backup', '--host', 'bench', data]));
        const forget = expectSuccess('restic forget --prune', await runRestic(restic, rawEnv, ['forget', '--host', 'bench', '--keep-last', String(KEEP_LAST), '--prune']));
        if (!/remove 1 snapshots/.test(forget.stdout)) throw new Error(`restic forget did not remove one snapshot: ${forget.stdout.slice(0, 300)}`);
        return { ...forget, ms: backup.ms + forget.ms };
      }));
    rmSync(root, { recursive: true, force: true });
  }
  return samples;
}

async function recoverRounds(context: BenchContext, restic: BenchRestic, repository: string): Promise<PairSample[]> {
  const root = join(context.scratch, `recover-${restic.label}`);
  mkdirSync(root, { recursive: true });
  const bundle = join(root, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Bench Owner', repository, resticPassword: BENCH_PASSWORD, env: {} }), { mode: 0o600 });
  const kit = join(root, 'kit');
  const env = { ...process.env, PATH: restic.path, XDG_CACHE_HOME: join(root, 'xdg-cache'), XDG_STATE_HOME: join(root, 'xdg-state'), RESTIC_CACHE_DIR: join(root, 'drkit-restic-cache') };
  expectSuccess('drkit kit create', await measure(context.node, [context.cli, 'kit', 'create', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B,C', '--threshold', '2', '--out', kit], { env }));
  const rawEnv = resticEnv(context, repository, join(root, 'raw-cache'));
  const samples: PairSample[] = [];
  for (let round = 0; round < context.rounds; round++) {
    context.log(`recover --restore-to, restic ${restic.label}: round ${round + 1} of ${context.rounds}`);
    const drkitTarget = join(root, `drkit-target-${round}`);
    const rawTarget = join(root, `raw-target-${round}`);
    samples.push(await runPair(round,
      async () => expectSuccess('drkit recover', await measure(context.node, [context.cli, 'recover', '--from', join(kit, 'share-1.txt'), '--from', join(kit, 'share-2.txt'), '--envelope', join(kit, 'envelope.txt'), '--restore-to', drkitTarget], { env })),
      async () => expectSuccess('restic restore', await runRestic(restic, rawEnv, ['restore', 'latest', '--verify', '--target', rawTarget]))));
    rmSync(drkitTarget, { recursive: true, force: true });
    rmSync(rawTarget, { recursive: true, force: true });
  }
  return samples;
}

export const offsiteBenchmarks: BenchModule = {
  name: 'offsite',
  async run(context) {
    const data10k = benchData(context, '10k');
    await logNodeFloor(context);
    const data1g = context.quick ? undefined : benchData(context, '1g');
    const figures: BenchFigure[] = [];
    for (const binary of context.restics) {
      const restic = benchRestic(binary);
      const template = await emptyTemplate(context, restic);
      const small = await firstAndUnchanged(context, restic, template, data10k, '10k');
      figures.push(pairedFigure(`offsite first run, 10k files / 200 MB, restic ${restic.label}: drkit / restic backup`, small.first, 1.10, 'restic'));
      figures.push(pairedFigure(`offsite unchanged, 10k files, restic ${restic.label}: drkit / restic backup`, small.unchanged, 1.25, 'restic'));
      if (data1g !== undefined) {
        const large = await firstAndUnchanged(context, restic, template, data1g, '1g');
        figures.push(pairedFigure(`offsite first run, 2,000 files / 1 GB, restic ${restic.label}: drkit / restic backup`, large.first, 1.05, 'restic'));
        figures.push(pairedFigure(`offsite unchanged, 2,000 files / 1 GB, restic ${restic.label}: drkit / restic backup`, large.unchanged, 1.25, 'restic'));
      }
      context.log(`restic ${restic.label}: a template with ${KEEP_LAST} snapshots`);
      const full = await fullTemplate(context, restic, template, data10k);
      figures.push(pairedFigure(`offsite 11th snapshot (keep last ${KEEP_LAST}), restic ${restic.label}: drkit / backup && forget --prune`, await retentionDue(context, restic, full, data10k), 1.10, 'restic'));
      figures.push(pairedFigure(`recover --restore-to, 10k files, restic ${restic.label}: drkit / restic restore --verify`, await recoverRounds(context, restic, full), 1.05, 'restic'));
      rmSync(full, { recursive: true, force: true });
      rmSync(template, { recursive: true, force: true });
    }
    return figures;
  },
};
