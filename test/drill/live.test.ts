// `drkit drill --live` and `drkit drill --record`: a person with the real sheets (PDFs, or QR payloads on stdin)
// against `rclone serve restic`, with a kit made by `kit create --config` from a real setup; the certificate
// entered into the owner's status file and shown by `drkit status`; another kit's and an edited certificate refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { renderPdfPages, scanPdfQrCodes } from '../../src/adapters/pdf-readback.js';
import { parseCertificate } from '../../src/core/drill-certificate.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { makeSetup, resticRaw, teardown, type DrillSetup } from './helpers.js';

function ok(result: CliResult, what: string): CliResult {
  assert.equal(result.exitStatus, 0, `${what} failed (${String(result.exitStatus)}):\n${result.stderr}\n${result.stdout}`);
  return result;
}

for (const restic of resticBinaries()) describe(`drill --live against rclone serve restic, restic ${restic.label}`, () => {
  let setup: DrillSetup;
  let kitDir: string;
  let kitId: string;
  /** a live USB: no config, its own empty state folder, only restic on the PATH */
  let liveEnv: Record<string, string>;
  before(async () => {
    setup = await makeSetup(restic, { kit: 'none' });
    kitDir = join(setup.base, 'kit-config');
    appendFileSync(setup.config, 'kit:\n  owner: Ann Example\n');
    ok(await runCli(['kit', 'create', '--config', setup.config, '--custodians', 'Ann,Ben,Cy,Dee,Eve', '--threshold', '3', '--out', kitDir, '--json'], { env: setup.env }), 'kit create --config');
    kitId = (JSON.parse(readFileSync(join(setup.env.XDG_STATE_HOME ?? '', ...findStatus(setup)), 'utf8')) as { kit: { kitId: string } }).kit.kitId;
    // the backup after the kit holds the canary
    ok(await runCli(['backup', 'offsite', '--config', setup.config], { env: setup.env }), 'backup after the kit');
    liveEnv = { PATH: setup.env.PATH ?? '', XDG_STATE_HOME: join(setup.base, 'live-state'), XDG_CONFIG_HOME: join(setup.base, 'live-config'), HOME: join(setup.base, 'live-home') };
  });
  after(async () => { await teardown(setup); });

  let certificateDir: string;
  test('from sheet PDFs: the kit opens, a sample is restored and verified, the canary matches, a certificate is written', async () => {
    certificateDir = join(setup.base, 'certificate');
    mkdirSync(certificateDir);
    const result = await runCli(['drill', '--live', '--from', join(kitDir, 'sheet-1.pdf'), '--from', join(kitDir, 'sheet-3.pdf'), '--from', join(kitDir, 'sheet-5.pdf'),
      '--envelope', join(kitDir, 'sheet-1.pdf'), '--out', certificateDir, '--json'], { env: liveEnv });
    ok(result, 'drill --live');
    const report = JSON.parse(result.stdout.split('\n').find((line) => line.includes('"drill_live"')) ?? '{}') as Record<string, unknown>;
    assert.equal(report.verdict, 'passed');
    assert.equal(report.kitId, kitId);
    assert.equal(report.canary, 'matches');
    assert.equal(report.resticCheck, 'passed');
    assert.equal(report.resticVerify, 'passed');
    assert.equal(report.filesChecked, 4, 'every source file is in a sample of 300');
    assert.deepEqual((report.shares as { number: number }[]).map((share) => share.number), [1, 3, 5]);
    const text = readFileSync(join(certificateDir, `drill-certificate-${kitId}.txt`), 'utf8');
    assert.ok(existsSync(join(certificateDir, `drill-certificate-${kitId}.pdf`)));
    const info = await runProgram('pdfinfo', [join(certificateDir, `drill-certificate-${kitId}.pdf`)]);
    assert.match(info.stdout, /^Pages:\s+1$/m, 'a one-page PDF');
    const certificate = parseCertificate('certificate', text);
    assert.equal(certificate.kitId, kitId);
    assert.equal(certificate.verdict, 'passed');
    // never a share or the password: only numbers and fingerprints
    assert.doesNotMatch(text, new RegExp(setup.password));
    assert.doesNotMatch(text, /DK1S|DK1E/);
    assert.equal(readdirSync(certificateDir).length, 2);
  });

  test('--record (the PDF) enters the live drill, and drkit status shows it', async () => {
    const recorded = ok(await runCli(['drill', '--record', join(certificateDir, `drill-certificate-${kitId}.pdf`), '--config', setup.config], { env: setup.env }), 'drill --record');
    assert.match(recorded.stdout, new RegExp(`recorded the live drill of kit ${kitId} \\(passed`));
    const status = await runCli(['status', '--config', setup.config], { env: setup.env });
    assert.match(status.stdout, /last drill via live: passed/);
    const json = await runCli(['status', '--config', setup.config, '--json'], { env: setup.env });
    const parsed = JSON.parse(json.stdout) as { drills: { via: string; last: { kitId?: string; sheets?: number[] } }[] };
    const live = parsed.drills.find((line) => line.via === 'live');
    assert.equal(live?.last.kitId, kitId);
    assert.deepEqual(live?.last.sheets, [1, 3, 5]);
    // the .txt of the same drill again: one drill, recorded once
    const again = ok(await runCli(['drill', '--record', join(certificateDir, `drill-certificate-${kitId}.txt`), '--config', setup.config], { env: setup.env }), 'drill --record again');
    assert.match(again.stdout, /is recorded already/);
    const drills = (JSON.parse(readFileSync(join(setup.env.XDG_STATE_HOME ?? '', ...findStatus(setup)), 'utf8')) as { drills: { via?: string }[] }).drills;
    assert.equal(drills.filter((drill) => drill.via === 'live').length, 1);
  });

  test('an edited certificate is refused', async () => {
    const file = join(setup.base, 'edited.txt');
    writeFileSync(file, readFileSync(join(certificateDir, `drill-certificate-${kitId}.txt`), 'utf8').replace('verdict: passed', 'verdict: failed'));
    const result = await runCli(['drill', '--record', file, '--config', setup.config], { env: setup.env });
    assert.equal(result.exitStatus, 2, result.stderr);
    assert.match(result.stderr, /the checksum does not match: the certificate was edited or misread/);
  });

  test('--stdin: QR payload lines, as zbarcam --raw prints them, repeated', async () => {
    const payloads: string[] = [];
    for (const sheet of ['sheet-2.pdf', 'sheet-4.pdf', 'sheet-5.pdf']) {
      const found = (await scanPdfQrCodes(join(kitDir, sheet))).flat();
      payloads.push(...found, ...found);
    }
    const out = join(setup.base, 'certificate-stdin');
    mkdirSync(out);
    const result = await runCli(['drill', '--live', '--stdin', '--sample', 'all', '--out', out], { env: liveEnv, input: `${['not a code', ...payloads].join('\n')}\n` });
    ok(result, 'drill --live --stdin');
    assert.match(result.stdout, new RegExp(`live drill PASSED — kit ${kitId}`));
    assert.match(result.stdout, /shares used: 2 \(fingerprint [0-9A-Z]{4}\), 4/);
    assert.match(result.stderr, /not a drkit QR code/);
    const certificate = parseCertificate('stdin', readFileSync(join(out, `drill-certificate-${kitId}.txt`), 'utf8'));
    assert.equal(certificate.sample, 'all');
    assert.equal(certificate.canary, 'matches');
  });

  test('from a photo of a sheet: the share read from its QR code', async () => {
    const photos = join(setup.base, 'photos');
    mkdirSync(photos);
    const [photo] = await renderPdfPages(join(kitDir, 'sheet-4.pdf'), photos, 200, 'png', 1);
    assert.ok(photo !== undefined);
    const out = join(setup.base, 'certificate-photo');
    mkdirSync(out);
    const result = await runCli(['drill', '--live', '--from', photo, '--from', join(kitDir, 'sheet-2.pdf'), '--from', join(kitDir, 'sheet-3.pdf'),
      '--envelope', join(kitDir, 'sheet-2.pdf'), '--sample', '2', '--out', out], { env: liveEnv });
    ok(result, 'drill --live from a photo');
    assert.match(result.stdout, /shares used: 2 \(fingerprint [0-9A-Z]{4}\), 3 \(fingerprint [0-9A-Z]{4}\), 4/);
    assert.equal(parseCertificate('photo', readFileSync(join(out, `drill-certificate-${kitId}.txt`), 'utf8')).filesChecked, 2);
  });

  /** the sheets of the kit, as a live drill's --from and --envelope */
  const sheets = (): string[] => ['--from', join(kitDir, 'sheet-1.pdf'), '--from', join(kitDir, 'sheet-2.pdf'), '--from', join(kitDir, 'sheet-4.pdf'), '--envelope', join(kitDir, 'sheet-1.pdf')];

  test('flags without a terminal: --snapshot (the older one), --host and --path choose as recover does; progress as JSON events', async () => {
    const snapshots = (JSON.parse(resticRaw(setup, ['snapshots', '--json'])) as { id: string; time: string }[]).sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    const oldest = snapshots[0];
    assert.ok(oldest !== undefined && snapshots.length >= 2, 'the backup before the kit and the one after it');
    const out = join(setup.base, 'certificate-flags');
    mkdirSync(out);
    const result = ok(await runCli(['drill', '--live', ...sheets(), '--snapshot', oldest.id.slice(0, 8), '--host', 'drillhost', '--path', setup.source, '--sample', 'all', '--out', out, '--json'], { env: liveEnv }), 'drill --live --snapshot');
    const events = result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const report = events.find((event) => event.message_type === 'drill_live');
    assert.equal(report?.snapshotId, oldest.id);
    // the backup before the kit holds no canary
    assert.equal(report?.canary, 'none');
    assert.equal(report?.verdict, 'passed');
    const progress = events.filter((event) => event.message_type === 'restore_progress');
    assert.ok(progress.length > 0, 'restore_progress events');
    assert.equal(progress.at(-1)?.fraction, 1);
    assert.equal(progress.at(-1)?.bytesDone, report?.bytesChecked);
    // a filter that matches nothing is the person's to correct: refused, and no certificate
    const none = join(setup.base, 'certificate-none');
    mkdirSync(none);
    const refused = await runCli(['drill', '--live', ...sheets(), '--host', 'nosuchhost', '--out', none], { env: liveEnv });
    assert.equal(refused.exitStatus, 2, refused.stderr);
    assert.match(refused.stderr, /no snapshot in .* matches host nosuchhost/);
    assert.deepEqual(readdirSync(none), []);
  });

  test('--sample all into a named folder: restored there and removed at the end; --keep keeps it; a folder holding files refused without --force', async () => {
    const out = join(setup.base, 'certificate-named');
    mkdirSync(out);
    const target = join(setup.base, 'drill-restore');
    const removed = ok(await runCli(['drill', '--live', ...sheets(), '--sample', 'all', '--restore-to', target, '--out', out], { env: liveEnv }), 'drill --live --restore-to');
    assert.match(removed.stderr, new RegExp(`restoring every file \\(.*\\) of snapshot [0-9a-f]{8} into ${target} \\(removed at the end\\)`));
    assert.match(removed.stdout, /live drill PASSED/);
    assert.equal(existsSync(target), false, 'the folder the drill made is gone');

    const kept = join(setup.base, 'drill-kept');
    mkdirSync(kept);
    ok(await runCli(['drill', '--live', ...sheets(), '--sample', 'all', '--restore-to', kept, '--keep', '--out', out], { env: liveEnv }), 'drill --live --keep');
    assert.equal(readFileSync(join(kept, setup.source, 'letter.txt'), 'utf8'), 'Dear family,\n', 'restic recreates the full path');

    const mine = join(setup.base, 'drill-mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'mine.txt'), 'the person\'s own file\n');
    const refused = await runCli(['drill', '--live', ...sheets(), '--restore-to', mine, '--out', out], { env: liveEnv });
    assert.equal(refused.exitStatus, 2, refused.stderr);
    assert.match(refused.stderr, /the folder .*drill-mine is not empty \(it holds mine\.txt\)/);
    assert.doesNotMatch(refused.stderr, /opened with shares/, 'refused before the kit is read');
    ok(await runCli(['drill', '--live', ...sheets(), '--sample', 'all', '--restore-to', mine, '--force', '--out', out], { env: liveEnv }), 'drill --live --force');
    // what the drill restored is gone, what was there stays
    assert.deepEqual(readdirSync(mine), ['mine.txt']);
  });

  test('a target too small for the sample is refused before anything is written, naming both sizes', { skip: process.getuid?.() === 0 ? false : 'mounting a tmpfs needs root (the rule itself is tested in test/core/restore.test.ts)' }, async (t) => {
    const small = join(setup.base, 'small');
    mkdirSync(small);
    const mounted = await runProgram('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small]);
    if (mounted.exitStatus !== 0) { t.skip(`cannot mount a tmpfs here: ${mounted.stderrTail}`); return; }
    try {
      const out = join(setup.base, 'certificate-small');
      mkdirSync(out);
      const result = await runCli(['drill', '--live', ...sheets(), '--sample', 'all', '--restore-to', join(small, 'drill'), '--out', out], { env: liveEnv });
      assert.equal(result.exitStatus, 2, result.stderr);
      assert.match(result.stderr, /not enough room: .*small\/drill has 4\.00 MiB free, the snapshot needs .*KiB/);
      assert.match(result.stderr, /hint: restore onto an external disk/);
      assert.deepEqual(readdirSync(small), [], 'nothing written');
      assert.deepEqual(readdirSync(out), [], 'no certificate');
    } finally {
      await runProgram('umount', [small]);
    }
  });

  // the owner's backup running while a custodian drills: restic check cannot get its lock; that is a check not run
  // (its own code and restic unlock's hint), never "damaged", which would send the owner to repair a sound repository.
  // restic 0.14 only: the adapter waits out its lock retries (about a minute), and 0.18 locks the same way.
  test('a repository locked by a running backup: the check is reported as locked, not as damage', { skip: restic.label === 'system' ? false : 'run once, on the system restic (0.14)' }, async () => {
    const passwordFile = join(setup.base, 'holder-password');
    writeFileSync(passwordFile, setup.password, { mode: 0o600 });
    // a backup reading stdin that never ends holds its (shared) lock until it is stopped
    const holder = spawn(setup.restic.binary, ['backup', '--stdin', '--stdin-filename', 'held'], {
      env: { PATH: setup.restic.path, HOME: setup.base, RESTIC_REPOSITORY: setup.server.repository, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(setup.base, 'holder-cache') },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const ended = new Promise((resolve) => { holder.once('exit', resolve); });
    try {
      await waitFor(() => resticRaw(setup, ['list', 'locks', '--no-lock']).trim() !== '', 'the holder\'s lock');
      const out = join(setup.base, 'certificate-locked');
      mkdirSync(out);
      const result = await runCli(['drill', '--live', ...sheets(), '--out', out, '--json'], { env: liveEnv });
      assert.equal(result.exitStatus, 1, result.stderr);
      const report = JSON.parse(result.stdout.split('\n').find((line) => line.includes('"drill_live"')) ?? '{}') as { verdict?: string; resticCheck?: string; findings?: { code: string; message: string }[] };
      assert.equal(report.verdict, 'failed');
      assert.equal(report.resticCheck, 'failed');
      assert.deepEqual(report.findings?.map((finding) => finding.code), ['E_RESTIC_LOCKED'], JSON.stringify(report.findings));
    } finally {
      holder.kill('SIGINT');
      await ended;
      rmSync(passwordFile, { force: true });
    }
  });

  test('a certificate of a superseded kit is refused, naming both kits', async () => {
    const newKit = join(setup.base, 'kit-new');
    ok(await runCli(['kit', 'create', '--config', setup.config, '--custodians', 'Ann,Ben,Cy', '--threshold', '2', '--out', newKit, '--format', 'text', '--supersedes', kitId], { env: setup.env }), 'the new kit');
    const current = (JSON.parse(readFileSync(join(setup.env.XDG_STATE_HOME ?? '', ...findStatus(setup)), 'utf8')) as { kit: { kitId: string } }).kit.kitId;
    assert.notEqual(current, kitId);
    const result = await runCli(['drill', '--record', join(certificateDir, `drill-certificate-${kitId}.txt`), '--config', setup.config], { env: setup.env });
    assert.equal(result.exitStatus, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`is a drill of kit ${kitId}, but the current kit is ${current}`));
  });

  test('after a newer kit and a backup, the old sheets\' live drill finds the canary names the other kit', async () => {
    ok(await runCli(['backup', 'offsite', '--config', setup.config], { env: setup.env }), 'backup after the new kit');
    const out = join(setup.base, 'certificate-old');
    mkdirSync(out);
    const result = await runCli(['drill', '--live', '--from', join(kitDir, 'sheet-1.pdf'), '--from', join(kitDir, 'sheet-2.pdf'), '--from', join(kitDir, 'sheet-3.pdf'),
      '--envelope', join(kitDir, 'sheet-1.pdf'), '--out', out], { env: liveEnv });
    assert.equal(result.exitStatus, 1, result.stderr);
    assert.match(result.stdout, /live drill FAILED/);
    assert.match(result.stdout, /canary: other-kit/);
    assert.match(result.stdout, /E_CANARY_OTHER_KIT: the backup's canary names another kit/);
  });
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 200; tries += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** the status file under XDG_STATE_HOME (one setup) */
function findStatus(setup: DrillSetup): string[] {
  const root = setup.env.XDG_STATE_HOME ?? '';
  const walk = (dir: string, at: string[]): string[] | null => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name === 'status.json') return [...at, entry.name];
      if (entry.isDirectory()) {
        const found = walk(join(dir, entry.name), [...at, entry.name]);
        if (found !== null) return found;
      }
    }
    return null;
  };
  const found = walk(root, []);
  if (found === null) throw new Error(`no status.json under ${root}`);
  return found;
}
