/**
 * `kit verify` and `recover --from` read sheets as PDFs, photos and scans: the read-back adapter with the real
 * pdftotext, pdftoppm and zbarimg.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { openEnvelope, parseEnvelopeText } from '../../src/core/envelope.js';
import { combineKit, type Kit } from '../../src/core/kit.js';
import { parseShareText } from '../../src/core/share.js';
import { DrkitError } from '../../src/errors.js';
import { readEnvelopeFromFile, readShareFromFile } from '../../src/adapters/pdf-readback.js';
import { writePdfKit } from '../../src/render/kit-pdf.js';
import { makeKit, tempDir } from './helpers.js';

let kit: Kit;
let dir: string;

before(async () => {
  ({ kit } = await makeKit({ seed: 'readback', threshold: 2, custodians: ['Ann', 'Ben', 'Cy'] }));
  dir = join(tempDir('readback'), 'kit');
  const { report } = await writePdfKit(kit, { outDir: dir, paper: 'letter' }); // Letter paper, self-tested
  assert.equal(report?.subsets, 3);
  // a photo or scan of each sheet: PNG for two, JPEG for the third
  for (const share of kit.shares) {
    const jpeg = share.number === 3;
    execFileSync('pdftoppm', ['-r', jpeg ? '200' : '150', jpeg ? '-jpeg' : '-png', '-singlefile', join(dir, `sheet-${share.number}.pdf`), join(dir, `photo-${share.number}`)]);
  }
});

test('a sheet PDF gives its share and the envelope from its text layer', async () => {
  for (const share of kit.shares) {
    const read = await readShareFromFile(join(dir, `sheet-${share.number}.pdf`));
    assert.equal(read.name, `sheet-${share.number}.pdf`);
    assert.deepEqual(parseShareText(read.name, read.text).bytes, share.bytes);
    assert.match(read.text, /# fingerprints: 1=/);
    const envelope = await readEnvelopeFromFile(join(dir, `sheet-${share.number}.pdf`));
    assert.deepEqual(parseEnvelopeText(envelope.name, envelope.text).bytes, kit.envelope.bytes); // kit id from its header
  }
});

test('a photo or scan (PNG, JPEG) gives the share and the envelope from the QR codes', async () => {
  for (const share of kit.shares) {
    const photo = join(dir, `photo-${share.number}.${share.number === 3 ? 'jpg' : 'png'}`);
    const read = await readShareFromFile(photo);
    assert.deepEqual(parseShareText(read.name, read.text).bytes, share.bytes);
    const envelope = await readEnvelopeFromFile(photo);
    assert.deepEqual(parseEnvelopeText(envelope.name, envelope.text, share.bytes.slice(2, 7)).bytes, kit.envelope.bytes);
  }
});

test('photos of two sheets recover the bundle', async () => {
  const shares = await Promise.all([1, 3].map((n) => readShareFromFile(join(dir, `photo-${n}.${n === 3 ? 'jpg' : 'png'}`))));
  const combined = await combineKit(shares, await readEnvelopeFromFile(join(dir, 'photo-1.png')));
  assert.match(await openEnvelope(combined.openpgp, combined.passphrase), new RegExp(`^# drkit 1 kit ${kit.kitId} 2026-11-27\n`));
});

test('text files pass through; an image without a code is a clear error', async () => {
  const file = join(dir, 'share-2.txt');
  writeFileSync(file, kit.shares[1]!.text);
  assert.deepEqual(await readShareFromFile(file), { name: 'share-2.txt', text: kit.shares[1]!.text });
  const blank = join(dir, 'blank.png');
  execFileSync('pdftoppm', ['-r', '30', '-png', '-singlefile', '-f', '1', '-l', '1', join(dir, 'checklist.pdf'), join(dir, 'blank')]);
  await assert.rejects(readShareFromFile(blank), (error: unknown) => error instanceof DrkitError && error.code === 'E_NO_SHARE' && /blank\.png: no drkit share found/.test(error.message));
  await assert.rejects(readEnvelopeFromFile(blank), (error: unknown) => error instanceof DrkitError && error.code === 'E_NO_ENVELOPE');
});
