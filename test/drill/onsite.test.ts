/**
 * The onsite drill: a sample of the latest rsync snapshot (made by `drkit backup onsite`) compared with the source,
 * files changed since counted apart, a damaged copy named by its path.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { SOURCE_FILES, type DrillJson } from './helpers.js';

let base: string;
let config: string;
let source: string;
let env: Record<string, string>;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'drkit-drill-onsite-'));
  source = join(base, 'source');
  for (const [name, content] of Object.entries(SOURCE_FILES)) {
    mkdirSync(dirname(join(source, name)), { recursive: true });
    writeFileSync(join(source, name), content);
  }
  config = join(base, 'config.yaml');
  writeFileSync(config, `sources: [${JSON.stringify(source)}]\nhost: drillhost\nonsite:\n  target: ${JSON.stringify(join(base, 'disk'))}\n`);
  env = { XDG_STATE_HOME: join(base, 'state'), XDG_CONFIG_HOME: join(base, 'xdg') };
  // the snapshot is named after its start second: let the sources be older than that second
  await new Promise((resolve) => setTimeout(resolve, 1100));
  for (const args of [['init', '--config', config, '--yes'], ['backup', 'onsite', '--config', config]]) {
    const result = await runCli(args, { env });
    assert.equal(result.exitStatus, 0, result.stderr);
  }
});
after(() => rmSync(base, { recursive: true, force: true }));

async function drillOnsite(): Promise<DrillJson> {
  const result = await runCli(['drill', '--onsite', '--config', config, '--json'], { env });
  const line = result.stdout.split('\n').find((text) => text.includes('"message_type":"drill"'));
  assert.ok(line, `${result.stderr}\n${result.stdout}`);
  return JSON.parse(line) as DrillJson;
}

test('the onsite drill compares the latest snapshot with the source', async () => {
  const report = await drillOnsite();
  assert.equal(report.verdict, 'passed', JSON.stringify(report.findings));
  assert.deepEqual(report.vias.map((via) => [via.via, via.filesChecked, via.mismatchCount]), [['onsite', Object.keys(SOURCE_FILES).length, 0]]);
});

test('a damaged onsite copy is named by its path; a file changed since is counted apart', async () => {
  const hostFolder = join(base, 'disk', 'drillhost');
  const latest = join(hostFolder, readlinkSync(join(hostFolder, 'latest')));
  // the copy rots on the disk (its source is untouched) and a source file changes after the snapshot
  writeFileSync(join(latest, source, 'notes', 'todo.md'), '- bit rot\n');
  writeFileSync(join(source, 'letter.txt'), 'changed since the snapshot\n');
  const report = await drillOnsite();
  assert.equal(report.verdict, 'failed');
  assert.deepEqual(report.findings.map((finding) => [finding.code, finding.via]), [['E_DRILL_DATA_DIFFERS', 'onsite']]);
  assert.deepEqual(report.vias[0]?.mismatches, [join(source, 'notes', 'todo.md')]);
  assert.equal(report.vias[0]?.changedSinceSnapshot, 1);
});
