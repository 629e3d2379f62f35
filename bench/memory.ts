/**
 * drkit's own peak RSS (VmHWM of the node process, not restic's or rsync's) at 100,000 files over 10,000 files,
 * for each job (goal < 1.5×: memory stays flat as the data grows). One run each; left out with --quick.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { expectSuccess, ratio, type Measured } from './measure.js';
import { drkitSetup } from './setup.js';
import { benchData } from './data.js';

async function backup(context: BenchContext, job: 'onsite' | 'offsite', data: string, tag: string): Promise<Measured> {
  const where = join(context.scratch, `memory-${job}-${tag}`);
  if (job === 'onsite') mkdirSync(where, { recursive: true });
  const setup = await drkitSetup(context, `memory-${job}-${tag}-setup`, [data], job === 'onsite' ? { onsite: where } : { offsite: where });
  return expectSuccess(`drkit backup ${job}`, await setup.drkit(['backup', job]));
}

const rssFigure = (name: string, small: Measured, large: Measured): BenchFigure => {
  const value = ratio(large.peakKiB, small.peakKiB);
  return { name, value, unit: 'x', goal: '< 1.5×', met: value < 1.5, detail: `peak RSS ${(small.peakKiB / 1024).toFixed(1)} MiB at 10k files, ${(large.peakKiB / 1024).toFixed(1)} MiB at 100k files` };
};

export const memoryBenchmarks: BenchModule = {
  name: 'memory',
  async run(context) {
    if (context.quick) return [];
    const small = benchData(context, '10k');
    const large = benchData(context, '100k');
    const figures: BenchFigure[] = [];
    for (const job of ['offsite', 'onsite'] as const) {
      context.log(`memory: backup ${job} at 10k and 100k files`);
      figures.push(rssFigure(`drkit peak RSS, backup ${job}, 100k / 10k files`, await backup(context, job, small, '10k'), await backup(context, job, large, '100k')));
    }
    return figures;
  },
};
