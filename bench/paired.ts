/**
 * Paired, interleaved rounds: in each round drkit and the raw tool run back to back on equal inputs, the order
 * alternating from round to round, so load from other work on the machine (it is shared) hits both alike. The
 * figure is the median of the per-round ratios, with their spread (lowest–highest), never a best-of or a ratio of
 * unpaired times.
 */
import type { BenchContext, BenchFigure } from './types.js';
import type { Measured } from './measure.js';

export interface PairSample { drkitMs: number; rawMs: number }

/** Runs one pair, drkit first in even rounds and the raw tool first in odd ones. */
export async function runPair(round: number, drkit: () => Promise<Measured>, raw: () => Promise<Measured>): Promise<PairSample> {
  if (round % 2 === 0) {
    const d = await drkit();
    const r = await raw();
    return { drkitMs: d.ms, rawMs: r.ms };
  }
  const r = await raw();
  const d = await drkit();
  return { drkitMs: d.ms, rawMs: r.ms };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle] ?? Number.NaN : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The figure of a series of pairs: median per-round ratio against `limit` (e.g. 1.05), spread in the detail. */
export function pairedFigure(name: string, samples: readonly PairSample[], limit: number | undefined, rawName: string): BenchFigure {
  const ratios = samples.map((sample) => sample.drkitMs / sample.rawMs);
  const value = Math.round(median(ratios) * 100) / 100;
  const low = Math.min(...ratios).toFixed(2);
  const high = Math.max(...ratios).toFixed(2);
  return {
    name, value, unit: 'x',
    ...(limit === undefined ? {} : { goal: `≤ ${limit.toFixed(2)}×`, met: value <= limit }),
    detail: `range ${low}–${high}× over ${samples.length} rounds; medians drkit ${seconds(median(samples.map((s) => s.drkitMs)))}, ${rawName} ${seconds(median(samples.map((s) => s.rawMs)))}`,
  };
}

/**
 * Logs what node itself costs to start here (`node -e 0`, median of 5), the floor under every drkit figure: raw
 * restic and rsync pay none of it. NODE_EXTRA_CA_CERTS, when the environment sets it, makes node parse that CA
 * bundle before any of drkit's code runs (node -e 0 took a median 125–160 ms with it, 60–70 ms without, on the
 * 2 cores of 2026-12-02 at load 7), so it is named.
 */
export async function logNodeFloor(context: BenchContext): Promise<void> {
  const { medianMs, measure } = await import('./measure.js');
  const floor = await medianMs(5, () => measure(context.node, ['-e', '0']));
  const extraCa = process.env['NODE_EXTRA_CA_CERTS'];
  context.log(`node -e 0: median ${floor.toFixed(0)} ms${extraCa === undefined ? '' : ` (NODE_EXTRA_CA_CERTS=${extraCa} is set: node parses it at every start)`}`);
}
