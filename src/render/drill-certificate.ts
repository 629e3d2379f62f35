/**
 * The live drill's certificate as a one-page PDF: a heading, a few words for whoever holds it, and the
 * certificate's exact `key: value` lines (src/core/drill-certificate.ts) in a monospaced font, so
 * `drkit drill --record` reads them back with pdftotext and checks the checksum.
 */
import type { DrillCertificate } from '../core/drill-certificate.js';
import { KitDocument } from './pdf.js';

const SIZE = 8;

export function renderCertificatePdf(certificate: DrillCertificate, lines: readonly string[]): KitDocument {
  const pdf = new KitDocument({ paper: 'a4', title: `drkit drill certificate, kit ${certificate.kitId}`, date: new Date(certificate.finishedAt), margin: 40 });
  pdf.paragraph(`Restore drill ${certificate.verdict === 'passed' ? 'PASSED' : 'FAILED'}: kit ${certificate.kitId}`, { font: 'sansBold', size: 17, after: 6 });
  pdf.paragraph('A person holding the real sheets opened the kit and restored files from the backup with drkit drill --live. '
    + 'Give this page (or the .txt beside it) to the owner, who enters it with drkit drill --record. It holds no share and no password.', { size: 10, after: 10 });
  for (const line of lines) {
    pdf.line(line, pdf.left, pdf.y, { font: 'mono', size: SIZE });
    pdf.y += SIZE * 1.35;
  }
  return pdf;
}
