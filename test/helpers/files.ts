/** Files for tests: data that restic cannot deduplicate away, and trees to compare byte for byte. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Writes `bytes` bytes of a SHA-256 chain started from `seed`: the same bytes every run (goldens count them), and
 * no repeated block for restic to deduplicate.
 */
export function writeChainedFile(path: string, bytes: number, seed: string): void {
  const chunks: Buffer[] = [];
  let block = createHash('sha256').update(seed).digest();
  for (let size = 0; size < bytes; size += block.length) {
    chunks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  writeFileSync(path, Buffer.concat(chunks).subarray(0, bytes));
}

/**
 * Relative path → sha256 of every file under `root` (a link: `-> target`); with `folders`, folders too (as 'dir'),
 * so that an empty folder restored or lost shows.
 */
export function treeHashes(root: string, options: { folders?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      const rel = relative(root, full);
      if (entry.isDirectory()) {
        if (options.folders === true) out[rel] = 'dir';
        walk(full);
      } else if (entry.isSymbolicLink()) out[rel] = `-> ${readlinkSync(full)}`;
      else out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(root);
  return out;
}
