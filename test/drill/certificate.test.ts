// The live drill's certificate format (src/core/drill-certificate.ts): round trip, long lines, and refusals.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { pdfTextLayer } from '../../src/adapters/pdf-readback.js';
import { renderCertificatePdf } from '../../src/render/drill-certificate.js';
import { runCli } from '../helpers/cli.js';
import { formatCertificate, LINE_WIDTH, parseCertificate, type DrillCertificate } from '../../src/core/drill-certificate.js';
import { DrkitError } from '../../src/errors.js';

const CERTIFICATE: DrillCertificate = {
  kitId: 'ABCD-EFGH', kitCreatedOn: '2026-11-30', shares: [{ number: 1, fingerprint: 'K3QX' }, { number: 4, fingerprint: 'M7TZ' }],
  repository: 'rest:http://127.0.0.1:8000/', snapshotId: 'a'.repeat(64), snapshotTime: '2026-12-01T10:00:00Z', sample: 300,
  filesChecked: 300, bytesChecked: 1_234_567, resticVerify: 'passed', resticCheck: 'failed', canary: 'other-kit', verdict: 'failed',
  findings: [{ code: 'E_CANARY_OTHER_KIT', message: 'the backup\'s canary names another kit' }],
  startedAt: '2026-12-01T11:00:00.000Z', finishedAt: '2026-12-01T11:05:00.000Z', resticVersion: '0.14.0',
  phases: [{ name: 'open-kit', ms: 120_000 }, { name: 'restore', ms: 61_500 }],
  stuck: `the envelope line 7 took three tries; ${'the camera would not focus on the small codes '.repeat(5).trim()}`,
};

test('a certificate reads back as written, long lines continued', () => {
  const lines = formatCertificate(CERTIFICATE);
  assert.ok(lines.every((line) => line.length <= LINE_WIDTH || line.startsWith('checksum:')));
  assert.ok(lines.some((line) => line.startsWith('+ ')), 'the stuck text is continued');
  assert.ok(lines.every((line) => line === line.trim()), 'no line begins or ends with a space');
  assert.match(lines.at(-1) ?? '', /^checksum: sha256:[0-9a-f]{64}$/);
  assert.deepEqual(parseCertificate('c.txt', `some pdftotext header\n${lines.map((line) => `${line}  `).join('\n')}\nfooter\n`), CERTIFICATE);
});

test('a word longer than a line is split inside it and joined back', () => {
  const word = 'x'.repeat(250);
  const lines = formatCertificate({ ...CERTIFICATE, stuck: `a ${word} b` });
  assert.ok(lines.some((line) => line.startsWith('++ ')));
  assert.equal(parseCertificate('c.txt', lines.join('\n')).stuck, `a ${word} b`);
});

test('the stuck text is one line with single spaces; empty reads back empty', () => {
  const parsed = parseCertificate('c.txt', formatCertificate({ ...CERTIFICATE, stuck: 'line one\n\tline   two' }).join('\n'));
  assert.equal(parsed.stuck, 'line one line two');
  assert.equal(parseCertificate('c.txt', formatCertificate({ ...CERTIFICATE, stuck: '', sample: 'all' }).join('\n')).stuck, '');
});

test('an edited, truncated or foreign text is refused with the reason', () => {
  const text = formatCertificate(CERTIFICATE).join('\n');
  const refusal = (input: string): string => {
    try {
      parseCertificate('c.txt', input);
    } catch (error) {
      assert.ok(error instanceof DrkitError && error.code === 'E_CERTIFICATE', String(error));
      return error.message;
    }
    return assert.fail('accepted');
  };
  assert.match(refusal(text.replace('files-checked: 300', 'files-checked: 3000')), /checksum does not match/);
  assert.match(refusal(text.split('\n').slice(0, -1).join('\n')), /checksum line is missing/);
  assert.match(refusal('hello\n'), /not a drill certificate/);
});

test('the fullest certificate (6 long findings, a long stuck text) is one PDF page that reads back exactly', async () => {
  const full: DrillCertificate = {
    ...CERTIFICATE,
    findings: Array.from({ length: 6 }, (_, index) => ({ code: `E_FINDING_${index}`, message: `${'a long message from restic about a pack that is missing '.repeat(5).slice(0, 278)}…` })),
    stuck: `${'the third envelope line had a smudge and the camera would not focus; '.repeat(7).slice(0, 479)}…`,
  };
  const dir = mkdtempSync(join(tmpdir(), 'drkit-certificate-test-'));
  try {
    const file = join(dir, 'c.pdf');
    await renderCertificatePdf(full, formatCertificate(full)).save(file);
    assert.match((await runProgram('pdfinfo', [file])).stdout, /^Pages:\s+1$/m);
    assert.deepEqual(parseCertificate('c.pdf', await pdfTextLayer(file, 'raw')), full);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage: the live drill takes no setup, --record no --live, the live flags need --live', async () => {
  const live = await runCli(['drill', '--live', '--config', '/nonexistent.yaml']);
  assert.equal(live.exitStatus, 2);
  assert.match(live.stderr, /the live drill needs no setup: --config would not be used/);
  const both = await runCli(['drill', '--live', '--record', 'c.txt']);
  assert.equal(both.exitStatus, 2);
  assert.match(both.stderr, /--record enters a certificate a live drill wrote: give it without --live/);
  const stray = await runCli(['drill', '--stdin', '--config', '/nonexistent.yaml']);
  assert.equal(stray.exitStatus, 2);
  assert.match(stray.stderr, /--stdin belongs to the live drill/);
  const edited = await runCli(['drill', '--record', '/nonexistent/c.txt']);
  assert.equal(edited.exitStatus, 2);
  assert.match(edited.stderr, /--record/);
});
