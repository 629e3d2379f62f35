/**
 * The guide's printed path, run as printed: the commands of Part 2 are taken from guide.pdf's text layer and run
 * literally in one bash session with an empty home — real python3 (the combiner rebuilt from the listing as read
 * back from the PDF: the short combiner; or the full one from its QR codes as zbarimg --raw reads them from the rendered pages), real gpg, real
 * restic (each version of test/helpers/restic-versions.ts) against a local repository. "nano FILE" typing steps are
 * replaced by writing FILE from what the sheets' PDFs give back; "sudo" steps are skipped (the tools are
 * installed). Then the restored files are compared with the source, byte for byte. This is the guide's contract
 * with docs/format.md §10.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { pdfTextLayer, readEnvelopeFromFile, readShareFromFile } from '../../src/adapters/pdf-readback.js';
import type { Kit } from '../../src/core/kit.js';
import { renderGuide } from '../../src/render/guide.js';
import { LISTING_PITCH } from '../../src/render/metrics.js';
import { readPackageText } from '../../src/render/assets.js';
import { writePdfKit } from '../../src/render/kit-pdf.js';
import { extractGuideCommands, extractListing } from '../../src/render/listing.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { makeKit, tempDir } from './helpers.js';

const base = tempDir('guide-path');
const source = join(base, 'source');
const resticPassword = 'correct horse battery staple 42';
// the full combiner travels in the QR codes, the short one is the typed listing
const combiner = readPackageText('templates', 'recover', 'combine.py');
const shortCombiner = readPackageText('templates', 'recover', 'combine-short.py');

let kit: Kit;
let kitDir: string;
let commands: string[];
let fromListing: string;
let fromQr: string;

before(async () => {
  mkdirSync(join(source, 'photos'), { recursive: true });
  writeFileSync(join(source, 'letter.txt'), 'Dear family,\n');
  writeFileSync(join(source, 'photos', 'cat.jpg'), Buffer.alloc(70_000, 7));
  // the kit names a repository path; each restic version gets its own repository at that path in turn
  ({ kit } = await makeKit({ seed: 'guide-path', bundle: { owner: 'Ann Example', repository: join(base, 'repo'), resticPassword, env: {}, onsite: 'USB disk', notes: 'the photos matter most' } }));
  kitDir = join(base, 'kit');
  await writePdfKit(kit, { outDir: kitDir, paper: 'a4', selfTest: false });
  const guide = join(kitDir, 'guide.pdf');
  commands = extractGuideCommands(await pdfTextLayer(guide, 'raw'));
  const listing = extractListing(await pdfTextLayer(guide, { fixed: LISTING_PITCH }));
  assert.deepEqual(listing.badLines, []);
  fromListing = listing.text;
  // the restorer photographs each combiner QR page on its own and reads the photos in order, as step 10 says
  const photos: string[] = [];
  for (const [index, page] of renderGuide(kit, { paper: 'a4', combiner }).combinerQrPages.entries()) {
    const prefix = join(base, `combiner-${index + 1}`);
    execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', '-f', String(page), '-l', String(page), guide, prefix]);
    photos.push(`${prefix}.png`);
  }
  fromQr = execFileSync('zbarimg', ['--raw', '-q', ...photos], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
});

test('the combiner rebuilt from the listing is the short combiner exactly, and from the QR codes the full one', () => {
  assert.equal(fromListing, shortCombiner);
  assert.equal(fromQr, combiner);
  assert.ok(commands.includes('python3 combine.py envelope.txt share-*.txt > passphrase.txt'));
  assert.ok(!commands.some((command) => /\b(npx|npm|pip|curl|wget)\b/.test(command)), 'the printed path fetches nothing by name');
});

for (const restic of resticBinaries()) {
  for (const [how, combinerText] of [['typed from the listing', () => fromListing], ['read from its QR codes', () => fromQr]] as const) {
    test(`restic ${restic.label}, combiner ${how}: the guide's commands restore the backup byte for byte`, () => {
      const run = join(base, `${restic.label}-${how.split(' ')[0] ?? ''}`);
      mkdirSync(run);
      const repo = join(base, 'repo');
      const resticEnv = { ...process.env, PATH: restic.path, RESTIC_PASSWORD: resticPassword, RESTIC_REPOSITORY: repo, RESTIC_CACHE_DIR: join(run, 'cache') };
      execFileSync('rm', ['-rf', repo]);
      execFileSync('restic', ['init', '-q'], { env: resticEnv });
      execFileSync('restic', ['backup', '-q', source], { env: resticEnv });

      const typed = new Map<string, () => Promise<string>>([
        // the restorer has sheets 2, 3 and 5; the typed files are named by the order typed
        ['share-1.txt', async () => (await readShareFromFile(join(kitDir, 'sheet-2.pdf'))).text],
        ['share-2.txt', async () => (await readShareFromFile(join(kitDir, 'sheet-5.pdf'))).text],
        ['share-3.txt', async () => (await readShareFromFile(join(kitDir, 'sheet-3.pdf'))).text],
        ['envelope.txt', async () => (await readEnvelopeFromFile(join(kitDir, 'sheet-5.pdf'))).text],
        ['combine.py', () => Promise.resolve(combinerText())],
      ]);
      return (async () => {
        const script = ['set -e -o pipefail', 'cd "$HOME"'];
        for (const command of commands) {
          const nano = /^nano (\S+)$/.exec(command);
          if (nano) {
            const content = await typed.get(nano[1] ?? '')?.();
            assert.ok(content !== undefined, `the guide asks to type ${nano[1]}, which the kit does not provide`);
            script.push(`cat > ${nano[1]} <<'DRKIT_TYPED'\n${content.replace(/\n$/, '')}\nDRKIT_TYPED`);
          } else if (command.startsWith('sudo ')) {
            script.push(`# skipped: ${command}`);
          } else {
            script.push(command);
          }
        }
        const home = join(run, 'home');
        mkdirSync(home);
        const result = spawnSync('bash', ['-c', script.join('\n')], {
          env: { HOME: home, PATH: restic.path, LANG: 'C.UTF-8', RESTIC_CACHE_DIR: join(run, 'cache2') },
          encoding: 'utf8',
        });
        assert.equal(result.status, 0, `the guide's path failed:\n${result.stderr}\n${result.stdout}`);
        assert.match(result.stdout, /restic \d+\.\d+/, 'restic version was run');
        assert.match(result.stdout, /# notes: the photos matter most/, 'the owner\'s notes were shown');
        const restored = join(home, 'restore', 'files', source);
        assert.equal(readFileSync(join(restored, 'letter.txt'), 'utf8'), 'Dear family,\n');
        assert.deepEqual(readFileSync(join(restored, 'photos', 'cat.jpg')), Buffer.alloc(70_000, 7));
      })();
    });
  }
}
