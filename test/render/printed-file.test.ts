/**
 * Files handed to kit verify and recover are classified by their content (src/core/printed-file.ts): a TIFF scan is
 * not parsed as typed text, the guide and the checklist are named for what they are, a damaged PDF or image gives
 * one clear error, and another kit's sheet or a share's QR code given as the envelope is named as such.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { classifyFileHead, kitDocumentKind } from '../../src/core/printed-file.js';
import type { Kit } from '../../src/core/kit.js';
import { writePdfKit } from '../../src/render/kit-pdf.js';
import { makeKit, tempDir } from './helpers.js';

const cli = join(process.cwd(), 'dist', 'src', 'cli.js');
const drkit = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
let dir: string;
let other: string;
let kit: Kit;

before(async () => {
  dir = join(tempDir('printed'), 'kit');
  other = join(tempDir('printed-other'), 'kit');
  ({ kit } = await makeKit());
  await writePdfKit(kit, { outDir: dir, paper: 'a4', selfTest: false });
  await writePdfKit((await makeKit({ seed: 'another kit' })).kit, { outDir: other, paper: 'a4', selfTest: false });
});

test('the first bytes decide, not the name', () => {
  const bytes = (...values: number[]) => new Uint8Array(values);
  assert.equal(classifyFileHead(new TextEncoder().encode('%PDF-1.7\n')), 'pdf');
  assert.equal(classifyFileHead(bytes(0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0)), 'image');
  assert.equal(classifyFileHead(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a)), 'image');
  assert.equal(classifyFileHead(new TextEncoder().encode('1: ABCD EFGH\n')), 'text');
  assert.equal(classifyFileHead(bytes(0x7f, 0x45, 0x4c, 0x46, 0x02)), 'unknown-binary');
  assert.equal(kitDocumentKind('…\nRestore guide · kit ABCD-EFGH · Ann · page 1 of 9\n# drkit share 3 of 5 · kit …'), 'guide');
});

test('kit verify: the guide and the checklist are not sheets; a TIFF scan is read as an image', () => {
  const guide = drkit('kit', 'verify', join(dir, 'guide.pdf'));
  assert.equal(guide.status, 1);
  assert.match(guide.stderr, /^error: guide\.pdf: this is the restore guide, not a sheet$/m);
  const checklist = drkit('kit', 'verify', join(dir, 'checklist.pdf'));
  assert.match(checklist.stderr, /^error: checklist\.pdf: this is the owner's checklist, not a sheet$/m);
  const scan = join(tempDir('tiff'), 'scan.tiff');
  execFileSync('pdftoppm', ['-r', '150', '-gray', '-tiff', '-singlefile', join(dir, 'sheet-2.pdf'), scan.replace(/\.tiff$/, '')]);
  copyFileSync(scan.replace(/\.tiff$/, '.tif'), scan);
  const verified = drkit('kit', 'verify', scan);
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`valid share 2 of 5 of kit ${kit.kitIdDisplay}`));
});

test('kit verify: what the file is decides, not its name: a photo of the share alone named .pdf is a share without its envelope', () => {
  const photo = join(tempDir('share-photo-named-pdf'), 'share.pdf');
  const base = photo.replace(/\.pdf$/, '');
  execFileSync('pdftoppm', ['-r', '150', '-gray', '-png', '-singlefile', '-x', '0', '-y', '600', '-W', '420', '-H', '300', join(dir, 'sheet-1.pdf'), base]);
  copyFileSync(`${base}.png`, photo);
  const verified = drkit('kit', 'verify', photo);
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`^valid share 1 of 5 of kit ${kit.kitIdDisplay}`, 'm'));
  assert.doesNotMatch(verified.stdout, /envelope on this sheet is intact/);
});

test('a damaged PDF or image is one clear error, without the tool\'s pages of messages', () => {
  const base = tempDir('damaged');
  for (const [name, content] of [['sheet.pdf', '%PDF-1.7\ngarbage'], ['photo.png', '\x89PNG\r\n\x1a\ngarbage']] as const) {
    writeFileSync(join(base, name), content, 'latin1');
    const result = drkit('kit', 'verify', join(base, name));
    assert.notEqual(result.status, 70, result.stderr);
    assert.match(result.stderr, new RegExp(`^error: ${name.replace('.', '\\.')}: cannot be read as (a PDF|an image)`, 'm'));
    assert.ok(result.stderr.split('\n').length <= 5, result.stderr);
  }
  writeFileSync(join(base, 'program'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  assert.match(drkit('kit', 'verify', join(base, 'program')).stderr, /not a text file, a PDF or an image/);
});

test('recover: another kit\'s sheet as the envelope names both kits; a share QR photo as the envelope is named', () => {
  const out = join(tempDir('recover-out'), 'bundle.json');
  const shares = ['sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf'].flatMap((name) => ['--from', join(dir, name)]);
  const mixed = drkit('recover', ...shares, '--envelope', join(other, 'sheet-1.pdf'), '--out', out);
  assert.notEqual(mixed.status, 0);
  assert.match(mixed.stderr, new RegExp(`is the envelope of kit [0-9A-Z]{4}-[0-9A-Z]{4}, the shares are of kit ${kit.kitIdDisplay}`));
  // a photo showing only the share's QR code (the envelope's codes cut off)
  const photo = join(tempDir('share-photo'), 'share.png');
  execFileSync('pdftoppm', ['-r', '150', '-gray', '-png', '-singlefile', '-x', '0', '-y', '600', '-W', '420', '-H', '300', join(dir, 'sheet-1.pdf'), photo.replace(/\.png$/, '')]);
  const shareOnly = drkit('recover', ...shares, '--envelope', photo, '--out', out);
  assert.match(shareOnly.stderr, /share\.png: holds a share's QR code, not the envelope's/);
});
