/**
 * Golden tests of every help text: `drkit --help` and each command's, as a person reads them on an 80-column
 * terminal. A change to a text changes its file in fixtures/golden/help/ in the same commit (regenerate with
 * DRKIT_UPDATE_GOLDEN=1 npm test, then read the diff).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { MANUAL } from '../../src/ui/manual.js';

const GOLDEN = join(packageRoot(), 'fixtures', 'golden', 'help');
const update = process.env['DRKIT_UPDATE_GOLDEN'] === '1';

for (const path of Object.keys(MANUAL)) {
  test(`help text of ${path === 'drkit' ? 'drkit' : `drkit ${path}`}`, async () => {
    const args = path === 'drkit' ? ['--help'] : [...path.split(' '), '--help'];
    const result = await runCli(args, { env: { COLUMNS: '80', NO_COLOR: '1' } });
    assert.equal(result.exitStatus, 0, result.stderr);
    const file = join(GOLDEN, `${path.replace(/ /g, '-')}.txt`);
    if (update || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, result.stdout);
      if (!update) assert.fail(`${file} was missing and has been written: read it, then commit it`);
    }
    assert.equal(result.stdout, readFileSync(file, 'utf8'), `${file} differs: if the change is meant, regenerate with DRKIT_UPDATE_GOLDEN=1`);
    assert.match(result.stdout, /Examples:\n/);
    assert.match(result.stdout, /Exit codes:\n/);
    assert.match(result.stdout, /Docs: /);
    // prose fits an 80-column terminal; only example command lines may be longer (they are never wrapped)
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith('  $ ')) continue;
      assert.ok(line.length <= 80, `longer than 80 columns: "${line}"`);
    }
  });
}

test('a usage mistake prints one error and one hint, no commander help dump', async () => {
  const result = await runCli(['backup', 'bogus']);
  assert.equal(result.exitStatus, 2);
  assert.match(result.stderr, /^error: .*'bogus'/m);
  assert.match(result.stderr, /^hint: drkit --help lists the commands/m);
  assert.doesNotMatch(result.stderr, /run drkit --help for usage|Usage:/);
});
