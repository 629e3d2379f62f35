/**
 * Where drkit's own files are (templates/, fonts/, package.json), found by walking up from this module: the same
 * code runs from src/ (tsx, tests) and from dist/src/ (the built CLI), at different depths.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('drkit: package.json not found above the running module');
    dir = parent;
  }
  cached = dir;
  return dir;
}

/** The printed combiner's source, as shipped: the full combiner, printed as QR codes. */
export function combinerPath(): string {
  return join(packageRoot(), 'templates', 'recover', 'combine.py');
}

/** The short combiner's source: the guide's typed listing. */
export function shortCombinerPath(): string {
  return join(packageRoot(), 'templates', 'recover', 'combine-short.py');
}
