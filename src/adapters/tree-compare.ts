/**
 * Comparing restored files with their source, for the drill. Rules:
 * - content is compared by SHA-256, read as streams: memory stays flat however large a file or a tree is (the
 *   walk keeps one open folder per level, the sample only its N paths);
 * - a source file that changed after the snapshot (src/core/drill-verdict.ts changedSinceSnapshot) is counted
 *   apart, never compared, never a mismatch;
 * - a restored file maps to its source by restic's layout: the snapshot keeps each source's absolute path, so
 *   `TARGET/home/ann/x` was `/home/ann/x` (the onsite snapshots use the same layout, src/jobs/onsite.ts);
 * - only regular files are compared; folders, links and special files are restic's own business (its --verify).
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, open, opendir, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { changedSinceSnapshot, type TreeComparison } from '../core/drill-verdict.js';

const KEPT = 100;
const CHUNK = 1024 * 1024;
/** files compared at once: enough to keep both cores and the disk busy */
const CONCURRENCY = 4;

/**
 * SHA-256 of the first `size` bytes of a file (its whole content when the size is right), read in chunks into
 * `buffer` (one per comparison slot, reused): no allocation per file, so hashing 100,000 small files costs no more
 * memory than hashing one. A file that turns out longer or shorter than `size` hashes differently, as it should.
 */
export async function sha256File(path: string, size: number, buffer: Buffer = Buffer.allocUnsafe(CHUNK)): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    let left = size + 1;
    // reading exactly what is expected, plus one byte to see a file that grew, saves the EOF read of small files
    while (left > 0) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, left), null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      left -= bytesRead;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** Every regular file under `root`, as paths relative to it, depth first; one open folder per level. */
async function* regularFiles(root: string): AsyncGenerator<string> {
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    const dir = await opendir(join(root, rel)).catch(() => null);
    if (dir === null) continue;
    for await (const entry of dir) {
      const child = rel === '' ? entry.name : `${rel}${sep}${entry.name}`;
      if (entry.isDirectory()) stack.push(child);
      else if (entry.isFile()) yield child;
    }
  }
}

function emptyComparison(): TreeComparison {
  return { filesChecked: 0, bytesChecked: 0, mismatches: [], mismatchCount: 0, changedSinceSnapshot: 0, notRestored: [], notRestoredCount: 0 };
}

/** Two read buffers per worker slot (restored, source), taken for one comparison and given back. */
const freeBuffers: [Buffer, Buffer][] = [];

/** Compares one restored file with its source, adding the outcome to `into`. */
async function compareOne(restored: string, source: string, snapshotTimeMs: number, into: TreeComparison): Promise<void> {
  const sourceStat = await lstat(source).catch(() => null);
  if (sourceStat === null || !sourceStat.isFile() || changedSinceSnapshot(sourceStat, snapshotTimeMs)) {
    into.changedSinceSnapshot++;
    return;
  }
  const buffers = freeBuffers.pop() ?? [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let same: boolean;
  try {
    // the restored file is hashed up to the source's size and one byte more, so a size difference shows too
    const [a, b] = await Promise.all([sha256File(restored, sourceStat.size, buffers[0]), sha256File(source, sourceStat.size, buffers[1])]);
    same = a === b;
  } finally {
    freeBuffers.push(buffers);
  }
  if (!same) {
    // the source may have changed while it was read: then it is not a mismatch of the backup
    const after = await lstat(source).catch(() => null);
    if (after === null || changedSinceSnapshot(after, snapshotTimeMs)) {
      into.changedSinceSnapshot++;
      return;
    }
  }
  into.filesChecked++;
  into.bytesChecked += sourceStat.size;
  if (!same) {
    into.mismatchCount++;
    if (into.mismatches.length < KEPT) into.mismatches.push(source);
  }
}

async function pooled(items: AsyncIterable<string> | Iterable<string>, task: (item: string) => Promise<void>, limit = CONCURRENCY): Promise<void> {
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const job = task(item).finally(() => running.delete(job));
    running.add(job);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
}

/**
 * Compares the tree restic restored under `restoredRoot` with the source. With `sample` (absolute source paths),
 * only those files are compared, and one the restore did not write is reported as not restored.
 */
export async function compareRestoredTree(restoredRoot: string, snapshotTimeMs: number, sample?: readonly string[]): Promise<TreeComparison> {
  const result = emptyComparison();
  if (sample !== undefined) {
    await pooled(sample, async (source) => {
      const restored = join(restoredRoot, source);
      const stats = await lstat(restored).catch(() => null);
      if (stats === null || !stats.isFile()) {
        result.notRestoredCount++;
        if (result.notRestored.length < KEPT) result.notRestored.push(source);
        return;
      }
      await compareOne(restored, source, snapshotTimeMs, result);
    });
    return result;
  }
  await pooled(regularFiles(restoredRoot), (rel) => compareOne(join(restoredRoot, rel), `${sep}${rel}`, snapshotTimeMs, result));
  return result;
}

/** Every regular file under `root` offered to `offer` as a path relative to it (for sampling a snapshot folder). */
export async function walkFiles(root: string, offer: (rel: string) => void): Promise<void> {
  for await (const rel of regularFiles(root)) offer(rel);
}

/**
 * Removes a restored tree with a few unlinks in flight at once: memory stays flat (fs.promises.rm starts every
 * removal at once) and the disk's latency overlaps (fs.rmSync waits for each of 100,000 unlinks in turn, minutes
 * on a busy disk). What is not a regular file (folders, links) goes with one rmSync at the end.
 */
export async function removeTree(root: string): Promise<void> {
  await pooled(regularFiles(root), (rel) => unlink(join(root, rel)).catch(() => undefined), 16);
  rmSync(root, { recursive: true, force: true, maxRetries: 5 });
}
