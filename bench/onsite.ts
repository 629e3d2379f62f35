/**
 * Onsite snapshots against rsync with drkit's own flags (the argv comes from drkit's builder,
 * src/adapters/rsync.ts, so the baseline can never drift from what drkit runs), in paired rounds: the first
 * snapshot, and an unchanged one with `--link-dest` to it (≤ 1.05×). drkit also flushes the target (`sync -f`)
 * before it names a snapshot complete; the unchanged case is shown against rsync + `sync -f` too, for comparison.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BenchFigure, BenchModule } from './types.js';
import { expectSuccess, measure, type Measured } from './measure.js';
import { logNodeFloor, pairedFigure, runPair, type PairSample } from './paired.js';
import { drkitSetup } from './setup.js';
import { benchData } from './data.js';
import { buildRsyncArgs } from '../src/adapters/rsync.js';

export const onsiteBenchmarks: BenchModule = {
  name: 'onsite',
  async run(context) {
    const data = benchData(context, '10k');
    await logNodeFloor(context);
    const first: PairSample[] = [];
    const unchanged: PairSample[] = [];
    const unchangedDurable: PairSample[] = [];
    for (let round = 0; round < context.rounds; round++) {
      context.log(`onsite, 10k files: round ${round + 1} of ${context.rounds}`);
      const root = join(context.scratch, `onsite-${round}`);
      const target = join(root, 'drkit-target');
      const raw = join(root, 'raw-target', 'bench');
      mkdirSync(target, { recursive: true });
      mkdirSync(raw, { recursive: true });
      const setup = await drkitSetup(context, `onsite-${round}/drkit`, [data], { onsite: target });
      const drkit = async () => expectSuccess('drkit backup onsite', await setup.drkit(['backup', 'onsite']));
      // what drkit runs on a local target: one rsync per source into <snapshot>/<absolute path>/ (src/jobs/onsite.ts)
      const rsync = (name: string, previous?: string) => async (): Promise<Measured> => {
        const destination = `${join(raw, name, data)}/`;
        mkdirSync(destination, { recursive: true });
        return expectSuccess('rsync', await measure('rsync', buildRsyncArgs({
          sources: [`${data}/`], destination, relative: false, excludes: [],
          ...(previous === undefined ? {} : { linkDest: relative(destination, join(raw, previous, data)) }),
        }), { env: { ...process.env, LC_ALL: 'C' } }));
      };
      const durable = (run: () => Promise<Measured>) => async (): Promise<Measured> => {
        const copy = await run();
        const flush = expectSuccess('sync -f', await measure('sync', ['-f', raw]));
        return { ...copy, ms: copy.ms + flush.ms };
      };
      first.push(await runPair(round, drkit, rsync('s1')));
      unchanged.push(await runPair(round, drkit, rsync('s2', 's1')));
      unchangedDurable.push(await runPair(round, drkit, durable(rsync('s3', 's2'))));
      rmSync(root, { recursive: true, force: true });
    }
    const figures: BenchFigure[] = [
      pairedFigure('onsite first snapshot, 10k files / 200 MB: drkit / rsync (same flags)', first, 1.05, 'rsync'),
      pairedFigure('onsite unchanged, 10k files: drkit / rsync --link-dest (same flags)', unchanged, 1.05, 'rsync'),
      pairedFigure('onsite unchanged, 10k files: drkit / rsync --link-dest + sync -f', unchangedDurable, undefined, 'rsync + sync'),
    ];
    return figures;
  },
};
