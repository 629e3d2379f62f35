/**
 * Every verdict of the drill on real damage, never a pass: a room without bwrap (isolation: none), fewer than k
 * readable sheets, an altered sheet, a misprinted guide, a kit sealed with a wrong password, restored data that
 * differs from the source, a missing pack file, an unreachable and a deleted repository. One setup (system restic),
 * damaged step by step in that order; the damage of the repository comes last.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resticBinaries } from '../helpers/restic-versions.js';
import { cliCommand, runCli } from '../helpers/cli.js';
import { alterSheet, damageRepository, drill, inProcessKit, makeSetup, misprintCombiner, resticRaw, teardown, type DrillSetup } from './helpers.js';

const system = resticBinaries()[0];

describe('drill verdicts', () => {
  let setup: DrillSetup;
  before(async () => { if (system === undefined) throw new Error('no restic'); setup = await makeSetup(system); });
  after(async () => { await teardown(setup); });

  test('without bwrap the drill runs with a cleared environment and says isolation: none loudly', async () => {
    const { result, report } = await drill(setup, [], { env: { DRKIT_DRILL_ISOLATION: 'none' } });
    assert.equal(report.verdict, 'passed', JSON.stringify(report.findings));
    assert.equal(report.isolation, 'none');
    assert.match(report.isolationReason ?? '', /DRKIT_DRILL_ISOLATION=none/);
    assert.match(result.stderr, /WARNING: isolation: none/);
    assert.equal(report.vias.length, 2);
    const text = await runCli(['drill', '--config', setup.config, '--kit', setup.kitDir, '--via', 'tool'], { env: { ...setup.env, DRKIT_DRILL_ISOLATION: 'none' } });
    assert.match(text.stdout, /isolation: NONE/);
    assert.match(text.stdout, /drill PASSED/);
  });

  test('the scratch folder goes on SIGINT, and one a killed drill left is removed by the next drill', async () => {
    // a pid far above anything alive here: the folder of a drill that was SIGKILLed
    const stale = join(tmpdir(), 'drkit-drill-4194301-leftover');
    mkdirSync(join(stale, 'home-guide'), { recursive: true });
    const { program, prefix } = cliCommand();
    const child = spawn(program, [...prefix, 'drill', '--config', setup.config, '--kit', setup.kitDir, '--via', 'guide'], { env: { ...process.env, ...setup.env }, stdio: 'ignore' });
    const mine = `drkit-drill-${String(child.pid)}-`;
    const deadline = Date.now() + 30_000;
    while (!readdirSync(tmpdir()).some((name) => name.startsWith(mine)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(readdirSync(tmpdir()).some((name) => name.startsWith(mine)), 'the drill made its scratch folder');
    assert.equal(existsSync(stale), false, 'the stale folder was removed');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 130))));
    child.kill('SIGINT');
    await exited;
    assert.deepEqual(readdirSync(tmpdir()).filter((name) => name.startsWith(mine)), []);
  });

  test('fewer than k readable sheets: named, with why each other sheet could not be read', async () => {
    const dir = join(setup.base, 'two-sheets');
    mkdirSync(dir);
    for (const name of ['sheet-1.pdf', 'sheet-2.pdf', 'guide.pdf']) copyFileSync(join(setup.kitDir, name), join(dir, name));
    writeFileSync(join(dir, 'sheet-3.pdf'), 'not a pdf at all\n');
    const { result, report } = await drill(setup, [], { kitDir: dir });
    assert.equal(result.exitStatus, 1);
    assert.equal(report.verdict, 'failed');
    const finding = report.findings.find((f) => f.code === 'E_DRILL_TOO_FEW_SHEETS');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.match(finding.message, /only 2 readable sheets, the kit needs 3/);
    assert.match(finding.message, /sheet-3\.pdf/);
    assert.deepEqual(report.vias, []);
  });

  test('a guide that cannot be read is the kit folder\'s error (exit 2), whatever the sheets, and no report', async () => {
    const dir = join(setup.base, 'damaged-guide');
    mkdirSync(dir);
    for (const name of ['sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf']) copyFileSync(join(setup.kitDir, name), join(dir, name));
    writeFileSync(join(dir, 'guide.pdf'), '%PDF-1.7\nthe rest of it was lost\n');
    const result = await runCli(['drill', '--config', setup.config, '--kit', dir, '--via', 'tool'], { env: setup.env });
    assert.equal(result.exitStatus, 2, result.stderr);
    assert.match(result.stderr, /E_DRILL_KIT|guide\.pdf cannot be read/);
    assert.doesNotMatch(result.stdout, /drill PASSED/);
  });

  test('a sheet whose share was altered is named by its fingerprint', async () => {
    const dir = join(setup.base, 'altered');
    const kit = await inProcessKit(setup.bundle, dir);
    const { forged, listed } = await alterSheet(kit, dir, 2);
    const { report } = await drill(setup, ['--sheets', '1,2,3'], { kitDir: dir });
    assert.equal(report.verdict, 'failed');
    const finding = report.findings.find((f) => f.code === 'E_DRILL_SHEET_ALTERED');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.match(finding.message, new RegExp(`^sheet-2\\.pdf: .*fingerprint ${forged}.*${listed}`));
    assert.equal(report.findings.filter((f) => f.code === 'E_DRILL_SHEET_ALTERED').length, 1);
  });

  test('a guide command that fails fails the drill, naming the step and the command', async () => {
    const dir = join(setup.base, 'misprinted');
    const kit = await inProcessKit(setup.bundle, dir);
    await misprintCombiner(kit, dir);
    const { report } = await drill(setup, ['--via', 'guide'], { kitDir: dir });
    assert.equal(report.verdict, 'failed');
    const finding = report.findings.find((f) => f.code === 'E_DRILL_GUIDE_COMMAND');
    assert.ok(finding, JSON.stringify(report.findings));
    // the step that runs the combiner, whatever number the guide gives it
    const step = String(finding.details?.['step']);
    assert.match(step, /^\d+$/);
    assert.match(finding.message, new RegExp(`step ${step} .*\\$ python3 combine\\.py`));
    assert.match(finding.message, /misprinted combiner/);
  });

  test('a kit sealed with a wrong restic password: wrong password, on both paths', async () => {
    const dir = join(setup.base, 'wrong-password');
    await inProcessKit({ ...setup.bundle, resticPassword: setup.password.replace('2024', '2O24') }, dir);
    const { report } = await drill(setup, [], { kitDir: dir });
    assert.equal(report.verdict, 'failed');
    const wrong = report.findings.filter((f) => f.code === 'E_DRILL_WRONG_PASSWORD');
    assert.deepEqual(wrong.map((f) => f.via), ['guide', 'tool'], JSON.stringify(report.findings));
    assert.match(wrong[0]?.message ?? '', /the kit's restic password does not open the repository .*\$ restic snapshots/);
    assert.doesNotMatch(JSON.stringify(report), /2O24|battery/);
  });

  test('restored data that differs from the unchanged source: the paths are listed', async () => {
    // a snapshot dated tomorrow holds the current content; the source then changes before "its" time
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().replace('T', ' ').slice(0, 19);
    resticRaw(setup, ['backup', '-q', '--host', 'drillhost', '--time', tomorrow, setup.source]);
    writeFileSync(join(setup.source, 'notes', 'todo.md'), '- something else entirely\n');
    const { report } = await drill(setup, ['--via', 'tool']);
    assert.equal(report.verdict, 'failed');
    const finding = report.findings.find((f) => f.code === 'E_DRILL_DATA_DIFFERS');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.deepEqual(report.vias[0]?.mismatches, [join(setup.source, 'notes', 'todo.md')]);
    assert.match(finding.message, /1 restored file differs from the source: .*notes\/todo\.md/);
  });

  test('a missing pack file', async () => {
    const pack = damageRepository(setup, 'missing-pack');
    const { report } = await drill(setup, []);
    assert.equal(report.verdict, 'failed');
    const finding = report.findings.find((f) => f.code === 'E_DRILL_PACK_MISSING');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.match(finding.message, new RegExp(pack.slice(0, 8)));
    assert.equal(report.check, 'problems');
  });

  test('an unreachable repository', async () => {
    await setup.server.stop();
    try {
      const { report } = await drill(setup, []);
      assert.equal(report.verdict, 'failed');
      assert.deepEqual(report.findings.map((f) => f.code), ['E_DRILL_UNREACHABLE']);
      assert.match(report.findings[0]?.message ?? '', /cannot be reached.*connection refused/);
    } finally {
      await setup.server.start();
    }
  });

  test('a deleted repository', async () => {
    damageRepository(setup, 'delete');
    const { report } = await drill(setup, []);
    assert.equal(report.verdict, 'failed');
    assert.deepEqual(report.findings.map((f) => f.code), ['E_DRILL_REPO_DELETED']);
    // every failed drill is recorded too
    const status = await runCli(['status', '--config', setup.config, '--json'], { env: setup.env });
    const parsed = JSON.parse(status.stdout.split('\n')[0] ?? '{}') as { drills?: { via: string; flagged: boolean; last: { outcome: string } }[] };
    assert.ok(parsed.drills?.some((line) => line.flagged && line.last.outcome === 'failed'), status.stdout);
  });
});
