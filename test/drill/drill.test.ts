/**
 * The real drill, end to end, against each restic binary of the suite (test/helpers/restic-versions.ts): a kit
 * sealed by `kit create --bundle`, `rclone serve restic` on 127.0.0.1, the printed path run in a bwrap room with
 * the system's python3 and gpg, and `drkit recover` in a room of its own. Every 3-subset of the 3-of-5 kit is
 * drilled once across the versions.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { subsets } from '../../src/core/subsets.js';
import { runCli } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { drill, makeSetup, SOURCE_FILES, teardown, type DrillSetup } from './helpers.js';

const binaries = resticBinaries();
const allSubsets = [...subsets([1, 2, 3, 4, 5], 3)];
const fileCount = Object.keys(SOURCE_FILES).length;

binaries.forEach((restic, versionIndex) => {
  describe(`drill with restic ${restic.label}`, () => {
    let setup: DrillSetup;
    before(async () => { setup = await makeSetup(restic); });
    after(async () => { await teardown(setup); });

    test('a full drill through the guide and through the tool passes, in a bwrap room', async () => {
      const { result, report } = await drill(setup, []);
      assert.equal(result.exitStatus, 0, result.stderr);
      assert.equal(report.verdict, 'passed', JSON.stringify(report.findings));
      assert.equal(report.isolation, 'bwrap');
      assert.equal(report.sheetsUsed.length, 3);
      assert.equal(new Set(report.sheetsUsed.map((sheet) => sheet.share)).size, 3);
      assert.equal(report.check, 'ok');
      assert.equal(report.canary, 'not-recorded');
      assert.deepEqual(report.vias.map((via) => via.via), ['guide', 'tool']);
      for (const via of report.vias) {
        assert.equal(via.verdict, 'passed');
        assert.equal(via.filesChecked, fileCount);
        assert.equal(via.mismatchCount, 0);
        assert.equal(via.changedSinceSnapshot, 0);
        assert.ok(via.bytesChecked >= 70_000);
        // the guide prints --verify; the tool's restore leaves it out, as the drill compares every file byte for byte
        assert.equal(via.resticVerify, via.via === 'guide');
      }
      const guide = report.vias[0];
      assert.ok(guide?.commands !== undefined && guide.commands.run >= 8 && guide.commands.typed === 5 && guide.commands.skipped >= 2, JSON.stringify(guide?.commands));
      assert.match(report.versions.restic ?? '', restic.label === 'system' ? /^restic 0\.\d+\.\d+/ : new RegExp(`^restic ${restic.label.replace('.', '\\.')}\\.`));
      assert.match(report.versions.gpg ?? '', /^gpg \(GnuPG\) 2\./);
      assert.match(report.versions.python ?? '', /^Python 3\./);
      assert.match(report.versions.bwrap ?? '', /^bubblewrap /);
    });

    // every 3-subset of the 5 sheets once across the versions, alternating the two paths
    const mine = allSubsets.filter((_, index) => index % binaries.length === versionIndex);
    for (const [index, subset] of mine.entries()) {
      const via = index % 2 === 0 ? 'guide' : 'tool';
      test(`sheets ${subset.join(',')} restore through the ${via}`, async () => {
        const { report } = await drill(setup, ['--sheets', subset.join(','), '--via', via]);
        assert.equal(report.verdict, 'passed', JSON.stringify(report.findings));
        assert.deepEqual(report.sheetsUsed.map((sheet) => sheet.share), subset);
        assert.deepEqual(report.vias.map((v) => v.via), [via]);
      });
    }

    test('--sample restores and checks that many random files', async () => {
      const { report } = await drill(setup, ['--sample', '2']);
      assert.equal(report.verdict, 'passed', JSON.stringify(report.findings));
      assert.equal(report.sample, 2);
      for (const via of report.vias) assert.equal(via.filesChecked, 2);
      assert.match(report.vias[0]?.changed?.[0] ?? '', /--include/);
    });

    test('a source file changed since the snapshot is counted apart, not failed; status shows the last drill per via', async () => {
      writeFileSync(join(setup.source, 'letter.txt'), 'Dear family, changed since\n');
      const { report } = await drill(setup, ['--via', 'tool']);
      assert.equal(report.verdict, 'passed', JSON.stringify(report.findings));
      assert.equal(report.vias[0]?.changedSinceSnapshot, 1);
      assert.equal(report.vias[0]?.filesChecked, fileCount - 1);
      const status = await runCli(['status', '--config', setup.config, '--json'], { env: setup.env });
      const parsed = JSON.parse(status.stdout.split('\n')[0] ?? '{}') as { drills?: { via: string; flagged: boolean; last: { outcome: string } }[] };
      assert.deepEqual(parsed.drills?.map((line) => [line.via, line.last.outcome, line.flagged]), [['guide', 'passed', false], ['tool', 'passed', false]]);
    });
  });
});
