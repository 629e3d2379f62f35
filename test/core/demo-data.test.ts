import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { makeSampleFiles } from '../../src/core/demo-data.js';
import { deterministicRandom } from '../../src/core/random.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

test('the demo data is the same for the same seed, different for another, with unique relative paths', () => {
  const a = makeSampleFiles(deterministicRandom('demo-1', sha256));
  const b = makeSampleFiles(deterministicRandom('demo-1', sha256));
  const c = makeSampleFiles(deterministicRandom('demo-2', sha256));
  assert.deepEqual(a.map((f) => [f.path, Buffer.from(f.content).toString('hex')]), b.map((f) => [f.path, Buffer.from(f.content).toString('hex')]));
  assert.notDeepEqual(a.map((f) => Buffer.from(f.content).toString('hex')), c.map((f) => Buffer.from(f.content).toString('hex')));
  assert.equal(new Set(a.map((f) => f.path)).size, a.length);
  for (const file of a) assert.match(file.path, /^[A-Za-z0-9][\w./-]*$/, `${file.path} is a plain relative path`);
  const bytes = a.reduce((sum, f) => sum + f.content.length, 0);
  assert.ok(a.length >= 100 && bytes > 1_000_000 && bytes < 8_000_000, `${a.length} files, ${bytes} bytes`);
});
