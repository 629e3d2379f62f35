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
import { createReadStream } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { changedSinceSnapshot, type TreeComparison } from '../core/drill-verdict.js';

const KEPT = 100;
/** files compared at once: enough to keep both cores and the disk busy */
const CONCURRENCY = 4;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
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

/** Compares one restored file with its source, adding the outcome to `into`. */
async function compareOne(restored: string, source: string, snapshotTimeMs: number, into: TreeComparison): Promise<void> {
  const sourceStat = await lstat(source).catch(() => null);
  if (sourceStat === null || !sourceStat.isFile() || changedSinceSnapshot(sourceStat, snapshotTimeMs)) {
    into.changedSinceSnapshot++;
    return;
  }
  const restoredStat = await lstat(restored);
  let same = restoredStat.size === sourceStat.size;
  if (same) {
    const [a, b] = await Promise.all([sha256File(restored), sha256File(source)]);
    same = a === b;
  }
  // the source may have changed while it was read: then it is not a mismatch of the backup
  const after = await lstat(source).catch(() => null);
  if (after === null || changedSinceSnapshot(after, snapshotTimeMs)) {
    into.changedSinceSnapshot++;
    return;
  }
  into.filesChecked++;
  into.bytesChecked += sourceStat.size;
  if (!same) {
    into.mismatchCount++;
    if (into.mismatches.length < KEPT) into.mismatches.push(source);
  }
}

async function pooled(items: AsyncIterable<string> | Iterable<string>, task: (item: string) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const job = task(item).finally(() => running.delete(job));
    running.add(job);
    if (running.size >= CONCURRENCY) await Promise.race(running);
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
