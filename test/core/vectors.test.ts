/**
 * The one loop over fixtures/vectors/ (made by scripts/make-vectors.ts): every kit vector is rebuilt from its
 * seed and must match byte for byte; every vector is then run through the TypeScript core, the printed Python
 * combiner and gpg, which must agree on results and, for rejects, on the exact error message.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatBundleText, parseBundleText } from '../../src/core/bundle.js';
import { openEnvelope } from '../../src/core/envelope.js';
import { combineKit, createKit } from '../../src/core/kit.js';
import { DrkitError } from '../../src/errors.js';
import { packageRoot } from '../../src/paths.js';
import { seededLibrarySplit, seededRandom } from '../helpers/kit-fixtures.js';
import { gpgDecrypt, runCombiner } from '../helpers/kit-tools.js';
import type { BundleInput } from '../../src/core/bundle.js';

const dir = join(packageRoot(), 'fixtures', 'vectors');
const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();

interface KitVector {
  seed: string; now: string; custodians: string[]; threshold: number; bundle: BundleInput;
  expected: { kitId: string; passphrase: string; fingerprints: string[]; bundleText: string; shares: string[]; envelope: string; shareQr: string[]; envelopeQr: string[] };
}
interface TypedVector { description: string; shares: string[]; shareTexts: string[]; envelope: string; expected: { code?: string; message?: string; passphrase?: string } }

test('the vector folder holds kits, rejects and accepts', () => {
  assert.ok(files.filter((f) => f.startsWith('kit-')).length >= 3);
  assert.ok(files.filter((f) => f.startsWith('reject-')).length >= 15);
});

for (const file of files) {
  const vector: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  if (file.startsWith('kit-')) {
    const v = vector as KitVector;
    test(`${file}: rebuilt from its seed, byte for byte`, async () => {
      const { kit, passphrase } = await createKit(v.bundle, { custodians: v.custodians, threshold: v.threshold, random: seededRandom(v.seed), now: new Date(v.now), split: seededLibrarySplit(v.seed) });
      assert.equal(kit.kitIdDisplay, v.expected.kitId);
      assert.equal(passphrase, v.expected.passphrase);
      assert.deepEqual(kit.fingerprints, v.expected.fingerprints);
      assert.deepEqual(kit.shares.map((s) => s.text), v.expected.shares);
      assert.equal(kit.envelope.text, v.expected.envelope);
      assert.deepEqual(kit.shares.map((s) => s.qrPayload), v.expected.shareQr);
      assert.deepEqual(kit.envelope.qrPayloads, v.expected.envelopeQr);
      assert.equal(formatBundleText(v.bundle, kit.kitId, kit.createdOn), v.expected.bundleText);
    });
    test(`${file}: the core, combine.py and gpg open it with the last k shares`, async () => {
      const k = v.threshold;
      const chosen = v.expected.shares.slice(-k);
      const names = chosen.map((_, i) => `share-${v.expected.shares.length - k + i + 1}.txt`);
      const combined = await combineKit(chosen.map((text, i) => ({ name: names[i] ?? '', text })), { name: 'envelope.txt', text: v.expected.envelope });
      assert.equal(combined.passphrase, v.expected.passphrase);
      const plaintext = await openEnvelope(combined.openpgp, combined.passphrase);
      assert.equal(plaintext, v.expected.bundleText);
      const recovered = parseBundleText(plaintext);
      assert.equal(recovered.resticPassword, v.bundle.resticPassword);
      assert.deepEqual(recovered.env, v.bundle.env);
      assert.equal(recovered.notes, v.bundle.notes);
      assert.equal(recovered.onsite, v.bundle.onsite);

      const python = await runCombiner(names, chosen, v.expected.envelope);
      assert.equal(python.stderr, '');
      assert.equal(python.exitStatus, 0);
      assert.equal(python.stdout, `${v.expected.passphrase}\n`);
      assert.ok(python.openpgp && Buffer.from(combined.openpgp).equals(python.openpgp), 'combine.py writes the same OpenPGP message');

      const gpg = await gpgDecrypt(combined.openpgp, combined.passphrase);
      assert.equal(gpg.exitStatus, 0, gpg.stderr);
      assert.equal(gpg.plaintext, v.expected.bundleText);
    });
  } else {
    const v = vector as TypedVector;
    const shares = v.shares.map((name, i) => ({ name, text: v.shareTexts[i] ?? '' }));
    test(`${file}: ${v.description}`, async () => {
      let error: unknown = null;
      let passphrase: string | null = null;
      try {
        passphrase = (await combineKit(shares, { name: 'envelope.txt', text: v.envelope })).passphrase;
      } catch (caught) {
        error = caught;
      }
      const python = await runCombiner(v.shares, v.shareTexts, v.envelope);
      if (v.expected.passphrase !== undefined) {
        assert.equal(error, null);
        assert.equal(passphrase, v.expected.passphrase);
        assert.equal(python.stdout, `${v.expected.passphrase}\n`);
        return;
      }
      assert.ok(error instanceof DrkitError, `expected a typed error, got ${String(error)}`);
      assert.equal(error.code, v.expected.code);
      assert.equal(error.message, v.expected.message);
      assert.notEqual(python.exitStatus, 0);
      assert.equal(python.stdout, '');
      assert.equal(python.stderr, `error: ${v.expected.message}\n`, 'combine.py prints the same message');
    });
  }
}
