/**
 * Start-up: `drkit --version` and `drkit status` against `node -e 0` (goal ≤ 1.5×), medians of RUNS runs.
 * `drkit status` runs on a real setup with one recorded run, after one warm-up run (which validates the config
 * and fills the config cache, as any earlier drkit command does).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { measure, medianMs, ratio } from './measure.js';
import { drkitSetup } from './setup.js';

const RUNS = 15;

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
    context.log(`start-up: ${RUNS} runs each of node -e 0, drkit --version, drkit status`);
    const node = await medianMs(RUNS, () => measure(context.node, ['-e', '0']));
    const version = await medianMs(RUNS, () => measure(context.node, [context.cli, '--version']));
    const status = await medianMs(RUNS, () => setup.drkit(['status']));
    const figure = (name: string, ms: number): BenchFigure => {
      const value = ratio(ms, node);
      return { name, value, unit: 'x', goal: '≤ 1.5×', met: value <= 1.5, detail: `${ms.toFixed(0)} ms vs node -e 0 ${node.toFixed(0)} ms (medians of ${RUNS})` };
    };
    return [figure('drkit --version / node -e 0', version), figure('drkit status / node -e 0', status)];
  },
};
