/**
 * Start-up: `drkit --version` and `drkit status` against `node -e 0` (goal ≤ 1.5×). Paired and interleaved: each
 * round runs node -e 0, drkit --version and drkit status once each, in an order that rotates from round to round, so
 * load from other work on the machine hits all three alike; the figure is the median of the per-round ratios, with
 * their spread (./paired.ts).
 *
 * `drkit status` runs on the setup a monitoring job meets: both backups recorded, a repository check recorded and a
 * kit recorded as `kit create --config` records it, so status recomputes the kit's keyed fingerprint from the config
 * and the secrets file on every run (src/config/kit-bundle.ts). One warm-up run first validates the config and fills
 * the config cache, as any earlier drkit command does.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { expectSuccess, measure, type Measured } from './measure.js';
import { pairedFigure, type PairSample } from './paired.js';
import { drkitSetup } from './setup.js';

const RUNS = 21;
const QUICK_RUNS = 11;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)] ?? Number.NaN;
}

/** start-up times are tens of milliseconds: the ratios' quartiles and the medians in ms, beside paired.ts's seconds */
function withMilliseconds(figure: BenchFigure, samples: readonly PairSample[]): BenchFigure {
  const ratios = samples.map((sample) => sample.drkitMs / sample.rawMs);
  const ms = (values: readonly number[]): string => `${quantile(values, 0.5).toFixed(0)} ms`;
  return {
    ...figure,
    detail: `${figure.detail ?? ''}; ratio quartiles ${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)}×; `
      + `medians ${ms(samples.map((sample) => sample.drkitMs))} vs ${ms(samples.map((sample) => sample.rawMs))}`,
  };
}

export const startupBenchmarks: BenchModule = {
  name: 'startup',
  async run(context: BenchContext): Promise<BenchFigure[]> {
    const data = join(context.scratch, 'startup-data');
    const target = join(context.scratch, 'startup-target');
    mkdirSync(data, { recursive: true });
    mkdirSync(target, { recursive: true });
    writeFileSync(join(data, 'notes.txt'), 'what a monitoring job checks on\n');
    const setup = await drkitSetup(context, 'startup', [data], { onsite: target, offsite: join(context.scratch, 'startup-repository') });
    // the kit names its owner: the one key `kit create --config` needs beyond the jobs
    appendFileSync(setup.config, 'kit:\n  owner: Ann Example\n');
    expectSuccess('drkit backup (startup)', await setup.drkit(['backup']));
    expectSuccess('drkit check (startup)', await setup.drkit(['check']));
    expectSuccess('drkit kit create --config (startup)', await setup.drkit(['kit', 'create', '--format', 'text', '--custodians', 'Ann,Ben,Cy', '--threshold', '2',
      '--out', join(context.scratch, 'startup-kit')]));
    const warm = expectSuccess('drkit status (startup)', await setup.drkit(['status']));
    // a kit status could not judge (fingerprint unknown) would skip the work this figure is about
    if (!/^kit: ok$/m.test(warm.stdout)) throw new Error(`drkit status does not judge the recorded kit: ${warm.stdout.trim().split('\n').join(' | ')}`);

    const runs = context.quick ? QUICK_RUNS : RUNS;
    context.log(`start-up: ${runs} rounds of node -e 0, drkit --version, drkit status (backups, check and kit recorded), order rotating`);
    const commands: (() => Promise<Measured>)[] = [
      () => measure(context.node, ['-e', '0']),
      () => measure(context.node, [context.cli, '--version']),
      () => measure(context.node, [context.cli, 'status', '--config', setup.config], { env: setup.env }),
    ];
    const version: PairSample[] = [];
    const status: PairSample[] = [];
    for (let round = 0; round < runs; round++) {
      const ms: number[] = [0, 0, 0];
      for (let step = 0; step < commands.length; step++) {
        const index = (round + step) % commands.length;
        const command = commands[index];
        if (command === undefined) continue;
        const result = await command();
        if (index === 2) expectSuccess('drkit status (startup)', result);
        ms[index] = result.ms;
      }
      version.push({ drkitMs: ms[1] ?? 0, rawMs: ms[0] ?? 0 });
      status.push({ drkitMs: ms[2] ?? 0, rawMs: ms[0] ?? 0 });
    }
    return [
      withMilliseconds(pairedFigure('drkit --version / node -e 0', version, 1.5, 'node -e 0'), version),
      withMilliseconds(pairedFigure('drkit status (backups, check, kit) / node -e 0', status, 1.5, 'node -e 0'), status),
    ];
  },
};
