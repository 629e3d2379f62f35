// `restic version` once per binary: the text is cached on disk by resolved path, size and modification time, and
// detected again when any of them changes (another restic installed) or the cache is damaged. Real restic.
import { strict as assert } from 'node:assert';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { parseResticVersion } from '../../src/adapters/restic/index.js';
import { cachedVersionText } from '../../src/adapters/restic/version-cache.js';

const scratch = mkdtempSync(join(tmpdir(), 'drkit-version-cache-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('detected once per binary; again for another binary, a changed one, or a damaged cache', async () => {
  const file = join(scratch, 'cache', 'restic-versions.json');
  let runs = 0;
  const detect = (binary: string) => async (): Promise<string> => {
    runs += 1;
    return (await runProgram(binary, ['version'])).stdout;
  };
  const valid = (text: string): boolean => parseResticVersion(text) !== null;
  const first = await cachedVersionText('restic', detect('restic'), valid, file);
  assert.ok(parseResticVersion(first), first);
  assert.equal(await cachedVersionText('restic', detect('restic'), valid, file), first);
  assert.equal(runs, 1, 'the second lookup (found on PATH) came from the cache');

  const copy = join(scratch, 'restic');
  copyFileSync('/usr/bin/restic', copy);
  chmodSync(copy, 0o755);
  await cachedVersionText(copy, detect(copy), valid, file);
  await cachedVersionText(copy, detect(copy), valid, file);
  assert.equal(runs, 2, 'another path is another binary, then cached');

  utimesSync(copy, new Date(), new Date(Date.now() + 5000));
  await cachedVersionText(copy, detect(copy), valid, file);
  assert.equal(runs, 3, 'a binary replaced in place is detected again');

  writeFileSync(file, '{"not json');
  await cachedVersionText('restic', detect('restic'), valid, file);
  assert.equal(runs, 4, 'a damaged cache costs one detection, no error');
});
