/**
 * The guide's printed path, run as printed: the commands of Part 2 are taken from guide.pdf's text layer and run
 * literally in one bash session with an empty home — real python3 (the combiner typed from the listing, as read
 * back from the PDF), real gpg, real restic against a local repository. "nano FILE" typing steps are replaced by
 * writing FILE from what the sheets' PDFs give back; "sudo" steps are skipped (the tools are installed). Then the
 * restored files are compared with the source. This is the guide's contract with docs/format.md §10.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pdfTextLayer, readEnvelopeFromFile, readShareFromFile } from '../../src/adapters/pdf-readback.js';
import { LISTING_PITCH } from '../../src/render/guide.js';
import { writePdfKit } from '../../src/render/kit-pdf.js';
import { extractGuideCommands, extractListing } from '../../src/render/listing.js';
import { makeKit, tempDir } from './helpers.js';

test('the guide\'s commands, as extracted from its PDF, restore the backup', async () => {
  const base = tempDir('guide-path');
  const source = join(base, 'source');
  const repo = join(base, 'repo');
  mkdirSync(join(source, 'photos'), { recursive: true });
  writeFileSync(join(source, 'letter.txt'), 'Dear family,\n');
  writeFileSync(join(source, 'photos', 'cat.jpg'), Buffer.alloc(70_000, 7));
  const resticPassword = 'correct horse battery staple 42';
  const resticEnv = { ...process.env, RESTIC_PASSWORD: resticPassword, RESTIC_REPOSITORY: repo, RESTIC_CACHE_DIR: join(base, 'cache') };
  execFileSync('restic', ['init', '-q'], { env: resticEnv });
  execFileSync('restic', ['backup', '-q', source], { env: resticEnv });

  const { kit } = await makeKit({ seed: 'guide-path', bundle: { owner: 'Ann Example', repository: repo, resticPassword, env: {}, onsite: 'USB disk' } });
  const kitDir = join(base, 'kit');
  await writePdfKit(kit, { outDir: kitDir, paper: 'a4', selfTest: false });

  const guide = join(kitDir, 'guide.pdf');
  const commands = extractGuideCommands(await pdfTextLayer(guide, 'raw'));
  const combiner = extractListing(await pdfTextLayer(guide, { fixed: LISTING_PITCH }));
  assert.deepEqual(combiner.badLines, []);
  // the restorer has sheets 2, 3 and 5; the typed files are named by the order typed
  const typed = new Map<string, string>([
    ['share-1.txt', (await readShareFromFile(join(kitDir, 'sheet-2.pdf'))).text],
    ['share-2.txt', (await readShareFromFile(join(kitDir, 'sheet-5.pdf'))).text],
    ['share-3.txt', (await readShareFromFile(join(kitDir, 'sheet-3.pdf'))).text],
    ['envelope.txt', (await readEnvelopeFromFile(join(kitDir, 'sheet-5.pdf'))).text],
    ['combine.py', combiner.text],
  ]);
  const script = ['set -e -o pipefail', 'cd "$HOME"'];
  for (const command of commands) {
    const nano = /^nano (\S+)$/.exec(command);
    if (nano) {
      const content = typed.get(nano[1] ?? '');
      assert.ok(content !== undefined, `the guide asks to type ${nano[1]}, which the kit does not provide`);
      script.push(`cat > ${nano[1]} <<'DRKIT_TYPED'\n${content.replace(/\n$/, '')}\nDRKIT_TYPED`);
    } else if (command.startsWith('sudo ')) {
      script.push(`# skipped: ${command}`);
    } else {
      script.push(command);
    }
  }
  const home = join(base, 'home');
  mkdirSync(home);
  const run = spawnSync('bash', ['-c', script.join('\n')], {
    env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', RESTIC_CACHE_DIR: join(base, 'cache2') },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `the guide's path failed:\n${run.stderr}\n${run.stdout}`);
  const restored = join(home, 'restore', 'files', source);
  assert.equal(readFileSync(join(restored, 'letter.txt'), 'utf8'), 'Dear family,\n');
  assert.deepEqual(readFileSync(join(restored, 'photos', 'cat.jpg')), Buffer.alloc(70_000, 7));
  assert.ok(commands.includes('python3 combine.py envelope.txt share-*.txt > passphrase.txt'));
});
