/** The one damage verdict (src/adapters/restic/errors.ts): what restic 0.14 and 0.18 print, and the repair steps per version. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor, ExitCode, ToolError } from '../../src/errors.js';
import { DAMAGE, repositoryDamaged } from '../../src/adapters/restic/errors.js';

// restic's own words, copied from runs against a repository with a pack removed (0.14.0 and 0.18.0)
const SEEN = [
  'Fatal: packs from index missing in repo',
  'The index references 1 needed pack files which are missing from the repository:',
  'pack 581ba673071164eaba615318ae5fe2ea22409c2e3453beb3b77c633cc7c3cc11: does not exist',
  'pack 581ba673071164eaba615318ae5fe2ea22409c2e3453beb3b77c633cc7c3cc11 failed to download: StreamPack: open repo/data/58/581b: no such file or directory',
  'Fatal: repository contains errors',
  'The repository is damaged and must be repaired. Please follow the troubleshooting guide',
];

test('DAMAGE recognises what both restic versions print for a lost pack, and not ordinary failures', () => {
  for (const line of SEEN) assert.match(line, DAMAGE, line);
  for (const line of ['Fatal: wrong password or no key found', 'unable to create lock in backend: repository is already locked', 'dial tcp 127.0.0.1:1: connect: connection refused']) {
    assert.doesNotMatch(line, DAMAGE, line);
  }
});

test('repositoryDamaged: exit 1, the finding named with the pack id, repair steps for the version', () => {
  const findings = ['The index references 1 needed pack files which are missing from the repository:', '  581ba673071164eaba615318ae5fe2ea22409c2e3453beb3b77c633cc7c3cc11', 'Fatal: packs from index missing in repo'];
  const old = repositoryDamaged('prune', '/srv/repo', findings, { major: 0, minor: 14 });
  assert.ok(old instanceof ToolError);
  assert.equal(old.code, 'E_RESTIC_DAMAGED');
  assert.equal(exitCodeFor(old), ExitCode.checkFailed);
  assert.equal(old.message, 'restic prune: the repository /srv/repo is damaged: data its index names is missing (The index references 1 needed pack files which are missing from the repository: 581ba673071164eaba615318ae5fe2ea22409c2e3453beb3b77c633cc7c3cc11); snapshots that use it cannot be restored in full');
  assert.ok(old.hints.some((hint) => hint.startsWith('run `restic check`')));
  assert.ok(old.hints.some((hint) => hint.includes('`restic rebuild-index`') && hint.includes('needs restic 0.16 or newer')));
  const current = repositoryDamaged('check', '/srv/repo', ['pack 581b: does not exist'], { major: 0, minor: 18 });
  assert.ok(current.hints.some((hint) => hint.includes('`restic repair index` and `restic repair snapshots --forget` (restic 0.18)')));
  assert.ok(!current.hints.some((hint) => hint.includes('rebuild-index')));
  assert.match(repositoryDamaged('check', '/srv/repo', [], { major: 0, minor: 18 }).message, /is damaged: data its index names is missing; snapshots/);
});
