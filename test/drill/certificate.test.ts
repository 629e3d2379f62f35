// The live drill's certificate format (src/core/drill-certificate.ts): round trip, long lines, and refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  assert.match(lines.at(-1) ?? '', /^checksum: sha256:[0-9a-f]{64}$/);
  assert.deepEqual(parseCertificate('c.txt', `some pdftotext header\n${lines.map((line) => `${line}  `).join('\n')}\nfooter\n`), CERTIFICATE);
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
