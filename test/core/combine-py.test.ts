/**
 * The printed combiner and the TypeScript core agree on random kits: the same passphrase and OpenPGP bytes from
 * random k-subsets, and word-for-word the same error for random single-character damage.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../src/adapters/exec.js';
import { test } from 'node:test';
import { ALPHABET } from '../../src/core/base32.js';
import { combineKit } from '../../src/core/kit.js';
import { combinerPath } from '../../src/paths.js';
import { DrkitError } from '../../src/errors.js';
import { randomKitAndChoice } from '../helpers/kit-fixtures.js';
import { runCombiner } from '../helpers/kit-tools.js';

test('combine.py is standard-library Python that fits one listing page, each line one row, sealed by its last line', () => {
  const source = readFileSync(combinerPath(), 'utf8');
  const lines = source.trimEnd().split('\n');
  assert.ok(lines.length <= 80, `${lines.length} lines`);
  // 97 characters is the A4 listing's row after its 11-character prefix: no line continues on a second row
  for (const [index, line] of lines.entries()) assert.ok(line.length <= 97, `line ${index + 1} is ${line.length} characters`);
  const imports = source.match(/^\s*(?:import|from)\s+.*$/gm) ?? [];
  for (const line of imports) assert.match(line, /^import hashlib,re,sys$/, line);
  const body = source.slice(0, source.lastIndexOf('\n#=') + 1);
  assert.equal(lines.at(-1), `#=${createHash('sha256').update(body).digest('hex')}`, 'the last line is the SHA-256 of the lines above: node dist/scripts/make-vectors.js reseals it');
});

test('a mistyped combine.py names itself before it reads any sheet', async () => {
  const source = readFileSync(combinerPath(), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'drkit-mistyped-'));
  try {
    writeFileSync(join(dir, 'combine.py'), source.replace('k=a["k"][1]', 'k=a["k"][2]'));
    const result = await runProgram('python3', [join(dir, 'combine.py'), 'envelope.txt', 'share-1.txt'], { cwd: dir });
    assert.equal(result.exitStatus, 1);
    assert.equal(result.stderrTail.trim(), 'error: combine.py is mistyped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on random kits, combine.py and the core agree: passphrase and OpenPGP message, or the same error', async () => {
  let agreedOnSuccess = 0;
  let agreedOnError = 0;
  for (let round = 0; round < 24; round++) {
    const { kit, passphrase, chosen, names, texts } = await randomKitAndChoice();
    const k = chosen.length;
    let envelope = kit.envelope.text;
    if (round % 2 === 1) {
      // damage one data character somewhere in a share or the envelope
      const target = randomInt(0, k + 1);
      const damage = (text: string): string => {
        const positions = [...text].map((c, i) => (ALPHABET.includes(c) && !text.slice(text.lastIndexOf('\n', i) + 1, i + 1).includes('#') && !/^\d+$/.test(text.slice(text.lastIndexOf('\n', i) + 1, i + 1)) ? i : -1)).filter((i) => i >= 0);
        const at = positions[randomInt(0, positions.length)] ?? 0;
        const other = ALPHABET.charAt((ALPHABET.indexOf(text.charAt(at)) + randomInt(1, 32)) % 32);
        return text.slice(0, at) + other + text.slice(at + 1);
      };
      if (target === k) envelope = damage(envelope); else texts[target] = damage(texts[target] ?? '');
    }
    let tsError: unknown = null;
    let tsResult: Awaited<ReturnType<typeof combineKit>> | null = null;
    try {
      tsResult = await combineKit(names.map((name, i) => ({ name, text: texts[i] ?? '' })), { name: 'envelope.txt', text: envelope });
    } catch (error) {
      tsError = error;
    }
    const python = await runCombiner(names, texts, envelope);
    if (tsResult !== null) {
      assert.equal(tsResult.passphrase, passphrase);
      assert.equal(python.exitStatus, 0, python.stderr);
      assert.equal(python.stdout, `${passphrase}\n`);
      assert.ok(python.openpgp?.equals(Buffer.from(tsResult.openpgp)));
      agreedOnSuccess++;
    } else {
      assert.ok(tsError instanceof DrkitError);
      assert.equal(python.stderr, `error: ${tsError.message}\n`);
      agreedOnError++;
    }
  }
  assert.ok(agreedOnSuccess >= 12 && agreedOnError >= 1, `${agreedOnSuccess} successes, ${agreedOnError} errors`);
});
