/**
 * The short combiner (templates/recover/combine-short.py, the guide's typed listing) with the real python3 and
 * gpg, against every vector of fixtures/vectors/ and random kits. It opens every kit and accept vector with the
 * passphrase and OpenPGP bytes of the core. For every reject vector it says what docs/format.md §10 promises:
 * never silent, never a passphrase other than the kit's, and its fingerprint lines never point at a share typed
 * right (a right share shows the fingerprint its sheet lists).
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { ALPHABET } from '../../src/core/base32.js';
import { combineKit } from '../../src/core/kit.js';
import { combinerPath, packageRoot, shortCombinerPath } from '../../src/paths.js';
import { randomKitAndChoice } from '../helpers/kit-fixtures.js';
import { gpgDecrypt, runCombiner, type CombinerRun } from '../helpers/kit-tools.js';

const source = readFileSync(shortCombinerPath(), 'utf8');
const vectors = join(packageRoot(), 'fixtures', 'vectors');
const RETYPE = 'retype the share whose fingerprint is not on its sheet';
/** gpg's own refusals of a damaged OpenPGP message (the guide's Part 5 names them) */
const GPG_REFUSALS = /encrypted message has been manipulated|zlib inflate problem|invalid packet|problem reading source|encrypted_mdc packet with unknown version|unknown digest algorithm|Bad session key/;

const run = (names: readonly string[], texts: readonly string[], envelope: string): Promise<CombinerRun> => runCombiner(names, texts, envelope, shortCombinerPath());

/** The "FILE FINGERPRINT" lines the short combiner prints when the key check fails, or null when it did not. */
function fingerprintLines(result: CombinerRun, names: readonly string[]): Map<string, string> | null {
  const lines = result.stderr.trim().split('\n');
  if (result.exitStatus !== 1 || lines.at(-1) !== RETYPE) return null;
  assert.equal(lines.length, names.length + 1, result.stderr);
  return new Map(lines.slice(0, -1).map((line, index) => {
    const [file, fingerprint] = line.split(' ');
    assert.equal(file, names[index]);
    assert.match(fingerprint ?? '', /^[0-9A-HJKMNP-TV-Z]{4}$/);
    return [file ?? '', fingerprint ?? ''];
  }));
}

/** The fingerprint list a typed share's sheet prints (its "# fingerprints:" comment), or `fallback`. */
function sheetList(text: string, fallback: readonly string[]): string[] {
  const comment = text.split('\n').find((line) => line.startsWith('# fingerprints:'));
  return comment === undefined ? [...fallback] : [...comment.matchAll(/\d+=(\S{4})/g)].map((match) => match[1] ?? '');
}

test('the short combiner is standard-library Python, one listing page of whole rows, sealed by 16 hex digits', () => {
  const lines = source.trimEnd().split('\n');
  assert.ok(lines.length <= 30, `${lines.length} lines`);
  for (const [index, line] of lines.entries()) assert.ok(line.length <= 97, `line ${index + 1} is ${line.length} characters`);
  assert.deepEqual(source.match(/^\s*(?:import|from)\s+.*$/gm), ['import hashlib,sys']);
  const body = source.slice(0, source.lastIndexOf('\n#=') + 1);
  assert.equal(lines.at(-1), `#=${createHash('sha256').update(body).digest('hex').slice(0, 16)}`, 'node dist/scripts/make-vectors.js reseals it');
  // rpartition finds the seal: the only other "#=" is the code's own b"#="
  assert.equal(source.split('#=').length, 3);
});

test('a mistyped short combiner names itself before it opens any file, also when its seal line is mistyped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-short-mistyped-'));
  try {
    const cut = source.lastIndexOf('\n#=');
    for (const damaged of [source.replace('A="0123', 'A="0132'), source.replace('exit(e+": wrong length")', 'exit(e+": wrong  length")'), `${source.slice(0, cut + 3)}0${source.slice(cut + 4)}`]) {
      assert.notEqual(damaged, source);
      writeFileSync(join(dir, 'combine.py'), damaged);
      const result = await runProgram('python3', [join(dir, 'combine.py'), 'envelope.txt', 'share-1.txt'], { cwd: dir });
      assert.equal(result.exitStatus, 1);
      assert.equal(result.stderrTail.trim(), 'combine.py is mistyped');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface KitVector { threshold: number; expected: { passphrase: string; fingerprints: string[]; shares: string[]; envelope: string } }
interface TypedVector { shares: string[]; shareTexts: string[]; envelope: string; expected: { passphrase?: string } }
const read = <T>(file: string): T => JSON.parse(readFileSync(join(vectors, file), 'utf8')) as T;
const files = readdirSync(vectors).filter((name) => name.endsWith('.json')).sort();
const b2 = read<KitVector>('kit-b2-3-of-5.json');
const b2OpenPgp = async (): Promise<Buffer> => Buffer.from((await combineKit(b2.expected.shares.slice(0, 3).map((text, i) => ({ name: `s${i}`, text })), { name: 'e', text: b2.expected.envelope })).openpgp);

for (const file of files.filter((name) => name.startsWith('kit-'))) {
  test(`${file}: the short combiner opens it with the first and the last k shares, as the core does`, async () => {
    const v = read<KitVector>(file);
    const k = v.threshold;
    for (const chosen of [v.expected.shares.slice(0, k), v.expected.shares.slice(-k).reverse()]) {
      const names = chosen.map((_, i) => `share-${i + 1}.txt`);
      const core = await combineKit(chosen.map((text, i) => ({ name: names[i] ?? '', text })), { name: 'envelope.txt', text: v.expected.envelope });
      const result = await run(names, chosen, v.expected.envelope);
      assert.equal(result.exitStatus, 0, result.stderr);
      assert.equal(result.stdout, `${v.expected.passphrase}\n`);
      assert.deepEqual(result.openpgp, Buffer.from(core.openpgp));
    }
  });
}

for (const file of files.filter((name) => name.startsWith('accept-'))) {
  test(`${file}: the short combiner opens it`, async () => {
    const v = read<TypedVector>(file);
    const result = await run(v.shares, v.shareTexts, v.envelope);
    assert.equal(result.exitStatus, 0, result.stderr);
    assert.equal(result.stdout, `${v.expected.passphrase ?? '?'}\n`);
    assert.deepEqual(result.openpgp, await b2OpenPgp());
  });
}

/**
 * Live USBs ship older Pythons (Ubuntu 22.04: 3.10; Debian 11: 3.9; Ubuntu 20.04: 3.8), and the guide says 3.8 or
 * newer: both combiners name the byte order of every int.from_bytes/to_bytes (the default exists only from 3.11).
 * The older interpreters are those of pyenv when installed (DRKIT_TEST_OLD_PYTHONS: a colon-separated list instead).
 */
const oldPythons = (process.env['DRKIT_TEST_OLD_PYTHONS']?.split(':') ?? ['3.8', '3.9', '3.10'].flatMap((minor) => {
  const root = join(process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv'), 'versions');
  const found = existsSync(root) ? readdirSync(root).filter((version) => version.startsWith(`${minor}.`)).sort() : [];
  return found.length === 0 ? [] : [join(root, found.at(-1) ?? '', 'bin', 'python3')];
})).filter((path) => path !== '');

test('both combiners open the kit with Python 3.8, 3.9 and 3.10 too', { skip: oldPythons.length === 0 ? 'no Python older than 3.11 installed (pyenv or DRKIT_TEST_OLD_PYTHONS)' : false }, async () => {
  const k = b2.threshold;
  const chosen = b2.expected.shares.slice(-k);
  const names = chosen.map((_, i) => `share-${i + 1}.txt`);
  for (const python of oldPythons) {
    const version = await runProgram(python, ['--version']);
    assert.match(version.stdout + version.stderrTail, /^Python 3\.(?:8|9|10)\./, python);
    for (const program of [shortCombinerPath(), combinerPath()]) {
      const result = await runCombiner(names, chosen, b2.expected.envelope, program, python);
      assert.equal(result.exitStatus, 0, `${python} ${program}: ${result.stderr}`);
      assert.equal(result.stdout, `${b2.expected.passphrase}\n`);
      assert.deepEqual(result.openpgp, await b2OpenPgp());
    }
    // and a mistake is still named, not a traceback: the envelope's length
    const short = await runCombiner(names, chosen, b2.expected.envelope.replace(/\n[^\n]*\n$/, '\n'), shortCombinerPath(), python);
    assert.equal(short.stderr.trim(), 'envelope.txt: wrong length', python);
  }
});

/**
 * What the short combiner says for each reject vector (docs/format.md §10): it opens the kit when the mistake does
 * not touch the key data (the key and kit.gpg are then the kit's own); it leaves an envelope mistake that keeps the
 * length to gpg; it names a wrong envelope length; otherwise it prints the fingerprints, where exactly the files
 * listed under `blamed` show a fingerprint their sheet does not list (none: the cause is not a share's typing).
 */
const REJECTS: Record<string, { opens: true; gpgRefuses?: true } | { wrongLength: true } | { blamed: string[] }> = {
  'check-character-typo': { opens: true },
  'swapped-neighbours': { opens: true },
  'letter-u': { opens: true },
  'envelope-qr-incomplete': { opens: true },
  'envelope-typo': { opens: true, gpgRefuses: true },
  'envelope-lines-out-of-order-unlabelled': { opens: true, gpgRefuses: true },
  'envelope-missing-line': { wrongLength: true },
  'envelope-share-qr': { wrongLength: true },
  'substituted-character': { blamed: ['share-1.txt'] },
  'line-from-another-share': { blamed: ['share-1.txt'] },
  'line-1-from-another-share': { blamed: ['share-1.txt'] },
  'missing-character': { blamed: ['share-1.txt'] },
  'lines-out-of-order': { blamed: ['share-2.txt'] },
  'lines-out-of-order-unlabelled': { blamed: ['share-2.txt'] },
  'tampered-share': { blamed: ['share-2.txt'] },
  'tampered-share-other-list': { blamed: ['share-2.txt'] },
  'tampered-share-no-lists': { blamed: ['share-2.txt'] },
  'missing-line': { blamed: ['share-3.txt'] },
  'duplicate-share': { blamed: [] },
  'too-few': { blamed: [] },
  'two-kits': { blamed: [] },
  'envelope-of-another-kit': { blamed: [] },
};

test('every reject vector has its expected short-combiner outcome', () => {
  assert.deepEqual(files.filter((name) => name.startsWith('reject-')).map((name) => name.slice(7, -5)).sort(), Object.keys(REJECTS).sort());
});

for (const [name, expected] of Object.entries(REJECTS)) {
  test(`reject-${name}.json: the short combiner ${'opens' in expected ? (expected.gpgRefuses ? 'leaves it to gpg, which refuses it' : 'opens the kit: the key data is whole') : 'wrongLength' in expected ? 'names the envelope\'s wrong length' : `prints the fingerprints${expected.blamed.length === 0 ? ', none off its sheet' : `, ${expected.blamed.join(', ')} off its sheet`}`}`, async () => {
    const v = read<TypedVector>(`reject-${name}.json`);
    const result = await run(v.shares, v.shareTexts, v.envelope);
    if ('opens' in expected) {
      assert.equal(result.exitStatus, 0, result.stderr);
      assert.equal(result.stdout, `${b2.expected.passphrase}\n`, 'only ever the kit\'s own passphrase');
      const openpgp = await b2OpenPgp();
      if (expected.gpgRefuses) {
        assert.notDeepEqual(result.openpgp, openpgp);
        const gpg = await gpgDecrypt(result.openpgp ?? Buffer.alloc(0), b2.expected.passphrase);
        assert.equal(gpg.exitStatus, 2);
        assert.match(gpg.stderr, GPG_REFUSALS);
      } else {
        assert.deepEqual(result.openpgp, openpgp);
      }
      return;
    }
    assert.equal(result.stdout, '', 'no passphrase for a combination it refuses');
    assert.equal(result.openpgp, null, 'no kit.gpg either');
    if ('wrongLength' in expected) {
      assert.equal(result.exitStatus, 1);
      assert.equal(result.stderr.trim(), 'envelope.txt: wrong length');
      return;
    }
    const printed = fingerprintLines(result, v.shares);
    assert.ok(printed, result.stderr);
    v.shares.forEach((file, index) => {
      const listed = sheetList(v.shareTexts[index] ?? '', b2.expected.fingerprints).includes(printed.get(file) ?? '');
      assert.equal(listed, !expected.blamed.includes(file), `${file}: ${printed.get(file) ?? ''}`);
    });
  });
}

test('on random kits the short combiner gives the core\'s passphrase and OpenPGP bytes; random damage is never silent, never wrong', async () => {
  const outcomes = { opened: 0, harmless: 0, blamed: 0, wrongLength: 0, leftToGpg: 0, keyCheck: 0 };
  for (let round = 0; round < 16; round++) {
    const { kit, passphrase, chosen, names, texts } = await randomKitAndChoice();
    const k = chosen.length;
    const openpgp = Buffer.from(kit.envelope.bytes.subarray(6));
    const clean = await run(names, texts, kit.envelope.text);
    assert.equal(clean.exitStatus, 0, clean.stderr);
    assert.equal(clean.stdout, `${passphrase}\n`);
    assert.deepEqual(clean.openpgp, openpgp);
    outcomes.opened++;

    // one character of a data line changed to another alphabet character, or left out
    const target = randomInt(0, k + 1);
    const drop = round % 4 === 3;
    const damage = (text: string): string => {
      const lines = text.split('\n');
      const data = lines.flatMap((line, index) => (line !== '' && !line.startsWith('#') ? [index] : []));
      const at = data[randomInt(0, data.length)] ?? 0;
      const line = lines[at] ?? '';
      const positions = [...line].flatMap((c, i) => (i > line.indexOf(':') && ALPHABET.includes(c) ? [i] : []));
      const i = positions[randomInt(0, positions.length)] ?? 0;
      const by = drop ? '' : ALPHABET.charAt((ALPHABET.indexOf(line.charAt(i)) + randomInt(1, 32)) % 32);
      lines[at] = line.slice(0, i) + by + line.slice(i + 1);
      return lines.join('\n');
    };
    const damagedTexts = texts.map((text, i) => (i === target ? damage(text) : text));
    const envelope = target === k ? damage(kit.envelope.text) : kit.envelope.text;
    const result = await run(names, damagedTexts, envelope);
    if (result.exitStatus === 0) {
      // the damage missed the key data (a header byte, a check character, padding bits), or is the envelope's for gpg
      assert.equal(result.stdout, `${passphrase}\n`, 'only ever the kit\'s own passphrase');
      if (result.openpgp?.equals(openpgp) === true) { outcomes.harmless++; continue; }
      assert.equal(target, k, 'only an envelope mistake changes kit.gpg');
      const gpg = await gpgDecrypt(result.openpgp ?? Buffer.alloc(0), passphrase);
      assert.equal(gpg.exitStatus, 2, 'gpg refuses the damaged envelope');
      assert.match(gpg.stderr, GPG_REFUSALS);
      outcomes.leftToGpg++;
      continue;
    }
    assert.equal(result.stdout, '');
    if (result.stderr.trim() === 'envelope.txt: wrong length') {
      assert.equal(target, k);
      outcomes.wrongLength++;
      continue;
    }
    if (target === k) assert.ok(!drop, 'a missing envelope character is always a wrong length');
    const printed = fingerprintLines(result, names);
    assert.ok(printed, result.stderr);
    names.forEach((file, index) => {
      const listed = kit.fingerprints.includes(printed.get(file) ?? '');
      // a share typed right always shows its sheet's fingerprint; the damaged one (almost surely) does not
      if (index !== target) assert.ok(listed, `${file} was typed right but shows ${printed.get(file) ?? ''}`);
      else assert.ok(!listed, `${file} was damaged but shows a listed fingerprint`);
    });
    if (target === k) outcomes.keyCheck++; else outcomes.blamed++;
  }
  assert.equal(outcomes.opened, 16);
});
