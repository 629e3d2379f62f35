/**
 * Start-up: `drkit --version` and `drkit status` against `node -e 0` (goal ≤ 1.5×), medians of RUNS rounds; each
 * round runs the three once, so load from other work on the machine hits all three alike.
 * `drkit status` runs on a real setup with one recorded run, after one warm-up run (which validates the config
 * and fills the config cache, as any earlier drkit command does).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { measure, ratio } from './measure.js';
import { drkitSetup } from './setup.js';

const RUNS = 21;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)] ?? Number.NaN;
}

const median = (values: readonly number[]): number => quantile(values, 0.5);

/** the spread of one command's rounds, so a ratio can be judged against the machine's noise: quartiles */
const spread = (values: readonly number[]): string => `${quantile(values, 0.25).toFixed(0)}–${quantile(values, 0.75).toFixed(0)} ms`;

export const startupBenchmarks: BenchModule = {
  name: 'startup',
  async run(context: BenchContext): Promise<BenchFigure[]> {
    const data = join(context.scratch, 'startup-data');
    const target = join(context.scratch, 'startup-target');
    mkdirSync(data, { recursive: true });
    mkdirSync(target, { recursive: true });
    const setup = await drkitSetup(context, 'startup', [data], { onsite: target });
    await setup.drkit(['backup', 'onsite']);
    await setup.drkit(['status']);
    context.log(`start-up: ${RUNS} rounds of node -e 0, drkit --version, drkit status (interleaved)`);
    const times: [number[], number[], number[]] = [[], [], []];
    for (let round = 0; round < RUNS; round++) {
      times[0].push((await measure(context.node, ['-e', '0'])).ms);
      times[1].push((await measure(context.node, [context.cli, '--version'])).ms);
      times[2].push((await measure(context.node, [context.cli, 'status', '--config', setup.config], { env: setup.env })).ms);
    }
    const [node, version, status] = times.map(median) as [number, number, number];
    const figure = (name: string, ms: number, rounds: readonly number[]): BenchFigure => {
      const value = ratio(ms, node);
      const detail = `${ms.toFixed(0)} ms (quartiles ${spread(rounds)}) vs node -e 0 ${node.toFixed(0)} ms (${spread(times[0])}); medians of ${RUNS}`;
      return { name, value, unit: 'x', goal: '≤ 1.5×', met: value <= 1.5, detail };
    };
    return [figure('drkit --version / node -e 0', version, times[1]), figure('drkit status / node -e 0', status, times[2])];
  },
};
