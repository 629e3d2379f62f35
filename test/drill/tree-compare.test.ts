/**
 * The drill's comparison of a restored tree with its source (src/adapters/tree-compare.ts): comparing and removing
 * in one walk gives what comparing alone gives, file for file, and leaves nothing of the restored tree.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { compareAndRemoveTree, compareRestoredTree } from '../../src/adapters/tree-compare.js';

test('compare and remove in one walk: the same comparison as compareRestoredTree, and the restored tree is gone', async () => {
  const base = mkdtempSync(join(tmpdir(), 'drkit-test-compare-'));
  try {
    const source = join(base, 'source');
    // a file larger than the comparison's 1 MiB chunk, folders three deep, one file that comes back different
    const files: Record<string, Buffer> = {
      'a.txt': Buffer.from('hello\n'), 'sub/big.bin': randomBytes(3 * 1024 * 1024 + 17), 'sub/c.txt': Buffer.from('the same\n'), 'sub/deep/d.txt': Buffer.alloc(0),
    };
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(dirname(join(source, rel)), { recursive: true });
      writeFileSync(join(source, rel), content);
    }
    // a restore keeps each source's absolute path under its target
    const restore = (root: string): void => {
      for (const [rel, content] of Object.entries(files)) {
        const path = join(root, source, rel);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, rel === 'sub/c.txt' ? Buffer.from('not the same\n') : content);
      }
      symlinkSync('a.txt', join(root, source, 'link'));
    };
    const kept = join(base, 'restored-kept');
    const removed = join(base, 'restored-removed');
    restore(kept);
    restore(removed);
    const snapshotTime = Date.now() + 60_000;
    const compared = await compareRestoredTree(kept, snapshotTime);
    const comparedAndRemoved = await compareAndRemoveTree(removed, snapshotTime);
    assert.deepEqual(comparedAndRemoved, compared);
    assert.equal(compared.filesChecked, 4);
    assert.equal(compared.mismatchCount, 1);
    assert.deepEqual(compared.mismatches, [join(source, 'sub/c.txt')]);
    assert.equal(existsSync(removed), false, 'nothing of the restored tree is left, links and folders included');
    assert.equal(existsSync(join(kept, source, 'sub/big.bin')), true, 'compareRestoredTree removes nothing');
    assert.equal(existsSync(join(source, 'sub/big.bin')), true, 'the source is never touched');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
