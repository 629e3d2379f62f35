/**
 * Generated data for the benchmarks: `count` files of pseudo-random (incompressible, undeduplicable) content
 * spread over folders of at most 500 entries, totalling about `totalBytes`. The generator is seeded (AES-256-CTR
 * over zeros, about 1 GB/s), so two runs measure the same bytes; each set is generated once per bench run.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCipheriv } from 'node:crypto';
import type { BenchContext } from './types.js';

/** A fast seeded byte stream: AES-256-CTR over zeros. */
function stream(seed: number): (length: number) => Buffer {
  const key = Buffer.alloc(32);
  key.writeUInt32LE(seed, 0);
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (length) => cipher.update(Buffer.alloc(length));
}

export function generateFiles(root: string, count: number, totalBytes: number, seed = 1): void {
  const bytes = stream(seed);
  const average = Math.max(1, Math.floor(totalBytes / count));
  for (let index = 0; index < count; index++) {
    const folder = join(root, `d${String(Math.floor(index / 500)).padStart(3, '0')}`);
    if (index % 500 === 0) mkdirSync(folder, { recursive: true });
    // sizes vary between 1/2 and 3/2 of the average (a deterministic pattern), the sum stays close to totalBytes
    const size = Math.max(1, Math.round(average * (0.5 + ((index * 7919) % 1000) / 1000)));
    writeFileSync(join(folder, `f${index}.bin`), bytes(size));
  }
}

const MiB = 1024 * 1024;
const SETS = {
  '10k': { count: 10_000, bytes: 200 * MiB, seed: 1, what: '10,000 files / 200 MB' },
  '1g': { count: 2_000, bytes: 1024 * MiB, seed: 3, what: '2,000 files / 1 GB' },
  '100k': { count: 100_000, bytes: 100 * MiB, seed: 2, what: '100,000 small files / 100 MB' },
} as const;

/** The named data set in this run's scratch folder, generated on first use. */
export function benchData(context: BenchContext, name: keyof typeof SETS): string {
  const set = SETS[name];
  const root = join(context.scratch, `data-${name}`);
  if (!existsSync(root)) {
    context.log(`generating ${set.what}`);
    generateFiles(root, set.count, set.bytes, set.seed);
  }
  return root;
}
