/**
 * Properties of the kit format (docs/format.md §5 guarantees): any k of n combine, fewer never do, and every
 * single-character change, neighbour swap or moved line is caught with the line named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ALPHABET, decodeBase32, encodeBase32 } from '../../src/core/base32.js';
import { formatBundleText, parseBundleText, validateBundleInput, type BundleInput } from '../../src/core/bundle.js';
import { parseEnvelopeText } from '../../src/core/envelope.js';
import { combineKit, createKit, type Kit } from '../../src/core/kit.js';
import { parseShareText } from '../../src/core/share.js';
import { subsets } from '../../src/core/subsets.js';
import { TextFormError } from '../../src/core/text-form.js';
import { DrkitError } from '../../src/errors.js';
import { seededRandom, typicalB2Bundle } from '../helpers/kit-fixtures.js';


async function makeKit(n: number, k: number, seed: string, bundle: BundleInput = typicalB2Bundle): Promise<{ kit: Kit; passphrase: string }> {
  return createKit(bundle, { custodians: Array.from({ length: n }, (_, i) => `C${i + 1}`), threshold: k, random: seededRandom(seed), now: new Date('2026-11-27T00:00:00Z') });
}

const named = (kit: Kit, numbers: readonly number[]) => numbers.map((i) => ({ name: `share-${i}.txt`, text: kit.shares[i - 1]?.text ?? '' }));
const envelopeOf = (kit: Kit) => ({ name: 'envelope.txt', text: kit.envelope.text });

test('every k-subset of n shares combines to the key, for n up to 10; k-1 shares never do', async () => {
  for (const [n, k] of [[2, 2], [3, 2], [5, 3], [7, 4], [10, 5], [10, 10]] as const) {
    const { kit, passphrase } = await makeKit(n, k, `subsets ${n} ${k}`);
    const numbers = Array.from({ length: n }, (_, i) => i + 1);
    let combined = 0;
    for (const subset of subsets(numbers, k)) {
      const result = await combineKit(named(kit, subset), envelopeOf(kit));
      assert.equal(result.passphrase, passphrase, `shares ${subset.join(',')} of ${k}-of-${n}`);
      combined++;
    }
    assert.ok(combined >= 1);
    for (const subset of [...subsets(numbers, k - 1)].slice(0, 20)) {
      await assert.rejects(combineKit(named(kit, subset), envelopeOf(kit)), (error: DrkitError) => error.code === 'E_TOO_FEW');
    }
    // more than k, all genuine: still the key
    if (n > k) assert.equal((await combineKit(named(kit, numbers), envelopeOf(kit))).passphrase, passphrase);
  }
});

/** Calls `parse` on each variant of every data line; each must fail naming that line. */
function assertEveryLineChangeCaught(text: string, parse: (text: string) => unknown, change: (line: string) => Iterable<string>): number {
  const lines = text.split('\n');
  let cases = 0;
  lines.forEach((line, index) => {
    const label = /^(\d+):/.exec(line);
    if (!label) return;
    for (const changed of change(line)) {
      const variant = [...lines.slice(0, index), changed, ...lines.slice(index + 1)].join('\n');
      assert.throws(() => parse(variant), (error: unknown) => {
        assert.ok(error instanceof TextFormError, `typed error for ${changed}`);
        assert.equal(error.line, Number(label[1]), `line named for "${changed}": ${error.message}`);
        return true;
      });
      cases++;
    }
  });
  return cases;
}

/** Every data character of a line replaced by each of the 31 other symbols. */
function* substitutions(line: string): Generator<string> {
  const start = line.indexOf(':') + 1;
  for (let i = start; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === ' ') continue;
    for (const other of ALPHABET) if (other !== c) yield line.slice(0, i) + other + line.slice(i + 1);
  }
}

/** Every pair of neighbouring data characters (ignoring spaces) swapped, where they differ. */
function* neighbourSwaps(line: string): Generator<string> {
  const start = line.indexOf(':') + 1;
  const positions = [...line].map((c, i) => (i >= start && c !== ' ' ? i : -1)).filter((i) => i >= 0);
  for (let p = 0; p + 1 < positions.length; p++) {
    const a = positions[p] as number;
    const b = positions[p + 1] as number;
    if (line.charAt(a) === line.charAt(b)) continue;
    const chars = [...line];
    [chars[a], chars[b]] = [chars[b] as string, chars[a] as string];
    yield chars.join('');
  }
}

test('every single-character change in every line of every share and of the envelope is caught, naming the line', async () => {
  const { kit } = await makeKit(5, 3, 'substitutions');
  let cases = 0;
  for (const share of kit.shares) cases += assertEveryLineChangeCaught(share.text, (text) => parseShareText('s.txt', text), substitutions);
  const kitId = kit.shares[0] ? parseShareText('s', kit.shares[0].text).kitId : new Uint8Array();
  cases += assertEveryLineChangeCaught(kit.envelope.text, (text) => parseEnvelopeText('e.txt', text, kitId), substitutions);
  assert.ok(cases > 20000, `${cases} cases`);
});

test('every swap of neighbouring characters is caught, naming the line', async () => {
  const { kit } = await makeKit(5, 3, 'swaps');
  let cases = 0;
  for (const share of kit.shares) cases += assertEveryLineChangeCaught(share.text, (text) => parseShareText('s.txt', text), neighbourSwaps);
  const kitId = kit.shares[0] ? parseShareText('s', kit.shares[0].text).kitId : new Uint8Array();
  cases += assertEveryLineChangeCaught(kit.envelope.text, (text) => parseEnvelopeText('e.txt', text, kitId), neighbourSwaps);
  assert.ok(cases > 500, `${cases} cases`);
});

test('a line moved to another number, or into another share, is caught', async () => {
  const { kit } = await makeKit(5, 3, 'moves');
  const dataLines = (text: string) => text.split('\n').filter((line) => /^\d+:/.test(line));
  let cases = 0;
  for (const target of kit.shares) {
    for (const source of kit.shares) {
      for (const [from, line] of dataLines(source.text).entries()) {
        for (let to = 0; to < 3; to++) {
          if (source === target && from === to) continue;
          // relabel the moved line to its new position, as a careful typist would
          const moved = line.replace(/^\d+:/, `${to + 1}:`);
          const lines = target.text.split('\n');
          const index = lines.indexOf(dataLines(target.text)[to] ?? '');
          const variant = [...lines.slice(0, index), moved, ...lines.slice(index + 1)].join('\n');
          assert.throws(() => parseShareText('t.txt', variant), (error: unknown) => error instanceof TextFormError);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 5 * 5 * 3 * 3 - 5 * 3);
});

test('shares of two kits are refused, naming both kit ids', async () => {
  const a = (await makeKit(5, 3, 'kit a')).kit;
  const b = (await makeKit(5, 3, 'kit b')).kit;
  await assert.rejects(combineKit([...named(a, [1, 2]), { name: 'other.txt', text: b.shares[2]?.text ?? '' }], envelopeOf(a)), (error: DrkitError) => {
    assert.equal(error.code, 'E_KIT_MIX');
    assert.match(error.message, new RegExp(`${b.kitIdDisplay}.*${a.kitIdDisplay}`));
    return true;
  });
});

test('base32 decode(encode(bytes)) = bytes, and non-canonical lengths or padding are refused', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    const text = encodeBase32(bytes);
    assert.deepEqual(decodeBase32(text), bytes);
    assert.deepEqual(decodeBase32(text.toLowerCase().replace(/0/g, 'o').replace(/1/g, 'i')), bytes);
  }), { numRuns: 2000 });
  assert.equal(decodeBase32('0'), 'length');
  assert.equal(decodeBase32('01'), 'padding');
});

/* eslint-disable no-control-regex -- the generators exclude control characters, as the bundle rules do */
test('the bundle text round-trips any field values, quotes and line breaks included', () => {
  const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(s));
  // the owner is printed: like a custodian's name, no C1 control and no line or paragraph separator either
  const ownerText = text.filter((s) => !/[\u0080-\u009f\u2028\u2029]/.test(s));
  const notesText = fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(s));
  fc.assert(fc.property(ownerText, text, notesText, fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/).filter((n) => !n.startsWith('RESTIC_')), text, { maxKeys: 3 }),
    (owner, password, notes, env) => {
      const input = validateBundleInput({ owner, repository: 's3:host/bucket', resticPassword: password, env: { ...env }, ...(notes === '' ? {} : { notes }) });
      const parsed = parseBundleText(formatBundleText(input, '0123456Z', '2026-11-27'));
      assert.equal(parsed.owner, owner);
      assert.equal(parsed.resticPassword, password);
      assert.deepEqual(parsed.env, { ...env });
      assert.equal(parsed.notes, notes === '' ? undefined : notes);
    }), { numRuns: 1000 });
});
