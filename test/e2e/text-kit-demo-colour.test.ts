import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { packageRoot } from '../../src/paths.js';

const root = packageRoot();
const demo = 'bash scripts/text-kit-demo.sh';
const ESC = '\u001b';

/** Runs the demo with stdout on a pseudo-terminal (util-linux `script`), as a person at a terminal sees it. */
function onTerminal(env: Record<string, string>): string {
  const result = spawnSync('script', ['-qec', demo, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...process.env, TERM: 'xterm', ...env } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

test('scripts/text-kit-demo.sh: bold headings on a terminal; none with NO_COLOR or when not a terminal', { skip: existsSync('/usr/bin/script') ? false : 'util-linux script is not installed' }, () => {
  const { NO_COLOR: _unset, ...withoutNoColor } = process.env;
  const coloured = spawnSync('script', ['-qec', demo, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...withoutNoColor, TERM: 'xterm' } });
  assert.equal(coloured.status, 0, coloured.stderr);
  assert.ok(coloured.stdout.includes(`${ESC}[1m1. the owner creates a kit`), coloured.stdout);
  const noColour = onTerminal({ NO_COLOR: '1' });
  assert.match(noColour, /text kit round trip: OK/);
  assert.ok(!noColour.includes(ESC), 'NO_COLOR: no escape sequence');
  const piped = spawnSync('bash', ['scripts/text-kit-demo.sh'], { cwd: root, encoding: 'utf8', env: withoutNoColor });
  assert.equal(piped.status, 0, piped.stderr);
  assert.ok(!piped.stdout.includes(ESC) && !piped.stderr.includes(ESC), 'not a terminal: no escape sequence');
});
