/** The printed kit through the real CLI: PDF by default, verified and recovered from sheet PDFs and photos. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { typicalB2Bundle } from '../helpers/kit-fixtures.js';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-kit-pdf-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const bundlePath = join(work, 'bundle.json');
writeFileSync(bundlePath, JSON.stringify(typicalB2Bundle));
const kitDir = join(work, 'kit');

test('kit create writes sheets, guide and checklist by default, all private, after its self-test', async () => {
  const result = await runCli(['kit', 'create', '--no-check', '--bundle', bundlePath, '--custodians', 'Ann,Ben,Cy,Dee', '--threshold', '2', '--out', kitDir, '--paper', 'letter', '--supersedes', '7QF2-9KXA', '--json']);
  assert.equal(result.exitStatus, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { files: string[]; selfTest: { subsetsCombined: number; sheets: number } };
  assert.equal(report.selfTest.subsetsCombined, 6);
  assert.equal(report.selfTest.sheets, 4);
  assert.deepEqual(readdirSync(kitDir).sort(), ['checklist.pdf', 'guide.pdf', 'kit.json', 'sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf', 'sheet-4.pdf']);
  for (const name of readdirSync(kitDir)) assert.equal(statSync(join(kitDir, name)).mode & 0o777, 0o600, `${name} is private: together the sheets open the kit`);
  assert.equal((JSON.parse(readFileSync(join(kitDir, 'kit.json'), 'utf8')) as { supersedes: string }).supersedes, '7QF2-9KXA');
  const checklist = await runProgram('pdftotext', ['-layout', join(kitDir, 'checklist.pdf'), '-']);
  assert.match(checklist.stdout, /7QF2-9KXA/);
});

test('a custodian verifies the sheet PDF and a photo of it', async () => {
  const pdf = await runCli(['kit', 'verify', join(kitDir, 'sheet-3.pdf')]);
  assert.equal(pdf.exitStatus, 0, pdf.stderr);
  assert.match(pdf.stdout, /^valid share 3 of 4 of kit [0-9A-Z]{4}-[0-9A-Z]{4} /m);
  assert.match(pdf.stdout, /the envelope on this sheet is intact/);
  const photo = join(work, 'photo');
  const rendered = await runProgram('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', join(kitDir, 'sheet-3.pdf'), photo]);
  assert.equal(rendered.exitStatus, 0);
  const fromPhoto = await runCli(['kit', 'verify', `${photo}.png`]);
  assert.equal(fromPhoto.exitStatus, 0, fromPhoto.stderr);
  assert.match(fromPhoto.stdout, /^valid share 3 of 4 of kit /m);
});

test('recover from two sheet PDFs, and from a photo plus a PDF', async () => {
  const out = join(work, 'bundle-out.json');
  const result = await runCli(['recover', '--from', join(kitDir, 'sheet-1.pdf'), '--from', join(kitDir, 'sheet-4.pdf'), '--envelope', join(kitDir, 'sheet-2.pdf'), '--out', out]);
  assert.equal(result.exitStatus, 0, result.stderr);
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { resticPassword: string }).resticPassword, typicalB2Bundle.resticPassword);
  const photo = join(work, 'photo2');
  await runProgram('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', join(kitDir, 'sheet-2.pdf'), photo]);
  const mixed = await runCli(['recover', '--from', `${photo}.png`, '--from', join(kitDir, 'sheet-3.pdf'), '--envelope', join(kitDir, 'sheet-3.pdf'), '--out', join(work, 'mixed.json')]);
  assert.equal(mixed.exitStatus, 0, mixed.stderr);
  assert.match(mixed.stdout, /opened with shares 2, 3/);
});
