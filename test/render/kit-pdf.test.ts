/**
 * The printed kit end to end: render with fixed randomness and date, self-test (pdftotext, pdftoppm, zbarimg,
 * every k-subset combined and decrypted), then check what a reader and a restorer would: the text layer equals
 * what was drawn, no secret is printed or encoded in a QR code, pages fit, failures name sheet and form and leave
 * nothing behind, and the text layers match fixtures/golden/ (UPDATE_GOLDEN=1 rewrites them).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Kit } from '../../src/core/kit.js';
import { DrkitError, ExitCode } from '../../src/errors.js';
import { packageFile, readPackageText } from '../../src/render/assets.js';
import { renderChecklist } from '../../src/render/checklist.js';
import { renderGuide } from '../../src/render/guide.js';
import { selfTestPdfKit, writePdfKit, type SelfTestReport } from '../../src/render/kit-pdf.js';
import type { KitDocument } from '../../src/render/pdf.js';
import { renderSheet } from '../../src/render/sheet.js';
import { CONTACTS, GOLDEN_BUNDLE, makeKit, normalise, pdftotext, qrPayloads, tempDir } from './helpers.js';

let kit: Kit;
let passphrase: string;
let dir: string;
let report: SelfTestReport | null;

before(async () => {
  ({ kit, passphrase } = await makeKit({ contacts: CONTACTS }));
  dir = join(tempDir('kit'), 'kit');
  ({ report } = await writePdfKit(kit, { outDir: dir, paper: 'a4', passphrase, supersedes: 'qqqqrrrr' }));
});

const PDFS = () => [...kit.shares.map((share) => `sheet-${share.number}.pdf`), 'guide.pdf', 'checklist.pdf'];

test('writes one sheet per custodian, the guide and the checklist, after a self-test of all of them', () => {
  assert.deepEqual(readdirSync(dir).sort(), [...PDFS()].sort());
  assert.ok(report);
  assert.equal(report.sheets.length, 5);
  assert.ok(report.sheets.every((sheet) => sheet.textLayer === 'ok' && sheet.qr === 'ok' && sheet.envelopeText === 'ok' && sheet.envelopeQr === 'ok'));
  assert.equal(report.subsets, 10); // C(5, 3)
  assert.equal(report.guide.commands, 18);
  assert.equal(readdirSync(join(dir, '..')).length, 1, 'no temporary folder is left beside the kit');
});

test('each PDF\'s text layer is exactly the lines drawn, page by page (no ligature, no lost or extra character)', () => {
  const combiner = readPackageText('templates', 'recover', 'combine.py');
  const docs: [string, KitDocument][] = [
    ...kit.shares.map((share) => [`sheet-${share.number}.pdf`, renderSheet(kit, share, { paper: 'a4' })] as [string, KitDocument]),
    ['guide.pdf', renderGuide(kit, { paper: 'a4', combiner }).pdf],
    ['checklist.pdf', renderChecklist(kit, { paper: 'a4', supersedes: 'QQQQ-RRRR' })],
  ];
  for (const [file, doc] of docs) {
    const pages = pdftotext(join(dir, file), '-raw').split('\f');
    for (let page = 1; page <= doc.page; page++) {
      const drawn = doc.printed.filter((line) => line.page === page).map((line) => line.text).join(' ').replace(/\s+/g, ' ').trim();
      const layer = (pages[page - 1] ?? '').replace(/\s+/g, ' ').trim();
      assert.equal(layer, drawn, `${file} page ${page}`);
    }
  }
});

test('every sheet is one A4 page for a typical bundle, and fits Letter too', async () => {
  for (const share of kit.shares) assert.equal(renderSheet(kit, share, { paper: 'a4' }).page, 1);
  for (const share of kit.shares) assert.equal(renderSheet(kit, share, { paper: 'letter' }).page, 1);
  // 15 custodians with long names and long notes: still at most two pages
  const { kit: big } = await makeKit({
    custodians: Array.from({ length: 15 }, (_, i) => `Custodian Number ${i + 1} Long-Name`), threshold: 8,
    bundle: { ...GOLDEN_BUNDLE, notes: 'n'.repeat(900) },
  });
  for (const paper of ['a4', 'letter'] as const) {
    const pages = renderSheet(big, big.shares[14] ?? big.shares[0]!, { paper }).page;
    assert.ok(pages <= 2, `${paper}: ${pages} pages`);
  }
});

test('no secret appears in any text layer or QR code', () => {
  const secrets = [GOLDEN_BUNDLE.resticPassword, ...Object.values(GOLDEN_BUNDLE.env), passphrase];
  for (const file of PDFS()) {
    const layers = [pdftotext(join(dir, file), '-raw'), pdftotext(join(dir, file), '-layout')].join('\n');
    const codes = file.startsWith('sheet-') ? qrPayloads(join(dir, file)) : [];
    if (file.startsWith('sheet-')) assert.equal(codes.length, 1 + kit.envelope.qrPayloads.length, `${file}: all QR codes read`);
    for (const secret of secrets) {
      for (const haystack of [layers, ...codes]) {
        assert.ok(!haystack.toLowerCase().includes(secret.toLowerCase()), `${file} holds a secret`);
        assert.ok(!haystack.replace(/\s+/g, '').toLowerCase().includes(secret.toLowerCase()), `${file} holds a secret (spaces removed)`);
      }
    }
  }
});

test('the outside panel says who, which kit, when to open, how many sheets and whom to contact', () => {
  const text = normalise(pdftotext(join(dir, 'sheet-2.pdf'), '-raw'));
  for (const expected of ['Sealed recovery sheet 2 of 5', 'Kept by Ben Jones', `Kit ${kit.kitIdDisplay} · made on 2026-11-27 · for Ann Example`,
    'Do not open unless Ann Example', 'any 3 of the 5 sheets together, and a copy of the restore guide', 'Ann Smith (sheet 1): ann@example.org, +44 20 7946 0001', 'Cy Young (sheet 3): no contact details given', 'Dee Patel (sheet 4): 12 High Street, Oxford OX1 1AA',
    'Number on the envelope\'s seal sticker', 'signed across the flap', 'a copy of the restore guide', 'polyester sleeve', 'fold 1', 'fold 2', '# fingerprints: ' + kit.fingerprints.map((fp, i) => `${i + 1}=${fp}`).join(' ')]) {
    assert.ok(text.includes(expected), `sheet-2 lacks ${JSON.stringify(expected)}`);
  }
  const checklist = normalise(pdftotext(join(dir, 'checklist.pdf'), '-raw'));
  assert.ok(checklist.includes('supersedes kit QQQQ-RRRR'));
  assert.ok(checklist.includes('Re-check by 2027-11-27'));
  for (const share of kit.shares) assert.ok(checklist.includes(`${share.number} ${share.custodian} ${share.fingerprint}`));
});

test('a share that does not read back fails the self-test naming the sheet and the form, and nothing is written', async () => {
  const parent = tempDir('fail');
  const out = join(parent, 'kit');
  const altered = structuredClone(kit);
  const bytes = altered.shares[1]!.bytes;
  bytes[20] = (bytes[20] ?? 0) ^ 1; // what the self-test expects is no longer what was printed
  await assert.rejects(writePdfKit(altered, { outDir: out, paper: 'a4' }), (error: unknown) => {
    assert.ok(error instanceof DrkitError);
    assert.equal(error.code, 'E_KIT_SELFTEST');
    assert.match(error.message, /sheet-2\.pdf: the share's text layer reads back different bytes/);
    return true;
  });
  assert.deepEqual(readdirSync(parent), [], 'no kit and no temporary folder left');

  const wrongQr = structuredClone(kit);
  wrongQr.shares[0]!.qrPayload = kit.shares[1]!.qrPayload;
  await assert.rejects(writePdfKit(wrongQr, { outDir: out, paper: 'letter' }), (error: unknown) => {
    assert.ok(error instanceof DrkitError);
    assert.match(error.message, /sheet-1\.pdf: the share's QR code reads back different bytes/);
    assert.equal(error.exitCodeOverride, ExitCode.checkFailed);
    return true;
  });
  assert.deepEqual(readdirSync(parent), []);
});

test('replacing a kit in the same folder leaves no sheet of the old kit behind', async () => {
  const out = join(tempDir('replace'), 'kit');
  const { kit: small } = await makeKit({ seed: 'replace', custodians: ['Ann', 'Ben'], threshold: 2 });
  mkdirSync(out);
  for (const file of PDFS()) writeFileSync(join(out, file), readFileSync(join(dir, file)));
  writeFileSync(join(out, 'notes.txt'), 'not ours');
  await writePdfKit(small, { outDir: out, paper: 'a4', selfTest: false });
  assert.deepEqual(readdirSync(out).sort(), ['checklist.pdf', 'guide.pdf', 'notes.txt', 'sheet-1.pdf', 'sheet-2.pdf']);
});

test('selfTestPdfKit re-checks a kit folder and names a damaged sheet', async () => {
  const copy = tempDir('copy');
  for (const file of PDFS()) writeFileSync(join(copy, file), readFileSync(join(dir, file)));
  writeFileSync(join(copy, 'sheet-4.pdf'), readFileSync(join(dir, 'sheet-5.pdf')));
  await assert.rejects(selfTestPdfKit(copy, kit), /sheet-4\.pdf: the share's text layer reads back different bytes/);
});

/** Golden text layers: stable parts only (the combiner listing and the format spec are checked by the self-test). */
function goldenText(layer: string): string {
  const sha = /[0-9a-f]{64}/g;
  const cut = layer.indexOf('Part 6. The combiner listing');
  const kept = cut < 0 ? layer : `${layer.slice(0, cut)}Part 6 … (combiner listing and format spec: checked by the self-test)\n`;
  return `${kept.replace(sha, '<sha256 of combine.py>').replace(/page (\d+) of \d+/g, 'page $1 of N').split('\n').map((line) => line.trimEnd()).join('\n').trimEnd()}\n`;
}

test('text layers match fixtures/golden/kit-a4 (UPDATE_GOLDEN=1 rewrites them)', () => {
  const goldenDir = packageFile('fixtures', 'golden', 'kit-a4');
  if (process.env.UPDATE_GOLDEN === '1') mkdirSync(goldenDir, { recursive: true });
  for (const file of PDFS()) {
    const actual = goldenText(pdftotext(join(dir, file), '-layout'));
    const path = join(goldenDir, file.replace(/\.pdf$/, '.txt'));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
    assert.ok(existsSync(path), `missing ${path}: run with UPDATE_GOLDEN=1`);
    // pdftotext -layout spacing differs between poppler versions: compare words and line order
    assert.equal(normalise(actual), normalise(readFileSync(path, 'utf8')), `${file} differs from ${path}`);
  }
});

test('a large kit (12 shares, 6 needed) has all 924 subsets checked, through the fast path past the first n', async () => {
  const { kit: large, passphrase: key } = await makeKit({ seed: 'large', custodians: Array.from({ length: 12 }, (_, i) => `Holder ${i + 1}`), threshold: 6 });
  const folder = tempDir('large');
  const combiner = readPackageText('templates', 'recover', 'combine.py');
  await renderGuide(large, { paper: 'a4', combiner }).pdf.save(join(folder, 'guide.pdf'));
  await renderChecklist(large, { paper: 'a4' }).save(join(folder, 'checklist.pdf'));
  // the sheets as if read back (their read-back is tested above): the share and envelope text files
  const sheets = large.shares.map((share) => ({
    file: `sheet-${share.number}.pdf`, share: share.number, shareText: share.text, envelopeText: large.envelope.text,
    report: { file: `sheet-${share.number}.pdf`, share: share.number, textLayer: 'ok', qr: 'ok', envelopeText: 'ok', envelopeQr: 'ok' } as const,
  }));
  const result = await selfTestPdfKit(folder, large, { passphrase: key, sheets });
  assert.equal(result.subsets, 924);
  await assert.rejects(selfTestPdfKit(folder, large, { passphrase: 'WRONG', sheets }), /combine to a different key/);
});

test('names the font cannot print are a clear error; accented Latin, Greek and Cyrillic print', async () => {
  const { kit: intl } = await makeKit({ seed: 'intl', custodians: ['Zoë Łukasz', 'Ελένη', 'Дмитрий'], threshold: 2 });
  for (const share of intl.shares) assert.equal(renderSheet(intl, share, { paper: 'a4' }).page, 1);
  const { kit: cjk } = await makeKit({ seed: 'cjk', custodians: ['Ann', '李雷'], threshold: 2 });
  await assert.rejects(writePdfKit(cjk, { outDir: join(tempDir('cjk'), 'kit'), paper: 'a4' }), (error: unknown) =>
    error instanceof DrkitError && error.code === 'E_UNPRINTABLE' && /'李', '雷'/.test(error.message));
});

test('the guide\'s Part 7 is a specification for an archivist: no project paths, build commands or markdown syntax', () => {
  const layer = pdftotext(join(dir, 'guide.pdf'), '-layout');
  const part7 = layer.slice(layer.indexOf('Part 7. '));
  assert.ok(part7.length > 5000, 'Part 7 is printed');
  for (const bad of [/\b(?:src|test|fixtures|scripts|bench|templates)\//, /\bnpm\b/, /\.ts\b/, /`/, /\*\*/, /^\s*#{2,3} /m, /\|\s*-{3}/, /<!--/]) {
    assert.doesNotMatch(part7, bad);
  }
  for (const expected of ['E_LINE_FOREIGN', 'is from another share or kit', 'x = 0 is never written', 'UTC', 'DK1S followed by the share\'s 64 payload characters: 68 characters']) {
    assert.ok(normalise(part7).includes(expected), `Part 7 lacks ${expected}`);
  }
});
